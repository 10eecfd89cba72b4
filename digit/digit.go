// Package digit turns a picture of one handwritten digit into the 28×28
// image an MNIST model expects, the way the MNIST images themselves were
// made: white ink on black, the ink's bounding box scaled (keeping its
// aspect) so that its longer side is 20 pixels, then placed in a 28×28 frame
// so that its centre of mass is at the centre. A model of another input
// size gets the same in its own frame (Picture.Image): the ink's longer
// side 20/28 of the frame's shorter one.
//
// Pictures may be PNG, JPEG, GIF or PGM (P2 or P5), of up to MaxPixels
// pixels in a file of up to MaxFileBytes, grey or colour (reduced to luma),
// dark ink on a light background or light ink on a dark one. A picture at
// those limits takes at most about 200 MB to read: the decoded image (8
// bytes a pixel at most, for 16-bit RGBA) and its luma (8 bytes a pixel).
package digit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // register GIF for image.Decode
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"io"
	"math"

	"github.com/mnistcnn/mnistcnn/internal/readfile"
)

// Size is the side of the image Load returns; Box is the side of the square
// the ink's bounding box is scaled into (MNIST's 20 in 28). MaxSide is the
// largest side Picture.Image makes.
const (
	Size    = 28
	Box     = 20
	MaxSide = 1024
)

// Limits on what Load reads: a photo of a digit is far smaller.
const (
	// MaxFileBytes bounds the picture file: 64 MiB.
	MaxFileBytes = 64 << 20
	// MaxPixels bounds width×height: 12 Mi pixels (12,582,912), e.g.
	// 4096×3072 or a 12-megapixel phone photo (4032×3024). It keeps the
	// memory a picture takes under about 200 MB: 96 MiB for the decoded
	// image at worst (16-bit RGBA) and 96 MiB for its luma.
	MaxPixels = 12 << 20
)

// inkThreshold is the fraction of full ink above which a pixel counts for
// the bounding box: it keeps faint noise and JPEG ringing out of the crop.
const inkThreshold = 0.2

// Load reads the picture at path, a regular file of at most MaxFileBytes,
// and returns Size×Size pixels, row-major, 0 for background and 255 for
// full ink. PNG, JPEG and GIF are decoded from the file as they are read,
// not from a copy in memory.
func Load(path string) ([]uint8, error) {
	p, err := Open(path)
	if err != nil {
		return nil, err
	}
	return p.Image(Size, Size)
}

// Decode is Load for a picture already in memory; its errors do not name a
// file.
func Decode(b []byte) ([]uint8, error) {
	p, err := DecodePicture(b)
	if err != nil {
		return nil, err
	}
	return p.Image(Size, Size)
}

// Picture is a picture's ink, found once and framed by Image at any size:
// the ink map (0 background, 1 strongest ink) and its bounding box.
type Picture struct {
	ink            *Gray
	x0, y0, x1, y1 int
}

// Open reads the picture at path, as Load does, and finds its ink. The
// ink takes the place of the decoded luma, so it costs no more memory
// than Load.
func Open(path string) (*Picture, error) {
	f, size, err := readfile.Open(path, readfile.Limit{What: "picture", Bytes: MaxFileBytes})
	if err != nil {
		return nil, fmt.Errorf("digit: %w", err)
	}
	defer f.Close()
	g, err := decodeGray(io.NewSectionReader(f, 0, size))
	if err != nil {
		return nil, fmt.Errorf("digit: %s: %w", path, err)
	}
	p, err := newPicture(g, true)
	if err != nil {
		return nil, fmt.Errorf("digit: %s: %w", path, err)
	}
	return p, nil
}

// DecodePicture is Open for a picture already in memory; its errors do
// not name a file.
func DecodePicture(b []byte) (*Picture, error) {
	g, err := decodeGray(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return newPicture(g, true)
}

// NewPicture finds the ink of g (see Normalize); it does not change g.
func NewPicture(g *Gray) (*Picture, error) {
	return newPicture(g, false)
}

// Gray is a picture as luma values in [0,1], row-major, W×H.
type Gray struct {
	W, H int
	Pix  []float64
}

func (g *Gray) at(x, y int) float64 { return g.Pix[y*g.W+x] }

// decodeGray reads a PGM or any image format registered with package
// image. It checks the size in the header (image.DecodeConfig) against
// MaxPixels before decoding.
func decodeGray(r io.ReadSeeker) (*Gray, error) {
	var magic [2]byte
	n, _ := io.ReadFull(r, magic[:])
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if n == 2 && magic[0] == 'P' && (magic[1] == '2' || magic[1] == '5') {
		b, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
		if err != nil {
			return nil, err
		}
		if len(b) > MaxFileBytes {
			return nil, fmt.Errorf("pgm: larger than %d bytes", MaxFileBytes)
		}
		return decodePGM(b)
	}
	cfg, _, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image of %d×%d pixels is empty", cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("image of %d×%d pixels (%d) is larger than the limit of %d pixels (12 Mi, e.g. 4096×3072)",
			cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), MaxPixels)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	return grayOf(img), nil
}

