package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/plot"
)

// maxPlottedErrors bounds the digit grid: a page a person can look at.
const maxPlottedErrors = 100

// plotClasses and plotSide are what package plot draws: a confusion matrix
// of 10 classes, images of 28×28 pixels.
const (
	plotClasses = 10
	plotSide    = 28
)

// plotEval writes, for each model that ran, its confusion matrix
// (<name>_confusion.png) and a grid of the images it gets wrong
// (<name>_errors.png), into dir. A model of fewer than 10 classes has its
// matrix drawn in the 10×10 grid, the rows and columns beyond its classes
// empty; one of more is not drawn (status says so). Images of another
// size than 28×28 are scaled (nearest pixel, keeping their aspect) into
// 28×28 cells.
func plotEval(dir string, rep *eval.Report, status func(format string, a ...any)) error {
	test := rep.Test
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	for _, m := range rep.Models {
		if m.Result == nil {
			continue
		}
		title := fmt.Sprintf("%s: %.2f%% of %d", m.Name, 100*m.Accuracy, m.Total)
		if len(m.Confusion) <= plotClasses {
			var c [plotClasses][plotClasses]int
			for i := range m.Confusion {
				copy(c[i][:], m.Confusion[i])
			}
			if err := plot.Confusion(filepath.Join(dir, m.Name+"_confusion.png"), title, c); err != nil {
				return err
			}
		} else {
			status("plot: %s_confusion.png not written: the confusion plot draws at most %d classes, %s scores %d",
				m.Name, plotClasses, m.Name, len(m.Confusion))
		}
		var imgs [][]uint8
		var captions []string
		for i, p := range m.Result.Predictions {
			if p == test.Labels[i] {
				continue
			}
			if len(imgs) == maxPlottedErrors {
				break
			}
			imgs = append(imgs, plotImage(test, i))
			captions = append(captions, fmt.Sprintf("#%d %d->%d", i, test.Labels[i], p))
		}
		if len(imgs) == 0 {
			continue
		}
		title = fmt.Sprintf("%s: %d of %d misclassified (first %d)", m.Name, m.Total-m.Correct, m.Total, len(imgs))
		if err := plot.Digits(filepath.Join(dir, m.Name+"_errors.png"), title, imgs, captions, 10); err != nil {
			return err
		}
	}
	return nil
}

// plotImage is image i of set as plot.Digits draws it: 28×28 pixels, the
// image itself for MNIST, else the image scaled to the nearest pixel so
// that its longer side is 28, centred.
func plotImage(set mnist.Set, i int) []uint8 {
	img := set.Image(i)
	h, w := set.Rows, set.Cols
	if h == plotSide && w == plotSide {
		return img
	}
	side := max(h, w)
	sh, sw := max(1, h*plotSide/side), max(1, w*plotSide/side)
	oy, ox := (plotSide-sh)/2, (plotSide-sw)/2
	out := make([]uint8, plotSide*plotSide)
	for y := range sh {
		for x := range sw {
			out[(oy+y)*plotSide+ox+x] = img[(y*h/sh)*w+x*w/sw]
		}
	}
	return out
}
