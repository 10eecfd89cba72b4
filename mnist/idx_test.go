package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"runtime"
	"strings"
	"testing"
)

// idxImages builds an IDX image file: magic 0x00000803, n, rows, cols
// (big-endian uint32), then the pixels.
func idxImages(n, rows, cols int, pixels []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, imageMagic)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = binary.BigEndian.AppendUint32(b, uint32(rows))
	b = binary.BigEndian.AppendUint32(b, uint32(cols))
	return append(b, pixels...)
}

// idxLabels builds an IDX label file: magic 0x00000801, n, then the labels.
func idxLabels(labels ...byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, labelMagic)
	b = binary.BigEndian.AppendUint32(b, uint32(len(labels)))
	return append(b, labels...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// twoImages is two 2×3 images: 0..5 and 250..255.
var twoImages = idxImages(2, 2, 3, []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255})

func TestReadImages(t *testing.T) {
	for _, c := range []struct {
		name string
		r    func() io.Reader
	}{
		{"plain", func() io.Reader { return bytes.NewReader(twoImages) }},
		{"gz", func() io.Reader {
			z, err := gzip.NewReader(bytes.NewReader(gz(twoImages)))
			if err != nil {
				t.Fatal(err)
			}
			return z
		}},
		// One byte a Read: the body loop must gather the pieces.
		{"one byte a read", func() io.Reader { return &oneByte{twoImages} }},
	} {
		imgs, n, rows, cols, err := ReadImages(c.r(), "x")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != 2 || rows != 2 || cols != 3 || !bytes.Equal(imgs, twoImages[16:]) {
			t.Errorf("%s: got n=%d %dx%d %v", c.name, n, rows, cols, imgs)
		}
	}
}

type oneByte struct{ b []byte }

func (r *oneByte) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

func TestReadLabels(t *testing.T) {
	got, err := ReadLabels(bytes.NewReader(idxLabels(5, 0, 9)), "x")
	if err != nil || !bytes.Equal(got, []byte{5, 0, 9}) {
		t.Fatalf("got %v, %v", got, err)
	}
	empty, err := ReadLabels(bytes.NewReader(idxLabels()), "x")
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty: got %v, %v", empty, err)
	}
}

func TestReadErrors(t *testing.T) {
	huge := idxImages(0, 28, 28, nil)
	binary.BigEndian.PutUint32(huge[4:], 1<<31-1)
	for _, c := range []struct {
		name string
		b    []byte
		read func([]byte) error
		want string
	}{
		{"labels as images", idxLabels(1, 2), images, "f: magic number 0x00000801, want 0x00000803 (IDX images)"},
		{"images as labels", twoImages, labels, "f: magic number 0x00000803, want 0x00000801 (IDX labels)"},
		{"empty", nil, images, "f: truncated: 0 bytes, an IDX header needs 16"},
		{"zero rows", idxImages(1, 0, 28, nil), images, "f: image size 0x28 not supported (1 to 1024 a side)"},
		{"zero cols", idxImages(1, 28, 0, nil), images, "f: image size 28x0 not supported (1 to 1024 a side)"},
		{"huge image", idxImages(1, 1<<16, 1<<16, nil), images, "f: image size 65536x65536 not supported (1 to 1024 a side)"},
		{"tall image", idxImages(1, 1025, 1, nil), images, "f: image size 1025x1 not supported (1 to 1024 a side)"},
		{"too many images", idxImages(1<<31+1, 28, 28, nil), images, "f: header claims 2147483649 images, too many"},
		// (2^31-1)·784 = 1,683,627,179,248 bytes.
		// Refused from the header: a stream (a gzip bomb) may hold that much.
		{"huge header", huge, images, "f: the header describes 1683627179264 bytes, over the 1 GiB limit of an IDX file"},
		{"huge gzip header", gz(huge), gzImages, "f: the header describes 1683627179264 bytes, over the 1 GiB limit of an IDX file"},
		{"short images", twoImages[:len(twoImages)-1], images, "f: truncated: header says 2 images of 2x3 (12 bytes), file has 11"},
		{"extra images", append(idxImages(2, 2, 3, make([]byte, 12)), 7, 7), images, "f: 2 extra bytes after the 12 the header describes"},
		{"short labels", idxLabels(1, 2, 3)[:10], labels, "f: truncated: header says 3 labels, file has 2"},
		{"extra labels", append(idxLabels(1), 1), labels, "f: 1 extra bytes after the 1 the header describes"},
		{"gzip without trailer", noTrailer(gz(twoImages)), gzImages, "f: truncated: compressed data ends early"},
		{"bad gzip crc", badCRC(gz(twoImages)), gzImages, "f: gzip: invalid checksum"},
	} {
		err := c.read(c.b)
		if err == nil || err.Error() != "mnist: "+c.want {
			t.Errorf("%s: got error %v, want mnist: %s", c.name, err, c.want)
		}
	}
}