// grayOf is the luma of img as color.Gray16Model computes it, composited
// over white: transparent pixels show the page behind them, as a viewer
// shows them.
func grayOf(img image.Image) *Gray {
	r := img.Bounds()
	g := &Gray{W: r.Dx(), H: r.Dy(), Pix: make([]float64, r.Dx()*r.Dy())}
	at := func(x, y int) (r, g, b, a uint32) { return img.At(x, y).RGBA() }
	if im, ok := img.(image.RGBA64Image); ok { // every image type of the standard library: no allocation a pixel
		at = func(x, y int) (r, g, b, a uint32) {
			c := im.RGBA64At(x, y)
			return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
		}
	}
	for y := 0; y < g.H; y++ {
		row := g.Pix[y*g.W : (y+1)*g.W]
		for x := range row {
			cr, cg, cb, ca := at(r.Min.X+x, r.Min.Y+y)
			// color.Gray16Model's luma of the premultiplied colour; it
			// gives a Gray16 its own value, as Convert does.
			l := float64((19595*cr+38470*cg+7471*cb+1<<15)>>16) / 0xffff
			row[x] = l + (1 - float64(ca)/0xffff)
		}
	}
	return g
}

// Normalize makes an MNIST image from a picture: it inverts a light
// background, crops to the ink, scales the crop's longer side to Box pixels
// by area averaging, stretches the strongest ink to 255 (a thin pen on a
// large picture would otherwise average to faint grey) and centres the
// ink's centre of mass in Size×Size. It does not change g.
func Normalize(g *Gray) ([]uint8, error) {
	p, err := newPicture(g, false)
	if err != nil {
		return nil, err
	}
	return p.Image(Size, Size)
}

// newPicture finds g's ink; with inPlace it computes the ink in g.Pix
// rather than in a copy, saving 8 bytes a pixel.
func newPicture(g *Gray, inPlace bool) (*Picture, error) {
	if g.W <= 0 || g.H <= 0 || len(g.Pix) != g.W*g.H {
		return nil, errors.New("empty picture")
	}
	ink := inkMap(g, inPlace)
	x0, y0, x1, y1, ok := bounds(ink, inkThreshold)
	if !ok {
		return nil, errors.New("no ink: the picture is blank")
	}
	return &Picture{ink: ink, x0: x0, y0: y0, x1: x1, y1: y1}, nil
}

// Image returns the picture as an h×w image, row-major, 0 for background
// and 255 for full ink, made as MNIST's images were: the ink's bounding
// box scaled by area averaging so that its longer side is Box pixels for
// a Size×Size image (round(Box·min(h, w)/Size) otherwise, at least 1), the
// strongest scaled ink stretched to 255 (a thin pen on a large picture
// would otherwise average to faint grey), and the ink's centre of mass put
// at the centre of the frame. Image(Size, Size) is what Load returns.
func (p *Picture) Image(h, w int) ([]uint8, error) {
	if h < 1 || w < 1 || h > MaxSide || w > MaxSide {
		return nil, fmt.Errorf("digit: an image of %d×%d pixels: want sides 1 to %d", h, w, MaxSide)
	}
	box := Box
	if h != Size || w != Size {
		box = max(1, int(math.Round(float64(Box*min(h, w))/Size)))
	}
	cw, ch := p.x1-p.x0, p.y1-p.y0
	sw, sh := box, box // scaled size, longer side box, at least 1
	if cw > ch {
		sh = max(1, int(math.Round(float64(box*ch)/float64(cw))))
	} else if ch > cw {
		sw = max(1, int(math.Round(float64(box*cw)/float64(ch))))
	}
	scaled := areaScale(p.ink, p.x0, p.y0, cw, ch, sw, sh)
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
	// placed at pixel (w/2, h/2), (14, 14) for 28×28 as in MNIST (whose
	// test images average a centre of mass of (14.00, 13.99) so counted),
	// by a whole-pixel shift that keeps the ink inside.
	var m, mx, my float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := scaled.at(x, y)
			m += v
			mx += v * float64(x)
			my += v * float64(y)
		}
	}
	ox := clamp(int(math.Round(float64(w)/2-mx/m)), 0, w-sw)
	oy := clamp(int(math.Round(float64(h)/2-my/m)), 0, h-sh)
	out := make([]uint8, h*w)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			out[(oy+y)*w+ox+x] = uint8(math.Round(255 * scaled.at(x, y)))
		}
	}
	return out, nil
}

// inkMap maps the picture to ink in [0,1]: 0 for the background, taken as
// the mean of the border pixels, 1 for the strongest ink. A background
// lighter than the picture's mean is a page (dark ink): it is inverted.
// With inPlace the ink replaces g's pixels.
func inkMap(g *Gray, inPlace bool) *Gray {
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
	ink := g
	if !inPlace {
		ink = &Gray{W: g.W, H: g.H, Pix: make([]float64, len(g.Pix))}
	}
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
