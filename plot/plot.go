// Package plot draws mnistcnn's pictures as PNG files: training curves,
// confusion matrices and grids of digits.
//
// Every function renders the whole picture in memory and then writes it
// with internal/atomicfile, so a file is either complete or absent. The
// bytes depend only on the input: the same data give the same file.
package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"

	"github.com/mnistcnn/mnistcnn/internal/atomicfile"
	"github.com/mnistcnn/mnistcnn/model"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi of the PNGs gonum/plot renders: 96 makes a 1-inch square 96 pixels.
const dpi = 96

// TrainingCurves writes one PNG with two panels side by side: the loss
// (train and validation) on the left, the accuracy in percent (train and
// validation) on the right, both by epoch.
func TrainingCurves(path string, history []model.EpochMetrics) error {
	if len(history) == 0 {
		return errors.New("plot: no epochs to draw")
	}
	loss, acc := gplot.New(), gplot.New()
	loss.Title.Text, acc.Title.Text = "Loss", "Accuracy"
	loss.Y.Label.Text, acc.Y.Label.Text = "cross-entropy", "percent"
	loss.X.Label.Text, acc.X.Label.Text = "epoch", "epoch"
	var trL, vaL, trA, vaA plotter.XYs
	for _, h := range history {
		x := float64(h.Epoch)
		trL = append(trL, plotter.XY{X: x, Y: h.TrainLoss})
		vaL = append(vaL, plotter.XY{X: x, Y: h.ValLoss})
		trA = append(trA, plotter.XY{X: x, Y: 100 * h.TrainAccuracy})
		vaA = append(vaA, plotter.XY{X: x, Y: 100 * h.ValAccuracy})
	}
	for _, p := range []struct {
		plot       *gplot.Plot
		train, val plotter.XYs
	}{{loss, trL, vaL}, {acc, trA, vaA}} {
		if err := addSeries(p.plot, "train", p.train, color.RGBA{31, 119, 180, 255}, false); err != nil {
			return err
		}
		if err := addSeries(p.plot, "validation", p.val, color.RGBA{255, 127, 14, 255}, true); err != nil {
			return err
		}
		p.plot.Add(plotter.NewGrid())
		p.plot.Legend.Top = p.plot == loss
		p.plot.Legend.Left = false
		p.plot.X.Tick.Marker = epochTicks{}
		if len(history) == 1 {
			// One point has no extent: give the axis one.
			p.plot.X.Min, p.plot.X.Max = trL[0].X-1, trL[0].X+1
		}
	}
	c := vgimg.NewWith(vgimg.UseWH(10*vg.Inch, 4*vg.Inch), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := gplot.Align([][]*gplot.Plot{{loss, acc}}, tiles, dc)
	loss.Draw(canvases[0][0])
	acc.Draw(canvases[0][1])
	return writePNG(path, c)
}

// addSeries adds a line with points, dashed if dashed, and its legend entry.
func addSeries(p *gplot.Plot, name string, xys plotter.XYs, c color.Color, dashed bool) error {
	for _, v := range xys {
		if math.IsNaN(v.Y) || math.IsInf(v.Y, 0) {
			return fmt.Errorf("plot: %s value %v at epoch %v", name, v.Y, v.X)
		}
	}
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	l.Color, pts.Color = c, c
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	pts.Shape = draw.CircleGlyph{}
	pts.Radius = vg.Points(2.5)
	p.Add(l, pts)
	p.Legend.Add(name, l, pts)
	return nil
}

// epochTicks marks whole epochs only, at most about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(min, max float64) []gplot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	step := math.Max(1, math.Ceil((hi-lo)/10))
	var ticks []gplot.Tick
	for v := lo; v <= hi; v += step {
		ticks = append(ticks, gplot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ticks
}

// writePNG encodes the canvas and writes it atomically.
func writePNG(path string, c *vgimg.Canvas) error {
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// style is a text style in gonum/plot's default font at size pt.
func style(pt float64, c color.Color) text.Style {
	s := gplot.New().Title.TextStyle
	s.Font.Size = vg.Points(pt)
	s.Color = c
	s.XAlign, s.YAlign = draw.XCenter, draw.YCenter
	return s
}
