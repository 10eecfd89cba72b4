package mnist

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/mnistcnn/mnistcnn/internal/readfile"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions (3 for images N×Rows×Cols, 1 for
// labels N). From the format description on Yann LeCun's MNIST page.
const (
	imageMagic = 0x00000803
	labelMagic = 0x00000801
)

// Limits on header values, so that n·rows·cols fits an int64 with room to
// spare. MNIST is 60,000×28×28.
const (
	maxCount = 1 << 31
	// MaxSide is the largest number of rows or columns of an image: the
	// files are of small grey images, and the largest a model takes
	// (model.MaxImageSide).
	MaxSide = 1024
)

// MaxFileBytes bounds an IDX file, plain or once decompressed: 1 GiB, 21
// times MNIST's training images (47 MB) and above EMNIST's largest set
// (698k images, 547 MB). The readers never hold more than that (and the
// buffer's growth) whatever a header claims or a gzip stream expands to.
const MaxFileBytes = 1 << 30

// ReadImages reads an IDX image file (magic 0x00000803) from r: a 16-byte
// big-endian header (magic, n, rows, cols) then n·rows·cols bytes, one
// image after another in row-major order. name is used in errors only.
//
// The memory it allocates grows with the bytes actually read, so a header
// that claims more images than the file holds costs no more than the file.
// Bytes after the last image are an error.
func ReadImages(r io.Reader, name string) (imgs []uint8, n, rows, cols int, err error) {
	var h [16]byte
	if err := readHeader(r, h[:], imageMagic, "images", name); err != nil {
		return nil, 0, 0, 0, err
	}
	un := uint64(binary.BigEndian.Uint32(h[4:]))
	ur := uint64(binary.BigEndian.Uint32(h[8:]))
	uc := uint64(binary.BigEndian.Uint32(h[12:]))
	if ur == 0 || uc == 0 || ur > MaxSide || uc > MaxSide {
		return nil, 0, 0, 0, fmt.Errorf("mnist: %s: image size %dx%d not supported (1 to %d a side)", name, ur, uc, MaxSide)
	}
	if un > maxCount {
		return nil, 0, 0, 0, fmt.Errorf("mnist: %s: header claims %d images, too many", name, un)
	}
	n, rows, cols = int(un), int(ur), int(uc)
	imgs, err = readBody(r, len(h), n*rows*cols, name, func(got int) string {
		return fmt.Sprintf("header says %d images of %dx%d (%d bytes), file has %d", n, rows, cols, n*rows*cols, got)
	})
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return imgs, n, rows, cols, nil
}

// ReadLabels reads an IDX label file (magic 0x00000801) from r: an 8-byte
// big-endian header (magic, n) then n bytes, each a class 0 to 255 (MNIST:
// a digit 0–9). name is used in errors only.
func ReadLabels(r io.Reader, name string) ([]uint8, error) {
	var h [8]byte
	if err := readHeader(r, h[:], labelMagic, "labels", name); err != nil {
		return nil, err
	}
	un := uint64(binary.BigEndian.Uint32(h[4:]))
	if un > maxCount {
		return nil, fmt.Errorf("mnist: %s: header claims %d labels, too many", name, un)
	}
	n := int(un)
	labels, err := readBody(r, len(h), n, name, func(got int) string {
		return fmt.Sprintf("header says %d labels, file has %d", n, got)
	})
	if err != nil {
		return nil, err
	}
	return labels, nil
}

// readHeader fills h from r, checking the magic number in its first 4
// bytes before reading the rest.
func readHeader(r io.Reader, h []byte, magic uint32, what, name string) error {
	got := 0
	for i, part := range [][]byte{h[:4], h[4:]} {
		k, err := io.ReadFull(r, part)
		got += k
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("mnist: %s: truncated: %d bytes, an IDX header needs %d", name, got, len(h))
		}
		if err != nil {
			return readErr(name, err)
		}
		if m := binary.BigEndian.Uint32(h); i == 0 && m != magic {
			return fmt.Errorf("mnist: %s: magic number 0x%08x, want 0x%08x (IDX %s)", name, m, magic, what)
		}
	}
	return nil
}

