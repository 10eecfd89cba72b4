// Package digit turns a picture of one handwritten digit into the 28×28
// image an MNIST model expects, the way the MNIST images themselves were
// made: white ink on black, the ink's bounding box scaled (keeping its
// aspect) so that its longer side is 20 pixels, then placed in a 28×28 frame
// so that its centre of mass is at the centre.
//
// Pictures may be PNG, JPEG, GIF or PGM (P2 or P5), of any size, grey or
// colour (reduced to luma), dark ink on a light background or light ink on
// a dark one.
package digit

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF for image.Decode
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"io"
	"math"
	"os"
)

// Size is the side of the image Load returns; Box is the side of the square
// the ink's bounding box is scaled into (MNIST's 20 in 28).
const (
	Size = 28
	Box  = 20
)

// Limits on what Load reads: a photo of a digit is far smaller.
const (
	maxFileBytes = 64 << 20
	maxPixels    = 1 << 25 // 32 Mpixel, e.g. 8192×4096
)

// inkThreshold is the fraction of full ink above which a pixel counts for
// the bounding box: it keeps faint noise and JPEG ringing out of the crop.
const inkThreshold = 0.2

// Load reads the picture at path and returns Size×Size pixels, row-major,
// 0 for background and 255 for full ink.
func Load(path string) ([]uint8, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("digit: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("digit: %s: %w", path, err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("digit: %s: larger than %d bytes", path, maxFileBytes)
	}
	px, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("digit: %s: %w", path, err)
	}
	return px, nil
}

// Decode is Load for a picture already in memory; its errors do not name a
// file.
func Decode(b []byte) ([]uint8, error) {
	g, err := decodeGray(b)
	if err != nil {
		return nil, err
	}
	return Normalize(g)
}

// Gray is a picture as luma values in [0,1], row-major, W×H.
type Gray struct {
	W, H int
	Pix  []float64
}

func (g *Gray) at(x, y int) float64 { return g.Pix[y*g.W+x] }

// decodeGray reads a PGM or any image format registered with package image.
func decodeGray(b []byte) (*Gray, error) {
	if len(b) >= 2 && b[0] == 'P' && (b[1] == '2' || b[1] == '5') {
		return decodePGM(b)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("image of %d×%d pixels is empty or too large", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	g := &Gray{W: r.Dx(), H: r.Dy(), Pix: make([]float64, r.Dx()*r.Dy())}
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			c := img.At(r.Min.X+x, r.Min.Y+y)
			// Transparent pixels show the page behind them: composite over
			// white, as a viewer would.
			_, _, _, a := c.RGBA()
			l := float64(color.Gray16Model.Convert(c).(color.Gray16).Y) / 0xffff
			g.Pix[y*g.W+x] = l + (1 - float64(a)/0xffff)
		}
	}
	return g, nil
}

