package digit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// canvas is a w×h picture of background bg on which shapes are painted in ink.
type canvas struct {
	w, h    int
	bg, ink uint8
	pix     []uint8
}

func newCanvas(w, h int, bg, ink uint8) *canvas {
	c := &canvas{w: w, h: h, bg: bg, ink: ink, pix: make([]uint8, w*h)}
	for i := range c.pix {
		c.pix[i] = bg
	}
	return c
}

// paint sets every pixel whose centre satisfies in to ink.
func (c *canvas) paint(in func(x, y float64) bool) *canvas {
	for y := 0; y < c.h; y++ {
		for x := 0; x < c.w; x++ {
			if in(float64(x)+0.5, float64(y)+0.5) {
				c.pix[y*c.w+x] = c.ink
			}
		}
	}
	return c
}

func rect(x0, y0, x1, y1 float64) func(x, y float64) bool {
	return func(x, y float64) bool { return x >= x0 && x < x1 && y >= y0 && y < y1 }
}

func ring(cx, cy, r0, r1 float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		d := math.Hypot(x-cx, y-cy)
		return d >= r0 && d <= r1
	}
}

// segment is a stroke of half-width hw from (ax,ay) to (bx,by).
func segment(ax, ay, bx, by, hw float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		dx, dy := bx-ax, by-ay
		t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		return math.Hypot(x-ax-t*dx, y-ay-t*dy) <= hw
	}
}

// one draws a "1" as a bar 20 wide and 160 tall on a 100×200 canvas.
func one(bg, ink uint8) *canvas {
	return newCanvas(100, 200, bg, ink).paint(rect(40, 20, 60, 180))
}

// seven draws a "7": a top bar and a diagonal down to the bottom left.
func seven(w, h int, bg, ink uint8) *canvas {
	fw, fh := float64(w), float64(h)
	c := newCanvas(w, h, bg, ink)
	c.paint(rect(0.25*fw, 0.15*fh, 0.75*fw, 0.25*fh))
	return c.paint(segment(0.72*fw, 0.2*fh, 0.4*fw, 0.85*fh, 0.05*fw))
}

func (c *canvas) gray() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, c.w, c.h))
	copy(img.Pix, c.pix)
	return img
}

func (c *canvas) png(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, c.gray()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (c *canvas) p5() []byte {
	return append([]byte(fmt.Sprintf("P5\n# drawn by a test\n%d %d\n255\n", c.w, c.h)), c.pix...)
}

func (c *canvas) p2() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "P2 %d %d # comment\n255\n", c.w, c.h)
	for i, v := range c.pix {
		sep := " "
		if i%c.w == c.w-1 {
			sep = "\n"
		}
		fmt.Fprintf(&b, "%d%s", v, sep)
	}
	return b.Bytes()
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// oneWant is the normalised "1": the 20×160 bar becomes 3×20 (20·20/160 =
// 2.5, rounded up), all full ink; its centre of mass (1, 9.5), counting
// pixel x at coordinate x, is shifted to (14, 14): by 13 columns and by
// 4.5 rows, rounded away from zero to 5, so it covers columns 13–15 and rows
// 5–24.
func oneWant() []uint8 {
	want := make([]uint8, Size*Size)
	for y := 5; y < 25; y++ {
		for x := 13; x < 16; x++ {
			want[y*Size+x] = 255
		}
	}
	return want
}

func TestLoadOneEveryFormatAndPolarity(t *testing.T) {
	for _, tc := range []struct {
		name string
		data func() []byte
	}{
		{"black-on-white.png", func() []byte { return one(255, 0).png(t) }},
		{"white-on-black.png", func() []byte { return one(0, 255).png(t) }},
		{"black-on-white.pgm", func() []byte { return one(255, 0).p5() }},
		{"white-on-black-ascii.pgm", func() []byte { return one(0, 255).p2() }},
		{"grey-on-grey.png", func() []byte { return one(200, 40).png(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load(write(t, tc.name, tc.data()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, oneWant()) {
				t.Errorf("got\n%s\nwant\n%s", ascii(got), ascii(oneWant()))
			}
		})
	}
}

// TestLoadSixteenBitPGM: maxval 1000 takes two bytes a sample; ink 1000 on
// background 0 gives the same "1".
func TestLoadSixteenBitPGM(t *testing.T) {
	c := one(0, 1)
	b := []byte(fmt.Sprintf("P5 %d %d 1000\n", c.w, c.h))
	for _, v := range c.pix {
		s := uint16(v) * 1000
		b = append(b, byte(s>>8), byte(s))
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, oneWant()) {
		t.Errorf("got\n%s", ascii(got))
	}
}

// stats are the ink's bounding box and centre of mass (pixel x at
// coordinate x) in a 28×28 image.
func stats(px []uint8) (x0, y0, x1, y1 int, cx, cy float64) {
	x0, y0 = Size, Size
	var m float64
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			v := float64(px[y*Size+x])
			if v == 0 {
				continue
			}
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			m += v
			cx += v * float64(x)
			cy += v * float64(y)
		}
	}
	return x0, y0, x1, y1, cx / m, cy / m
}

