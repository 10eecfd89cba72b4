package interp

import (
	"unsafe"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// Tensor is one tensor of an interpreter: its description from the model and
// a view of its data. The data of a constant tensor is the model's buffer
// (not a copy, unless the buffer was misaligned for its element type); the
// data of any other tensor is a slice of the interpreter's arena, which it
// may share with tensors whose lifetimes do not overlap.
//
// Shape, Scale and ZeroPoint must not be modified. Constant data must not be
// written.
type Tensor struct {
	Index     int // index in the subgraph's tensor list
	Name      string
	Type      tflite.TensorType
	Shape     []int
	Scale     []float32 // nil when not quantized
	ZeroPoint []int64
	QuantDim  int // axis of per-channel quantization

	data     []byte
	constant bool
}

// NumElements is the product of the dimensions (1 for a scalar).
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// IsConstant reports whether the tensor's data comes from a model buffer.
func (t *Tensor) IsConstant() bool { return t.constant }

// Bytes is the tensor's raw little-endian data.
func (t *Tensor) Bytes() []byte { return t.data }

// Float32s is the tensor's data as float32s, or nil if it is not FLOAT32.
func (t *Tensor) Float32s() []float32 {
	if t.Type != tflite.Float32 || len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&t.data[0])), len(t.data)/4)
}

// Int32s is the tensor's data as int32s, or nil if it is not INT32.
func (t *Tensor) Int32s() []int32 {
	if t.Type != tflite.Int32 || len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&t.data[0])), len(t.data)/4)
}

// Int16s is the tensor's data as int16s, or nil if it is not INT16.
func (t *Tensor) Int16s() []int16 {
	if t.Type != tflite.Int16 || len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*int16)(unsafe.Pointer(&t.data[0])), len(t.data)/2)
}

// Int8s is the tensor's data as int8s, or nil if it is not INT8.
func (t *Tensor) Int8s() []int8 {
	if t.Type != tflite.Int8 || len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&t.data[0])), len(t.data))
}

// UInt8s is the tensor's data as uint8s, or nil if it is not UINT8.
func (t *Tensor) UInt8s() []uint8 {
	if t.Type != tflite.UInt8 {
		return nil
	}
	return t.data
}

// aligned returns b itself if its first byte is aligned to a multiple of
// align, or an aligned copy. Go's allocator aligns every allocation of 16 or
// more bytes to at least 8, and converter models leave weights unaligned in
// the file, so a copy is needed only for buffers sliced out of a file.
func aligned(b []byte, align int) []byte {
	if len(b) == 0 || uintptr(unsafe.Pointer(&b[0]))%uintptr(align) == 0 {
		return b
	}
	w := make([]uint64, (len(b)+7)/8) // 8-byte aligned backing store
	c := unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)[:len(b):len(b)]
	copy(c, b)
	return c
}
