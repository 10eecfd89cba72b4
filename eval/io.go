package eval

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// This file is the one place where a set's grey pixels become a model's
// input and a model's output becomes class scores.
//
// The input holds one image: [1,H,W,C], [1,H,W], or a flat [1,N] or [N]
// whose N values are the image's pixels. An image of H×W grey pixels fills
// it, each pixel repeated in the C channels of an [1,H,W,C] input. Each
// value, by the input tensor's type:
//   - FLOAT32: pixel/255, as the model was trained;
//   - INT8 or UINT8 with quantization: q = round(pixel/255/scale) + zero_point,
//     clamped (for scale 1/255 and zero point −128 this is pixel − 128);
//   - UINT8 without quantization: the raw pixel.
//
// The output is one score per class, [1,classes] or [classes] (any leading
// dimensions of 1): FLOAT32 as
// it is, INT8/UINT8 dequantized, r = scale·(q − zero_point).

// MaxClasses is the most classes a model may score: predictions and labels
// are bytes.
const MaxClasses = 256

type encoder struct {
	typ tflite.TensorType
	// values is the input's number of values, h·w·c; h and w are 0 for a
	// flat input, whose shape does not say the image's rows and columns.
	values  int
	h, w, c int
	lut     [256]int32 // quantized value of each pixel value
}

// imageShape reads an input shape as one image: h, w (0 for a flat shape)
// and c.
func imageShape(shape []int) (h, w, c int, ok bool) {
	switch {
	case len(shape) == 4 && shape[0] == 1:
		return shape[1], shape[2], shape[3], true
	case len(shape) == 3 && shape[0] == 1:
		return shape[1], shape[2], 1, true
	case len(shape) == 2 && shape[0] == 1, len(shape) == 1:
		return 0, 0, 1, true
	}
	return 0, 0, 0, false
}

func newEncoder(in *interp.Tensor) (encoder, error) {
	e := encoder{typ: in.Type, values: in.NumElements()}
	var ok bool
	e.h, e.w, e.c, ok = imageShape(in.Shape)
	if !ok || e.values <= 0 {
		return e, fmt.Errorf("eval: input %q has shape %v: not one image ([1,H,W,C], [1,H,W] or [1,N])", in.Name, in.Shape)
	}
	switch in.Type {
	case tflite.Float32:
	case tflite.Int8, tflite.UInt8:
		lo, hi := int32(-128), int32(127)
		if in.Type == tflite.UInt8 {
			lo, hi = 0, 255
		}
		for p := range e.lut {
			q := int32(p)
			if len(in.Scale) > 0 {
				if len(in.Scale) != 1 || !(in.Scale[0] > 0) {
					return e, fmt.Errorf("eval: input %q: want one positive scale, got %v", in.Name, in.Scale)
				}
				q = int32(math.Round(float64(p)/255/float64(in.Scale[0]))) + int32(in.ZeroPoint[0])
			}
			e.lut[p] = min(max(q, lo), hi)
		}
	default:
		return e, fmt.Errorf("eval: input %q: type %v not supported for images", in.Name, in.Type)
	}
	return e, nil
}

// pixels is the number of grey pixels of the image the input holds.
func (e *encoder) pixels() int { return e.values / e.c }

// size describes the image the input wants, for errors: "28×28",
// "32×32×3", or "784 pixels" for a flat input.
func (e *encoder) size() string {
	switch {
	case e.h == 0:
		return fmt.Sprintf("%d pixels", e.values)
	case e.c == 1:
		return fmt.Sprintf("%d×%d", e.h, e.w)
	}
	return fmt.Sprintf("%d×%d×%d", e.h, e.w, e.c)
}

// fits reports whether images of rows×cols grey pixels fill the input.
func (e *encoder) fits(rows, cols int) bool {
	if e.h != 0 {
		return rows == e.h && cols == e.w
	}
	return rows*cols == e.values
}

// encode writes an image into t: pixels holds the image's grey values
// (e.pixels() of them), each repeated in the c channels, or all
// e.values values of the input, channels already filled.
func (e *encoder) encode(t *interp.Tensor, pixels []uint8) {
	c := 1
	if len(pixels) != e.values {
		c = e.c
	}
	switch e.typ {
	case tflite.Float32:
		dst := t.Float32s()
		for i, p := range pixels {
			for k := range c {
				dst[i*c+k] = float32(p) / 255
			}
		}
	case tflite.Int8:
		dst := t.Int8s()
		for i, p := range pixels {
			for k := range c {
				dst[i*c+k] = int8(e.lut[p])
			}
		}
	case tflite.UInt8:
		dst := t.UInt8s()
		for i, p := range pixels {
			for k := range c {
				dst[i*c+k] = uint8(e.lut[p])
			}
		}
	}
}

type decoder struct {
	typ     tflite.TensorType
	classes int
	scale   float32
	zp      int32
}

func newDecoder(out *interp.Tensor) (decoder, error) {
	d := decoder{typ: out.Type, classes: out.NumElements(), scale: 1}
	row := len(out.Shape) > 0
	for _, n := range out.Shape[:max(len(out.Shape)-1, 0)] {
		row = row && n == 1
	}
	if !row || d.classes < 1 {
		return d, fmt.Errorf("eval: output %q has shape %v: not one row of class scores", out.Name, out.Shape)
	}
	if d.classes > MaxClasses {
		return d, fmt.Errorf("eval: output %q has %d scores: more than %d classes", out.Name, d.classes, MaxClasses)
	}
	switch out.Type {
	case tflite.Float32:
	case tflite.Int8, tflite.UInt8:
		if len(out.Scale) != 1 {
			return d, fmt.Errorf("eval: output %q: want one scale, got %v", out.Name, out.Scale)
		}
		d.scale, d.zp = out.Scale[0], int32(out.ZeroPoint[0])
	default:
		return d, fmt.Errorf("eval: output %q: type %v not supported", out.Name, out.Type)
	}
	return d, nil
}

func (d *decoder) decode(dst []float32, t *interp.Tensor) {
	switch d.typ {
	case tflite.Float32:
		copy(dst, t.Float32s())
	case tflite.Int8:
		for i, q := range t.Int8s() {
			dst[i] = d.scale * float32(int32(q)-d.zp)
		}
	case tflite.UInt8:
		for i, q := range t.UInt8s() {
			dst[i] = d.scale * float32(int32(q)-d.zp)
		}
	}
}
