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

// plotEval writes, for each model that ran, its confusion matrix
// (<name>_confusion.png) and a grid of the digits it gets wrong
// (<name>_errors.png), into dir.
func plotEval(dir string, rep *evalReport, test mnist.Set) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	for _, m := range rep.Models {
		if m.result == nil {
			continue
		}
		var c [eval.Classes][eval.Classes]int
		for i := range c {
			copy(c[i][:], m.Confusion[i])
		}
		title := fmt.Sprintf("%s: %.2f%% of %d", m.Name, 100*m.Accuracy, m.Total)
		if err := plot.Confusion(filepath.Join(dir, m.Name+"_confusion.png"), title, c); err != nil {
			return err
		}
		var imgs [][]uint8
		var captions []string
		for i, p := range m.result.Predictions {
			if p == test.Labels[i] {
				continue
			}
			if len(imgs) == maxPlottedErrors {
				break
			}
			imgs = append(imgs, test.Image(i))
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
