package plot

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
)

// decode reads the PNG at path.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// same renders twice and checks the bytes are equal.
func same(t *testing.T, render func(path string) error) string {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	if err := render(a); err != nil {
		t.Fatal(err)
	}
	if err := render(b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, a), readFile(t, b)) {
		t.Error("two renderings of the same data differ")
	}
	return a
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrainingCurves(t *testing.T) {
	hist := []model.EpochMetrics{
		{Epoch: 1, TrainLoss: 0.30, TrainAccuracy: 0.91, ValLoss: 0.12, ValAccuracy: 0.965},
		{Epoch: 2, TrainLoss: 0.09, TrainAccuracy: 0.972, ValLoss: 0.07, ValAccuracy: 0.979},
		{Epoch: 3, TrainLoss: 0.06, TrainAccuracy: 0.981, ValLoss: 0.06, ValAccuracy: 0.983},
	}
	p := same(t, func(p string) error { return TrainingCurves(p, hist) })
	img := decode(t, p)
	// 10×4 inches at 96 dpi.
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 384 {
		t.Errorf("size %v, want 960×384", b.Size())
	}
	// Both series are drawn: the train colour (31,119,180) and the
	// validation colour (255,127,14) appear in each half.
	for half := 0; half < 2; half++ {
		if !hasColour(img, half*480, (half+1)*480, 31, 119, 180) || !hasColour(img, half*480, (half+1)*480, 255, 127, 14) {
			t.Errorf("panel %d lacks a series colour", half)
		}
	}
	if err := TrainingCurves(p, hist[:1]); err != nil {
		t.Errorf("one epoch: %v", err)
	}
	if err := TrainingCurves(p, nil); err == nil {
		t.Error("no epochs: no error")
	}
}

// hasColour reports whether a pixel in columns [x0,x1) is exactly (r,g,b).
func hasColour(img image.Image, x0, x1 int, r, g, b uint8) bool {
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := x0; x < x1; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				return true
			}
		}
	}
	return false
}

func TestConfusion(t *testing.T) {
	var c [10][10]int
	for d := 0; d < 10; d++ {
		c[d][d] = 1000 + d // a diagonal matrix
	}
	c[4][9] = 3 // one pale off-diagonal cell: true 4 read as 9
	p := same(t, func(p string) error { return Confusion(p, "int8 model", c) })
	img := decode(t, p)
	// 6×6 inches at 96 dpi.
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 576 {
		t.Fatalf("size %v, want 576×576", b.Size())
	}
	// The darkest blue (palette end #08306b) fills the diagonal cells:
	// its pixels run from the top left to the bottom right, so within
	// their bounding box the top-left and bottom-right quarters hold
	// them and the other two do not.
	var pts []image.Point
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 < 0x20 && g>>8 < 0x50 && b>>8 > 0x60 {
				pts = append(pts, image.Pt(x, y))
			}
		}
	}
	if len(pts) == 0 {
		t.Fatal("no dark blue cell")
	}
	box := image.Rectangle{pts[0], pts[0].Add(image.Pt(1, 1))}
	for _, q := range pts {
		box = box.Union(image.Rectangle{q, q.Add(image.Pt(1, 1))})
	}
	mid := box.Min.Add(box.Size().Div(2))
	var quarter [2][2]int // [bottom][right]
	for _, q := range pts {
		quarter[b2i(q.Y >= mid.Y)][b2i(q.X >= mid.X)]++
	}
	if quarter[0][0] == 0 || quarter[1][1] == 0 || quarter[0][1] != 0 || quarter[1][0] != 0 {
		t.Errorf("dark cells by quarter %v: not on the top-left to bottom-right diagonal", quarter)
	}
	// Ten diagonal cells fill a tenth of the box each way: about 1/10
	// of its area (less the counts written on them).
	if f := float64(len(pts)) / float64(box.Dx()*box.Dy()); f < 0.07 || f > 0.11 {
		t.Errorf("dark pixels cover %.3f of their box, want about 0.1", f)
	}
	var neg [10][10]int
	neg[1][2] = -1
	if err := Confusion(p, "", neg); err == nil {
		t.Error("negative count: no error")
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDigits(t *testing.T) {
	// Three digits: a full-ink square, a blank, a vertical bar in column 14.
	full, blank, bar := make([]uint8, 784), make([]uint8, 784), make([]uint8, 784)
	for i := range full {
		full[i] = 255
	}
	for y := 4; y < 24; y++ {
		bar[y*28+14] = 255
	}
	caps := []string{"#1 7→2 (int8 3)", "#22", "#333 1→1"}
	p := same(t, func(p string) error { return Digits(p, "misclassified", [][]uint8{full, blank, bar}, caps, 2) })
	img := decode(t, p)
	// Cells are as wide as the widest caption, "#1 7->2 (int8 3)" (16
	// characters of 7 px = 112 px, the same as a 28×4 digit): 2 columns
	// of 112 px with 10 px margins make 10+2·(112+10) = 254 px. Height:
	// title (10+13+10) + 2 rows of (112 + 4 + 13 + 10) = 311.
	if b := img.Bounds(); b.Dx() != 254 || b.Dy() != 311 {
		t.Fatalf("size %v, want 254×311", b.Size())
	}
	gray := func(x, y int) uint8 { r, _, _, _ := img.At(x, y).RGBA(); return uint8(r >> 8) }
	// First digit at (10, 33): full ink is white; the blank digit at
	// (132, 33) is black; the bar: column 14 of the third digit (row 2,
	// x 10+14·4) is white at its row 10, column 13 is black.
	if gray(10+50, 33+50) != 255 || gray(132+50, 33+50) != 0 {
		t.Errorf("full digit %d, blank digit %d", gray(60, 83), gray(182, 83))
	}
	y3 := 33 + 139 + 10*4
	if gray(10+14*4+1, y3) != 255 || gray(10+13*4+1, y3) != 0 {
		t.Errorf("bar: column 14 is %d, column 13 is %d", gray(10+14*4+1, y3), gray(10+13*4+1, y3))
	}
	for _, bad := range []struct {
		imgs [][]uint8
		caps []string
		cols int
		want string
	}{
		{nil, nil, 1, "no digits"},
		{[][]uint8{full}, []string{"a", "b"}, 1, "captions"},
		{[][]uint8{full[:10]}, nil, 1, "pixels"},
		{[][]uint8{full}, nil, 0, "columns"},
	} {
		if err := Digits(p, "", bad.imgs, bad.caps, bad.cols); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v", bad.want, err)
		}
	}
}
