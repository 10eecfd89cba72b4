package eval

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// This file is the one place where MNIST pixels become a model's input and a
// model's output becomes ten scores.
//
// Input, by the input tensor's type:
//   - FLOAT32: pixel/255, as the model was trained;
//   - INT8 or UINT8 with quantization: q = round(pixel/255/scale) + zero_point,
//     clamped (for scale 1/255 and zero point −128 this is pixel − 128);
//   - UINT8 without quantization: the raw pixel.
//
// Output: FLOAT32 as it is; INT8/UINT8 dequantized, r = scale·(q − zero_point).

type encoder struct {
	typ    tflite.TensorType
	pixels int
	lut    [256]int32 // quantized value of each pixel value
}

func newEncoder(in *interp.Tensor) (encoder, error) {
	e := encoder{typ: in.Type, pixels: in.NumElements()}
	if e.pixels != 28*28 {
		return e, fmt.Errorf("eval: input %q has shape %v: not one 28×28 image", in.Name, in.Shape)
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

func (e *encoder) encode(t *interp.Tensor, pixels []uint8) {
	switch e.typ {
	case tflite.Float32:
		dst := t.Float32s()
		for i, p := range pixels {
			dst[i] = float32(p) / 255
		}
	case tflite.Int8:
		dst := t.Int8s()
		for i, p := range pixels {
			dst[i] = int8(e.lut[p])
		}
	case tflite.UInt8:
		dst := t.UInt8s()
		for i, p := range pixels {
			dst[i] = uint8(e.lut[p])
		}
	}
}

type decoder struct {
	typ   tflite.TensorType
	scale float32
	zp    int32
}

func newDecoder(out *interp.Tensor) (decoder, error) {
	d := decoder{typ: out.Type, scale: 1}
	if out.NumElements() != Classes {
		return d, fmt.Errorf("eval: output %q has shape %v: not %d class scores", out.Name, out.Shape, Classes)
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
