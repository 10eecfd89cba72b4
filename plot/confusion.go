package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Confusion writes a heat map of a confusion matrix, c[true][predicted],
// with the count in every non-empty cell: true digits down the left (0 at
// the top), predicted digits along the bottom. The colour follows
// log(1+count), so that a handful of errors shows next to a diagonal of a
// thousand.
func Confusion(path, title string, c [10][10]int) error {
	peak := 0
	for _, row := range c {
		for _, n := range row {
			if n < 0 {
				return fmt.Errorf("plot: negative count %d in the confusion matrix", n)
			}
			peak = max(peak, n)
		}
	}
	g := confusionGrid{c: c, top: math.Log1p(float64(peak))}
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "predicted", "true"
	h := plotter.NewHeatMap(g, blues{})
	h.Min, h.Max = 0, math.Max(g.top, 1)
	p.Add(h)

	var xys plotter.XYs
	var labels []string
	var styles []text.Style
	for t := 0; t < 10; t++ {
		for pr := 0; pr < 10; pr++ {
			n := c[t][pr]
			if n == 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(pr), Y: float64(9 - t)})
			labels = append(labels, fmt.Sprint(n))
			ink := color.Color(color.Black)
			if math.Log1p(float64(n)) > 0.6*h.Max {
				ink = color.White // on the dark cells
			}
			styles = append(styles, style(9, ink))
		}
	}
	if len(xys) > 0 {
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.TextStyle = styles
		p.Add(l)
	}
	var xt, yt []gplot.Tick
	for d := 0; d < 10; d++ {
		xt = append(xt, gplot.Tick{Value: float64(d), Label: fmt.Sprint(d)})
		yt = append(yt, gplot.Tick{Value: float64(9 - d), Label: fmt.Sprint(d)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = gplot.ConstantTicks(xt), gplot.ConstantTicks(yt)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, 9.5, -0.5, 9.5
	p.X.Padding, p.Y.Padding = 0, 0

	cv := vgimg.NewWith(vgimg.UseWH(6*vg.Inch, 6*vg.Inch), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	pad := vg.Points(8)
	p.Draw(draw.Crop(draw.New(cv), pad, -pad, pad, -pad))
	return writePNG(path, cv)
}

// confusionGrid shows the matrix with true digit 0 in the top row: grid row
// r (y = r) holds true digit 9−r.
type confusionGrid struct {
	c   [10][10]int
	top float64
}

func (g confusionGrid) Dims() (c, r int)   { return 10, 10 }
func (g confusionGrid) Z(c, r int) float64 { return math.Log1p(float64(g.c[9-r][c])) }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }
func (g confusionGrid) Min() float64       { return 0 }
func (g confusionGrid) Max() float64       { return math.Max(g.top, 1) }

// blues runs from near-white to dark blue (ColorBrewer's "Blues" ends,
// #f7fbff and #08306b) in 256 steps.
type blues struct{}

func (blues) Colors() []color.Color { return bluesColors }

var bluesColors = func() []color.Color {
	lo, hi := [3]float64{0xf7, 0xfb, 0xff}, [3]float64{0x08, 0x30, 0x6b}
	cs := make([]color.Color, 256)
	for i := range cs {
		f := float64(i) / 255
		var v [3]uint8
		for k := range v {
			v[k] = uint8(math.Round(lo[k] + f*(hi[k]-lo[k])))
		}
		cs[i] = color.RGBA{v[0], v[1], v[2], 255}
	}
	return cs
}()