func images(b []byte) error {
	_, _, _, _, err := ReadImages(bytes.NewReader(b), "f")
	return err
}

func labels(b []byte) error {
	_, err := ReadLabels(bytes.NewReader(b), "f")
	return err
}

func gzImages(b []byte) error {
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	_, _, _, _, err = ReadImages(z, "f")
	return err
}

// noTrailer drops the 8-byte gzip trailer (CRC-32 and length, RFC 1952).
func noTrailer(b []byte) []byte { return b[:len(b)-8] }

// badCRC flips the first byte of the gzip trailer's CRC-32 (the trailer is
// CRC-32 then length, 4 bytes each, RFC 1952).
func badCRC(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)-8] ^= 1
	return b
}

// Every proper prefix of a good file is refused as truncated.
func TestReadTruncatedEveryLength(t *testing.T) {
	lab := idxLabels(3, 1, 4)
	for k := range len(twoImages) {
		if err := images(twoImages[:k]); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("images cut at %d: got %v", k, err)
		}
	}
	for k := range len(lab) {
		if err := labels(lab[:k]); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("labels cut at %d: got %v", k, err)
		}
	}
	z := gz(twoImages)
	for k := range len(z) {
		if err := gzImages(z[:k]); err == nil {
			t.Errorf("gzip cut at %d: no error", k)
		}
	}
}

// A header claiming 2^31-1 images of 28×28 (1.6 TB) over an empty body must
// not allocate more than readBody's first chunk.
func TestReadHugeHeaderAllocatesLittle(t *testing.T) {
	b := idxImages(1<<31-1, 28, 28, make([]byte, 1000))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := images(b); err == nil {
		t.Fatal("no error")
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 2*chunk {
		t.Errorf("allocated %d bytes for a 1,016-byte file", got)
	}
}

// FuzzRead feeds any bytes to both readers, plain and as a gzip stream.
// They must never panic; a success must describe exactly the bytes given,
// and an error must name the file.
func FuzzRead(f *testing.F) {
	f.Add(twoImages)
	f.Add(idxLabels(3, 1, 4))
	f.Add(gz(twoImages))
	f.Add(idxImages(1<<31-1, 28, 28, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if imgs, n, rows, cols, err := ReadImages(bytes.NewReader(b), "f"); err == nil {
			if len(imgs) != n*rows*cols || len(b) != 16+len(imgs) {
				t.Fatalf("%d images of %dx%d in %d pixel bytes from a %d-byte file", n, rows, cols, len(imgs), len(b))
			}
		} else if !strings.HasPrefix(err.Error(), "mnist: f: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
		if labs, err := ReadLabels(bytes.NewReader(b), "f"); err == nil {
			if len(b) != 8+len(labs) {
				t.Fatalf("%d labels from a %d-byte file", len(labs), len(b))
			}
		} else if !strings.HasPrefix(err.Error(), "mnist: f: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
		if z, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			ReadImages(z, "f") // any result but a panic
		}
	})
}