// Normalize makes an MNIST image from a picture: it inverts a light
// background, crops to the ink, scales the crop's longer side to Box pixels
// by area averaging, stretches the strongest ink to 255 (a thin pen on a
// large picture would otherwise average to faint grey) and centres the
// ink's centre of mass in Size×Size.
func Normalize(g *Gray) ([]uint8, error) {
	if g.W <= 0 || g.H <= 0 || len(g.Pix) != g.W*g.H {
		return nil, errors.New("empty picture")
	}
	ink := inkMap(g)
	x0, y0, x1, y1, ok := bounds(ink, inkThreshold)
	if !ok {
		return nil, errors.New("no ink: the picture is blank")
	}
	cw, ch := x1-x0, y1-y0
	sw, sh := Box, Box // scaled size, longer side Box, at least 1
	if cw > ch {
		sh = max(1, int(math.Round(float64(Box*ch)/float64(cw))))
	} else if ch > cw {
		sw = max(1, int(math.Round(float64(Box*cw)/float64(ch))))
	}
	scaled := areaScale(ink, x0, y0, cw, ch, sw, sh)
	// A thin pen on a large picture averages to faint ink: stretch the
	// strongest scaled ink back to full.
	peak := 0.0
	for _, v := range scaled.Pix {
		peak = max(peak, v)
	}
	for i, v := range scaled.Pix {
		if peak > 0 {
			scaled.Pix[i] = v / peak
		}
	}

	// Centre of mass of the scaled ink, with pixel x at coordinate x,
	// placed at pixel (Size/2, Size/2) = (14, 14) as in MNIST (whose test
	// images average a centre of mass of (14.00, 13.99) so counted) by a
	// whole-pixel shift that keeps the ink inside.
	var m, mx, my float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := scaled.at(x, y)
			m += v
			mx += v * float64(x)
			my += v * float64(y)
		}
	}
	ox := clamp(int(math.Round(Size/2-mx/m)), 0, Size-sw)
	oy := clamp(int(math.Round(Size/2-my/m)), 0, Size-sh)
	out := make([]uint8, Size*Size)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			out[(oy+y)*Size+ox+x] = uint8(math.Round(255 * scaled.at(x, y)))
		}
	}
	return out, nil
}

// inkMap maps the picture to ink in [0,1]: 0 for the background, taken as
// the mean of the border pixels, 1 for the strongest ink. A background
// lighter than the picture's mean is a page (dark ink): it is inverted.
func inkMap(g *Gray) *Gray {
	var border, all float64
	n := 0
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			v := g.at(x, y)
			all += v
			if x == 0 || y == 0 || x == g.W-1 || y == g.H-1 {
				border += v
				n++
			}
		}
	}
	border /= float64(n)
	all /= float64(g.W * g.H)
	light := border > all || (border == all && border > 0.5)
	ink := &Gray{W: g.W, H: g.H, Pix: make([]float64, len(g.Pix))}
	bg, peak := border, 0.0
	if light {
		bg = 1 - border
	}
	for i, v := range g.Pix {
		if light {
			v = 1 - v
		}
		v -= bg
		ink.Pix[i] = v
		peak = max(peak, v)
	}
	for i, v := range ink.Pix {
		if peak > 0 {
			v /= peak
		}
		ink.Pix[i] = clampF(v)
	}
	return ink
}

// bounds is the bounding box [x0,x1)×[y0,y1) of the pixels above t.
func bounds(g *Gray, t float64) (x0, y0, x1, y1 int, ok bool) {
	x0, y0, x1, y1 = g.W, g.H, 0, 0
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			if g.at(x, y) > t {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x+1), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1, x1 > x0
}

// areaScale resamples the w×h region at (x0,y0) of g to sw×sh pixels: each
// output pixel is the mean of the source area it covers, partial source
// pixels weighted by the fraction covered.
func areaScale(g *Gray, x0, y0, w, h, sw, sh int) *Gray {
	out := &Gray{W: sw, H: sh, Pix: make([]float64, sw*sh)}
	fx, fy := float64(w)/float64(sw), float64(h)/float64(sh)
	for oy := 0; oy < sh; oy++ {
		ya, yb := float64(oy)*fy, float64(oy+1)*fy
		for ox := 0; ox < sw; ox++ {
			xa, xb := float64(ox)*fx, float64(ox+1)*fx
			var sum float64
			for y := int(ya); y < h && float64(y) < yb; y++ {
				wy := math.Min(yb, float64(y+1)) - math.Max(ya, float64(y))
				for x := int(xa); x < w && float64(x) < xb; x++ {
					wx := math.Min(xb, float64(x+1)) - math.Max(xa, float64(x))
					sum += wx * wy * g.at(x0+x, y0+y)
				}
			}
			out.Pix[oy*sw+ox] = clampF(sum / (fx * fy))
		}
	}
	return out
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

func clampF(v float64) float64 { return min(max(v, 0), 1) }