// checkCentred: the longer side of the ink is Box pixels (a side may grow by
// one where anti-aliasing leaves a faint edge), the centre of mass is within
// half a pixel of (14, 14) (the shift is whole pixels), and the strongest ink
// is 255.
func checkCentred(t *testing.T, px []uint8) {
	t.Helper()
	x0, y0, x1, y1, cx, cy := stats(px)
	if long := max(x1-x0, y1-y0); long < Box || long > Box+1 {
		t.Errorf("ink box %d×%d, want longer side %d\n%s", x1-x0, y1-y0, Box, ascii(px))
	}
	if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Errorf("centre of mass (%.2f, %.2f), want (14, 14) ± 0.5\n%s", cx, cy, ascii(px))
	}
	peak := uint8(0)
	for _, v := range px {
		peak = max(peak, v)
	}
	if peak != 255 {
		t.Errorf("strongest ink %d, want 255", peak)
	}
}

func TestLoadZeroRing(t *testing.T) {
	for _, size := range []int{12, 60, 333} { // smaller than, about, and far larger than 28
		for _, inv := range []bool{false, true} {
			bg, ink := uint8(0), uint8(255)
			if inv {
				bg, ink = ink, bg
			}
			s := float64(size)
			c := newCanvas(size, size, bg, ink).paint(ring(s/2, s/2, 0.25*s, 0.4*s))
			px, err := Decode(c.png(t))
			if err != nil {
				t.Fatal(err)
			}
			checkCentred(t, px)
			// The ring's hole: the centre is background.
			if v := px[14*Size+14]; v != 0 {
				t.Errorf("size %d inverted %v: centre pixel %d, want 0 (the hole)\n%s", size, inv, v, ascii(px))
			}
		}
	}
}

func TestLoadSevenJPEGAndColour(t *testing.T) {
	c := seven(240, 320, 255, 0)
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, c.gray(), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	// Colour: dark blue ink on yellow paper.
	col := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
	for i, v := range c.pix {
		cc := color.NRGBA{250, 240, 120, 255}
		if v == 0 {
			cc = color.NRGBA{20, 30, 140, 255}
		}
		col.Set(i%c.w, i/c.w, cc)
	}
	var cb bytes.Buffer
	if err := png.Encode(&cb, col); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"jpeg": jb.Bytes(), "colour png": cb.Bytes(), "pgm": c.p5()} {
		px, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkCentred(t, px)
		// A "7" is taller than wide: its bar spans the top rows, the
		// bottom row of the ink holds only the end of the diagonal.
		x0, y0, x1, y1, _, _ := stats(px)
		if y1-y0 < x1-x0 {
			t.Errorf("%s: ink box %d×%d, want taller than wide", name, x1-x0, y1-y0)
		}
		if px[0] != 0 || px[Size*Size-1] != 0 {
			t.Errorf("%s: corners %d, %d: background not black", name, px[0], px[Size*Size-1])
		}
	}
}

// TestLoadThinPen: a "1" drawn 2 pixels wide and 300 tall scales to a
// stroke 2·20/300 ≈ 0.13 pixels wide, which area averaging makes faint grey;
// the strongest ink is stretched back to 255.
func TestLoadThinPen(t *testing.T) {
	c := newCanvas(200, 400, 255, 0).paint(rect(99, 50, 101, 350))
	px, err := Decode(c.p5())
	if err != nil {
		t.Fatal(err)
	}
	checkCentred(t, px)
}

