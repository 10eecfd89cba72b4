package digit_test

import (
	"math"
	"testing"

	"github.com/mnistcnn/mnistcnn/digit"
	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/model"
)

// TestNormalizeMNIST feeds MNIST test images, already normalised by MNIST's
// makers, through Normalize: it should leave them much as they are. Their
// mean centre of mass stays at (14, 14) (MNIST's own mean is (14.00, 13.99)
// on the first 2,000) and a trained model reads them the same way (it agreed
// on 1,999 of the first 2,000 when this was written; 99 % is required).
func TestNormalizeMNIST(t *testing.T) {
	d := mnisttest.Data(t)
	m, err := eval.Load("../testdata/models/mnist_cnn_float_uint8in_alankrantas.tflite")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	var cx, cy float64
	agree := 0
	for i := 0; i < n; i++ {
		im := d.Test.Image(i)
		g := &digit.Gray{W: 28, H: 28, Pix: make([]float64, len(im))}
		for k, v := range im {
			g.Pix[k] = float64(v) / 255
		}
		px, err := digit.Normalize(g)
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		var mass, mx, my float64
		for k, v := range px {
			mass += float64(v)
			mx += float64(v) * float64(k%28)
			my += float64(v) * float64(k/28)
		}
		cx, cy = cx+mx/mass/n, cy+my/mass/n
		a, err := m.Predict(im)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Predict(px)
		if err != nil {
			t.Fatal(err)
		}
		if model.Class(a) == model.Class(b) {
			agree++
		}
	}
	if math.Abs(cx-14) > 0.1 || math.Abs(cy-14) > 0.1 {
		t.Errorf("mean centre of mass (%.3f, %.3f), want (14, 14) ± 0.1", cx, cy)
	}
	if agree < n*99/100 {
		t.Errorf("the model reads %d of %d normalised images as it reads the originals, want 99 %%", agree, n)
	}
}
