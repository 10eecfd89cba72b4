package quantize

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// Int8 quantizes float to a full-integer int8 model: it calibrates the
// ranges of float's activations on calib (each one input of float's only
// input tensor, in its layout; for mnistcnn 784 values pixel/255, from
// training images chosen by PickCalibration) and applies them (see Apply).
// The same float model, inputs and options always give the same model.
func Int8(float *tflite.Model, calib [][]float32, opt Options) (*tflite.Model, error) {
	ranges, err := Calibrate(float, calib, opt)
	if err != nil {
		return nil, err
	}
	return Apply(float, ranges, opt)
}

// Calibrate runs float in the interpreter on each input and returns the
// range of every tensor the inputs reach (indexed like the subgraph's
// tensors), drawn by opt's method. Constant tensors get no range.
func Calibrate(float *tflite.Model, inputs [][]float32, opt Options) ([]Range, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("quantize: no calibration inputs")
	}
	if len(float.Subgraphs) != 1 || len(float.Subgraphs[0].Inputs) != 1 {
		return nil, fmt.Errorf("quantize: calibration needs a model with one subgraph and one input")
	}
	ip, err := interp.New(float)
	if err != nil {
		return nil, fmt.Errorf("quantize: calibration: %w", err)
	}
	in := ip.Input(0)
	if in.Type != tflite.Float32 {
		return nil, fmt.Errorf("quantize: model input is %v, want FLOAT32", in.Type)
	}
	s := newStats(len(float.Subgraphs[0].Tensors))

	// pass feeds every input through the model and hands each operator's
	// output (and the input itself) to observe, in a fixed order.
	pass := func(observe func(t int, v []float32) error) error {
		var obsErr error
		ip.SetObserver(func(op int, out *interp.Tensor) {
			if obsErr == nil && out.Type == tflite.Float32 {
				obsErr = observe(out.Index, out.Float32s())
			}
		})
		defer ip.SetObserver(nil)
		for i, x := range inputs {
			dst := in.Float32s()
			if len(x) != len(dst) {
				return fmt.Errorf("quantize: calibration input %d has %d values, want %d", i, len(x), len(dst))
			}
			copy(dst, x)
			if err := observe(in.Index, x); err != nil {
				return err
			}
			if err := ip.Invoke(); err != nil {
				return fmt.Errorf("quantize: calibration input %d: %w", i, err)
			}
			if obsErr != nil {
				return fmt.Errorf("%w (input %d)", obsErr, i)
			}
		}
		return nil
	}
	if err := pass(s.observe); err != nil {
		return nil, err
	}
	if opt.method() == Percentile {
		hist := func(t int, v []float32) error { s.observeHist(t, v); return nil }
		if err := pass(hist); err != nil {
			return nil, err
		}
	}
	return s.ranges(opt.method(), opt.percentile())
}
