package digit

import (
	"bytes"
	"strings"
	"testing"
)

// TestPictureImageSizes frames the "1" of oneWant in other sizes. The
// 20×160 bar's longer side becomes round(20·min(h, w)/28) pixels and its
// width that over 8 (rounded, at least 1); its centre of mass goes to
// (w/2, h/2), rounded to whole pixels.
func TestPictureImageSizes(t *testing.T) {
	p, err := DecodePicture(one(255, 0).png(t))
	if err != nil {
		t.Fatal(err)
	}
	px, err := p.Image(Size, Size)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(px, oneWant()) {
		t.Fatalf("Image(28, 28) is not Load's image:\n%s", ascii(px))
	}
	for _, tc := range []struct {
		h, w   int
		x0, x1 int // ink columns [x0, x1)
		y0, y1 int // ink rows
	}{
		// 14×14: box 10, bar 1×10 (10/8 = 1.25 → 1); centre of mass (0, 4.5)
		// goes to (7, 7): columns 7, rows 2.5 → 3 … 12.
		{14, 14, 7, 8, 3, 13},
		// 40×20: box round(20·20/28) = 14, bar 2×14 (1.75 → 2); centre
		// (0.5, 6.5) to (10, 20): shift 9.5 → 10 columns, 13.5 → 14 rows.
		{40, 20, 10, 12, 14, 28},
		// 1×1: box 1, the bar is the one pixel.
		{1, 1, 0, 1, 0, 1},
	} {
		px, err := p.Image(tc.h, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		if len(px) != tc.h*tc.w {
			t.Fatalf("%d×%d: %d pixels", tc.h, tc.w, len(px))
		}
		for y := 0; y < tc.h; y++ {
			for x := 0; x < tc.w; x++ {
				in := x >= tc.x0 && x < tc.x1 && y >= tc.y0 && y < tc.y1
				if v := px[y*tc.w+x]; (v == 255) != in || (v != 0 && v != 255) {
					t.Fatalf("%d×%d: pixel (%d, %d) is %d, want the bar at columns [%d,%d) rows [%d,%d)\n%s",
						tc.h, tc.w, x, y, v, tc.x0, tc.x1, tc.y0, tc.y1, asciiWH(px, tc.w))
				}
			}
		}
	}
	for _, bad := range [][2]int{{0, 28}, {28, 0}, {MaxSide + 1, 28}} {
		if _, err := p.Image(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "sides 1 to") {
			t.Errorf("Image(%d, %d): error %v", bad[0], bad[1], err)
		}
	}
	// NewPicture leaves the picture alone; Open's errors name the file.
	g := &Gray{W: 2, H: 2, Pix: []float64{1, 1, 1, 0}}
	if _, err := NewPicture(g); err != nil || g.Pix[3] != 0 {
		t.Errorf("NewPicture: %v, picture now %v", err, g.Pix)
	}
	if _, err := Open("no-such-picture.png"); err == nil || !strings.Contains(err.Error(), "no-such-picture.png") {
		t.Errorf("Open of a missing file: %v", err)
	}
}

func asciiWH(px []uint8, w int) string {
	var b strings.Builder
	for i, v := range px {
		if v == 0 {
			b.WriteByte('.')
		} else {
			b.WriteByte('#')
		}
		if i%w == w-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
