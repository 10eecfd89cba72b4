package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"github.com/mnistcnn/mnistcnn/internal/atomicfile"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Layout of Digits, in pixels.
const (
	side      = 28 // an MNIST image's side
	zoom      = 4  // each MNIST pixel drawn as zoom×zoom
	margin    = 10 // around the picture and between cells
	lineH     = 13 // basicfont.Face7x13's line height
	charW     = 7  // and advance
	maxDigits = 10000
	maxPixels = 1 << 26 // 64 Mpixel, 256 MB as RGBA
)

// Digits writes a grid of 28×28 images, cols to a row, each drawn 4× as
// seen by a model (white ink on black) with its caption below it (lines
// separated by "\n"), under a title. Captions and title are drawn in a
// 7×13 ASCII font: "→" is written "->", "×" "x", "…" "...", and any other
// non-ASCII character "?".
func Digits(path, title string, images [][]uint8, captions []string, cols int) error {
	if len(images) == 0 {
		return fmt.Errorf("plot: no digits to draw")
	}
	if len(images) > maxDigits {
		return fmt.Errorf("plot: %d digits, at most %d in one picture", len(images), maxDigits)
	}
	if len(captions) != 0 && len(captions) != len(images) {
		return fmt.Errorf("plot: %d captions for %d digits", len(captions), len(images))
	}
	if cols <= 0 {
		return fmt.Errorf("plot: %d columns", cols)
	}
	for i, im := range images {
		if len(im) != side*side {
			return fmt.Errorf("plot: digit %d has %d pixels, want %d", i, len(im), side*side)
		}
	}
	cols = min(cols, len(images))
	rows := (len(images) + cols - 1) / cols

	lines := make([][]string, len(images))
	cellW, capLines := side*zoom, 0
	for i := range images {
		if len(captions) > 0 {
			lines[i] = strings.Split(ascii(captions[i]), "\n")
		}
		capLines = max(capLines, len(lines[i]))
		for _, l := range lines[i] {
			cellW = max(cellW, len(l)*charW)
		}
	}
	cellH := side*zoom + capLines*lineH
	if capLines > 0 {
		cellH += 4
	}
	title = ascii(title)
	top := margin
	if title != "" {
		top += lineH + margin
	}
	w := max(margin+cols*(cellW+margin), 2*margin+len(title)*charW)
	h := top + rows*(cellH+margin)
	if w*h > maxPixels {
		return fmt.Errorf("plot: a %d×%d picture is too large", w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	drawText(img, margin, margin, title)

	for i, px := range images {
		x0 := margin + (i%cols)*(cellW+margin)
		y0 := top + (i/cols)*(cellH+margin)
		tx := x0 + (cellW-side*zoom)/2 // the digit centred over its caption
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				r := image.Rect(tx+x*zoom, y0+y*zoom, tx+(x+1)*zoom, y0+(y+1)*zoom)
				draw.Draw(img, r, image.NewUniform(color.Gray{px[y*side+x]}), image.Point{}, draw.Src)
			}
		}
		for k, l := range lines[i] {
			lx := x0 + (cellW-len(l)*charW)/2
			drawText(img, lx, y0+side*zoom+4+k*lineH, l)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// drawText draws s in black with its top-left corner at (x, y).
func drawText(img draw.Image, x, y int, s string) {
	d := font.Drawer{
		Dst:  img,
		Src:  image.Black,
		Face: basicfont.Face7x13,
		Dot:  fixed.P(x, y+basicfont.Face7x13.Ascent),
	}
	d.DrawString(s)
}

// ascii replaces what the 7×13 font cannot draw.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || (r >= ' ' && r < 0x7f):
			b.WriteRune(r)
		case r == '→':
			b.WriteString("->")
		case r == '×':
			b.WriteString("x")
		case r == '…':
			b.WriteString("...")
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