// readErr wraps an error of the underlying reader.
func readErr(name string, err error) error {
	if err == io.ErrUnexpectedEOF { // a gzip stream cut short
		return fmt.Errorf("mnist: %s: truncated: compressed data ends early", name)
	}
	return fmt.Errorf("mnist: %s: %w", name, err)
}

// chunk is the first allocation of readBody; it then doubles as data arrives.
const chunk = 1 << 20

// maxExtra is how far past the data a header describes readBody reads to
// count the bytes too many, and to reach the end of a gzip stream, whose
// checksum is checked only there.
const maxExtra = 1 << 20

// readBody reads exactly size bytes, the data after a header of hlen
// bytes, and then expects the end of r. Its buffer grows with the data read
// (never past twice that plus chunk), so a lying header cannot make it
// allocate more than the stream justifies. A reader that knows its exact
// length (a plain file) is checked against the header before anything is
// read; a header describing more than MaxFileBytes is refused at once. short describes a truncated body given the
// number of bytes found.
func readBody(r io.Reader, hlen, size int, name string, short func(got int) string) ([]byte, error) {
	if e, ok := r.(exactSizer); ok {
		if body, ok := e.exactSize(); ok {
			body -= int64(hlen)
			switch {
			case body < int64(size):
				return nil, fmt.Errorf("mnist: %s: truncated: %s", name, short(int(body)))
			case body > int64(size):
				return nil, fmt.Errorf("mnist: %s: %d extra bytes after the %d the header describes", name, body-int64(size), size)
			}
		}
	}
	if int64(hlen)+int64(size) > MaxFileBytes {
		// Not worth reading: even if the stream holds it all, it is too much.
		return nil, fmt.Errorf("mnist: %s: the header describes %d bytes, over the %s limit of an IDX file", name, hlen+size, readfile.Size(MaxFileBytes))
	}
	first := chunk
	if h, ok := r.(sizeHinter); ok && h.sizeHint() > 0 {
		first = int(min(h.sizeHint(), MaxFileBytes))
	}
	buf := make([]byte, 0, min(size, first))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(size-len(buf), max(len(buf), chunk)))
		}
		k, err := r.Read(buf[len(buf):min(cap(buf), size)])
		buf = buf[:len(buf)+k]
		if (err == io.EOF || err == io.ErrUnexpectedEOF) && len(buf) < size {
			// ErrUnexpectedEOF: a gzip stream cut short.
			return nil, fmt.Errorf("mnist: %s: truncated: %s", name, short(len(buf)))
		}
		if err != nil && err != io.EOF {
			return nil, readErr(name, err)
		}
	}
	// Read to the end: a gzip reader checks its CRC only there, and extra
	// bytes mean the header and the file disagree.
	extra, err := io.CopyN(io.Discard, r, maxExtra+1)
	if err != nil && err != io.EOF {
		return nil, readErr(name, err)
	}
	if extra > maxExtra {
		return nil, fmt.Errorf("mnist: %s: more than %d extra bytes after the %d the header describes", name, maxExtra, size)
	}
	if extra > 0 {
		return nil, fmt.Errorf("mnist: %s: %d extra bytes after the %d the header describes", name, extra, size)
	}
	return buf, nil
}

// exactSizer is a reader that knows exactly how many bytes it delivers from
// its start: a plain file, by its size.
type exactSizer interface {
	exactSize() (int64, bool)
}

// sizeHinter is a reader that knows about how many bytes it will deliver,
// from a source more trustworthy than the IDX header: the size of a file,
// or a gzip trailer's length bounded by what deflate can expand to.
type sizeHinter interface {
	sizeHint() int64
}

type hintedReader struct {
	io.Reader
	hint  int64
	exact bool // hint is the exact length: a plain file's size
}

func (r hintedReader) sizeHint() int64 { return r.hint }

func (r hintedReader) exactSize() (int64, bool) { return r.hint, r.exact }