// TestLoadTransparentPNG: ink drawn on a transparent page reads as ink on white.
func TestLoadTransparentPNG(t *testing.T) {
	c := one(255, 0)
	img := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
	for i, v := range c.pix {
		if v == 0 {
			img.Set(i%c.w, i/c.w, color.NRGBA{0, 0, 0, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	got, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, oneWant()) {
		t.Errorf("got\n%s", ascii(got))
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.png")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v, want an error naming %s", err, missing)
	}
	blank := write(t, "blank.png", newCanvas(30, 30, 255, 0).png(t))
	if _, err := Load(blank); err == nil || !strings.Contains(err.Error(), "blank.png") || !strings.Contains(err.Error(), "no ink") {
		t.Errorf("blank picture: %v, want 'no ink' naming the file", err)
	}
	junk := write(t, "junk.png", []byte("not a picture"))
	if _, err := Load(junk); err == nil || !strings.Contains(err.Error(), "junk.png") {
		t.Errorf("junk: %v, want an error naming the file", err)
	}
}

func TestDecodeHostilePGM(t *testing.T) {
	for _, s := range []string{
		"P5",
		"P5 ",
		"P5x",
		"P5 10",
		"P5 10 10",
		"P5 10 10 255",          // no whitespace before the samples
		"P5 10 10 255\n" + "ab", // 2 of 100 samples
		"P5 0 10 255\n",
		"P5 10 10 0\n",
		"P5 10 10 65536\n",
		"P5 -1 10 255\n",
		"P5 99999999999999999999999 1 255\n",
		"P5 1048576 1048576 255\n",     // 2^40 pixels: refused before allocating
		"P5 1048576 1 255\n",           // 1 Mpixel announced, none present
		"P5 2 2 100\n\x00\x00\x00\x65", // 101 > maxval
		"P5 1 1 256\n\x00",             // 16-bit sample cut short
		"P2 2 2 255\n1 2 3",
		"P2 2 2 10\n1 2 3 11",
		"P2 2 2 255\n1 2 x 4",
		"P2 2 2 255\n1 2 3 4x",
		"P2 2 2 255\n# only a comment",
		"P2 3000 3000 255\n0 0 0 0", // 9 Mpixel announced in a few bytes
	} {
		if _, err := Decode([]byte(s)); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// TestDecodePGMAllocation: a header announcing 1 Mpixel without samples
// must not make Decode allocate the pixels (8 MB as float64).
func TestDecodePGMAllocation(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 10; i++ {
		Decode([]byte("P5 1024 1024 255\n\x00"))
		Decode([]byte("P2 1024 1024 255\n0 0"))
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("20 cut-short headers allocated %d bytes, want under 1 MiB", d)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("P5 2 2 255\n\x00\xff\x00\xff"))
	f.Add([]byte("P2 2 2 10\n0 10\n10 0\n"))
	f.Add([]byte("P5 1 2 1000\n\x03\xe8\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		px, err := Decode(b)
		if err == nil && len(px) != Size*Size {
			t.Fatalf("%d pixels", len(px))
		}
	})
}

// ascii draws a 28×28 image for failure messages.
func ascii(px []uint8) string {
	var b strings.Builder
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			v := px[y*Size+x]
			switch {
			case v == 0:
				b.WriteByte('.')
			case v < 128:
				b.WriteByte('+')
			default:
				b.WriteByte('#')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// BenchmarkDecode measures a "0" drawn on pictures of several sizes, PNG
// decoding included.
func BenchmarkDecode(b *testing.B) {
	for _, size := range []int{100, 500, 2000} {
		s := float64(size)
		c := newCanvas(size, size, 255, 0).paint(ring(s/2, s/2, 0.3*s, 0.4*s))
		var buf bytes.Buffer
		png.Encode(&buf, c.gray())
		b.Run(fmt.Sprintf("%dx%d", size, size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Decode(buf.Bytes()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// pngHeader is the start of a PNG of w×h 16-bit RGBA pixels: the signature
// and the IHDR chunk, all image.DecodeConfig reads.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // 16 bits, RGBA, deflate, no filter, no interlace
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// A picture over MaxPixels is refused from its header, saying the limit;
// one pixel less gets past the check (and fails only for want of data).
func TestDecodePixelLimit(t *testing.T) {
	_, err := Decode(pngHeader(4097, 3072))
	if err == nil || err.Error() != "image of 4097×3072 pixels (12585984) is larger than the limit of 12582912 pixels (12 Mi, e.g. 4096×3072)" {
		t.Errorf("4097×3072: %v", err)
	}
	if _, err := Decode(pngHeader(4096, 3072)); err == nil || strings.Contains(err.Error(), "limit") {
		t.Errorf("4096×3072 without data: %v, want an error of the PNG decoder", err)
	}
	_, err = Decode([]byte("P5 4097 3072 255\n"))
	if err == nil || !strings.Contains(err.Error(), "pgm: 4097×3072 pixels (12585984) is larger than the limit of 12582912 pixels") {
		t.Errorf("PGM 4097×3072: %v", err)
	}
}

// Reading a 16-bit RGBA picture of 1 Mi pixels allocates its decoded image
// (8 MiB) and its luma (8 MiB), and little else: no third copy for the
// ink, no allocation a pixel. At MaxPixels that is 192 MiB.
func TestLoadMemory(t *testing.T) {
	const w, h = 1024, 1024
	img := image.NewRGBA64(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff // white
	}
	for y := 200; y < 800; y++ {
		for x := 480; x < 540; x++ {
			img.SetRGBA64(x, y, color.RGBA64{0, 0, 0, 0xffff}) // a "1"
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := write(t, "one16.png", buf.Bytes())
	img, buf = nil, bytes.Buffer{}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	px, err := Load(p)
	runtime.ReadMemStats(&after)
	if err != nil || px[14*Size+14] == 0 {
		t.Fatalf("%v; centre pixel %d", err, px[14*Size+14])
	}
	t.Logf("allocated %.1f MiB", float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(16<<20+2<<20); got > limit {
		t.Errorf("allocated %.1f MiB, want at most %.1f (16 for image and luma, 2 for the decoder)", float64(got)/(1<<20), float64(limit)/(1<<20))
	}
}
