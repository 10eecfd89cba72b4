package mnist

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes files (name → content) into a new temporary folder.
func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tinyFiles is a data folder of 3 training and 2 test images of 2×3, the
// training files gzipped and the test files plain.
func tinyFiles() map[string][]byte {
	return map[string][]byte{
		TrainImages + ".gz": gz(idxImages(3, 2, 3, []byte{
			0, 0, 0, 0, 0, 0,
			255, 255, 255, 255, 255, 255,
			51, 102, 153, 204, 255, 0})),
		TrainLabels + ".gz": gz(idxLabels(5, 0, 4)),
		TestImages:          idxImages(2, 2, 3, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
		TestLabels:          idxLabels(7, 2),
	}
}

func TestLoadTiny(t *testing.T) {
	dir := writeFiles(t, tinyFiles())
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Dir != dir || d.Train.N != 3 || d.Test.N != 2 || d.Train.Rows != 2 || d.Train.Cols != 3 {
		t.Fatalf("got dir %s, %d train, %d test, %dx%d", d.Dir, d.Train.N, d.Test.N, d.Train.Rows, d.Train.Cols)
	}
	if got := d.Train.Labels; string(got) != "\x05\x00\x04" {
		t.Errorf("train labels %v, want [5 0 4]", got)
	}
	if got := d.Test.Image(1); string(got) != "\x07\x08\x09\x0a\x0b\x0c" {
		t.Errorf("test image 1 = %v, want 7..12", got)
	}
	// 51/255 = 0.2, 102/255 = 0.4, 153/255 = 0.6, 204/255 = 0.8.
	dst := make([]float32, 6)
	d.Train.Float(2, dst)
	want := []float32{0.2, 0.4, 0.6, 0.8, 1, 0}
	for i := range want {
		if dst[i] != want[i] {
			t.Errorf("Float(2)[%d] = %v, want %v", i, dst[i], want[i])
		}
	}
}

func TestLoadPrefersPlain(t *testing.T) {
	files := tinyFiles()
	// A plain training-label file beside the .gz one wins.
	files[TrainLabels] = idxLabels(1, 1, 1)
	d, err := Load(writeFiles(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Train.Labels; string(got) != "\x01\x01\x01" {
		t.Errorf("train labels %v, want the plain file's [1 1 1]", got)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(map[string][]byte)
		want   string // after "mnist: <dir>/"
	}{
		{"missing file", func(f map[string][]byte) { delete(f, TestLabels) },
			"data folder <dir>: no file t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz"},
		{"count mismatch", func(f map[string][]byte) { f[TestLabels] = idxLabels(1, 2, 3) },
			"<dir>/t10k-labels-idx1-ubyte: 3 labels for 2 images in t10k-images-idx3-ubyte"},
		{"geometry mismatch", func(f map[string][]byte) { f[TestImages] = idxImages(2, 3, 2, make([]byte, 12)) },
			"data folder <dir>: training images are 2x3, test images 3x2"},
		{"no images", func(f map[string][]byte) { f[TestImages] = idxImages(0, 2, 3, nil); f[TestLabels] = idxLabels() },
			"<dir>/t10k-images-idx3-ubyte: no images"},
		{"truncated gz", func(f map[string][]byte) {
			b := f[TrainImages+".gz"]
			f[TrainImages+".gz"] = b[:len(b)-8]
		}, "<dir>/train-images-idx3-ubyte.gz: truncated: compressed data ends early"},
		{"lying gzip length", func(f map[string][]byte) {
			// The trailer's last 4 bytes are the length mod 2^32 (RFC 1952);
			// Load sizes its buffer from them, gzip checks them at the end.
			b := f[TrainImages+".gz"]
			copy(b[len(b)-4:], "\xff\xff\xff\xff")
		}, "<dir>/train-images-idx3-ubyte.gz: gzip: invalid checksum"},
		{"not gzip", func(f map[string][]byte) { f[TrainLabels+".gz"] = idxLabels(1, 2, 3) },
			"<dir>/train-labels-idx1-ubyte.gz: not gzip data: gzip: invalid header"},
		{"wrong magic", func(f map[string][]byte) { f[TestLabels] = f[TestImages] },
			"<dir>/t10k-labels-idx1-ubyte: magic number 0x00000803, want 0x00000801 (IDX labels)"},
	} {
		files := tinyFiles()
		c.change(files)
		dir := writeFiles(t, files)
		_, err := Load(dir)
		want := "mnist: " + strings.ReplaceAll(c.want, "<dir>", dir)
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", c.name, err, want)
		}
	}
	missing := filepath.Join(t.TempDir(), "nowhere")
	if _, err := Load(missing); err == nil || err.Error() != "mnist: data folder "+missing+": no such directory" {
		t.Errorf("missing folder: got %v", err)
	}
}

func TestSliceAndSplit(t *testing.T) {
	// Five 1×2 images whose pixels are their index twice; labels 0..4.
	s := Set{Images: []uint8{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, Labels: []uint8{0, 1, 2, 3, 4}, N: 5, Rows: 1, Cols: 2}
	mid := s.Slice(1, 3)
	if mid.N != 2 || string(mid.Images) != "\x01\x01\x02\x02" || string(mid.Labels) != "\x01\x02" {
		t.Errorf("Slice(1,3) = %+v", mid)
	}
	fit, val, err := SplitValidation(s, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The last 2 images are held out, as Keras validation_split does.
	if fit.N != 3 || val.N != 2 || string(val.Labels) != "\x03\x04" || string(fit.Labels) != "\x00\x01\x02" {
		t.Errorf("split: fit %v, val %v", fit.Labels, val.Labels)
	}
	if fit, val, err := SplitValidation(s, 0); err != nil || fit.N != 5 || val.N != 0 {
		t.Errorf("split 0: %d, %d, %v", fit.N, val.N, err)
	}
	for _, n := range []int{-1, 5, 6} {
		if _, _, err := SplitValidation(s, n); err == nil {
			t.Errorf("split %d: no error", n)
		}
	}
}

func TestFloatScale(t *testing.T) {
	// Every byte maps to p/255 rounded once from float64, within the float32
	// spacing near 1 (2^-24 relative).
	for p := range 256 {
		want := float64(p) / 255
		if d := float64(scale[p]) - want; d > 6e-8 || d < -6e-8 {
			t.Errorf("scale[%d] = %v, want %v", p, scale[p], want)
		}
	}
	if scale[0] != 0 || scale[255] != 1 {
		t.Errorf("scale[0], scale[255] = %v, %v", scale[0], scale[255])
	}
}

// A data file that is not a regular file (here a folder; a device or a pipe
// alike) is refused before it is read.
func TestLoadRefusesNotRegular(t *testing.T) {
	files := tinyFiles()
	delete(files, TestImages)
	dir := writeFiles(t, files)
	if err := os.Mkdir(filepath.Join(dir, TestImages), 0o755); err != nil {
		t.Fatal(err)
	}
	want := "mnist: " + filepath.Join(dir, TestImages) + ": a folder, not a regular file"
	if _, err := Load(dir); err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// LoadTest needs only the two test files.
func TestLoadTest(t *testing.T) {
	files := tinyFiles()
	delete(files, TrainImages+".gz")
	delete(files, TrainLabels+".gz")
	dir := writeFiles(t, files)
	if _, err := Load(dir); err == nil {
		t.Error("Load without the training files: no error")
	}
	s, err := LoadTest(dir)
	if err != nil || s.N != 2 || string(s.Labels) != "\x07\x02" {
		t.Errorf("LoadTest: %d images, labels %v, %v; want 2, [7 2]", s.N, s.Labels, err)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r    io.Reader
	read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

// A plain file whose header describes more or fewer bytes than the file
// has is refused from its 16-byte header and its size, without reading its
// body: a 1 GiB file cut to 1,016 bytes costs no more than one intact.
func TestReadPlainFileSizeFirst(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{1 << 20, "f: truncated: header says 1048576 images of 28x28 (822083584 bytes), file has 1000"},
		{1, "f: 216 extra bytes after the 784 the header describes"},
	} {
		b := idxImages(c.n, 28, 28, make([]byte, 1000))
		cr := &countingReader{r: bytes.NewReader(b)}
		_, _, _, _, err := ReadImages(hintedReader{cr, int64(len(b)), true}, "f")
		if err == nil || err.Error() != "mnist: "+c.want {
			t.Errorf("%d images: got %v, want %s", c.n, err, c.want)
		}
		if cr.read != 16 {
			t.Errorf("%d images: read %d bytes, want the 16 of the header", c.n, cr.read)
		}
	}
}

// A folder of images of another size with labels beyond the digits loads
// as MNIST does: 1×1024 images (the largest side), labels up to 255.
func TestLoadOtherSets(t *testing.T) {
	img := func(n int) []byte { return make([]byte, n*1024) }
	dir := writeFiles(t, map[string][]byte{
		TrainImages:        idxImages(3, 1, 1024, img(3)),
		TrainLabels:        idxLabels(12, 255, 0),
		TestImages + ".gz": gz(idxImages(2, 1, 1024, img(2))),
		TestLabels + ".gz": gz(idxLabels(3, 11)),
	})
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.Rows != 1 || d.Train.Cols != 1024 || d.Train.Classes() != 256 || d.Test.Classes() != 12 {
		t.Errorf("train %dx%d, %d classes; test %d classes; want 1x1024, 256, 12", d.Train.Rows, d.Train.Cols, d.Train.Classes(), d.Test.Classes())
	}
	if c := d.Train.Slice(0, 1).Classes(); c != 13 {
		t.Errorf("one image of label 12: %d classes, want 13", c)
	}
	if c := d.Train.Slice(0, 0).Classes(); c != 0 {
		t.Errorf("no image: %d classes, want 0", c)
	}
}
