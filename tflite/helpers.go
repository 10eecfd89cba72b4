package tflite

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// NumElements is the product of t's dimensions (1 for a scalar), or -1 if a
// dimension is negative or the product does not fit in an int.
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt/int(d) {
			return -1
		}
		n *= int(d)
	}
	return n
}

// Opcode is the builtin operator op applies, or -1 if its opcode index is out
// of range (never for a validated model).
func (m *Model) Opcode(op *Operator) BuiltinOperator {
	if int64(op.OpcodeIndex) >= int64(len(m.OperatorCodes)) {
		return -1
	}
	return m.OperatorCodes[op.OpcodeIndex].Builtin
}

// Data is the constant data of tensor t of subgraph sg, or nil if it has
// none or an index is out of range.
func (m *Model) Data(sg, t int) []byte {
	if sg < 0 || sg >= len(m.Subgraphs) || t < 0 || t >= len(m.Subgraphs[sg].Tensors) {
		return nil
	}
	b := m.Subgraphs[sg].Tensors[t].Buffer
	if b == 0 || int64(b) >= int64(len(m.Buffers)) {
		return nil
	}
	return m.Buffers[b].Data
}

// Float32s decodes little-endian float32 values; trailing bytes that do not
// make a whole value are ignored.
func Float32s(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(le.Uint32(b[4*i:]))
	}
	return v
}

// Int32s decodes little-endian int32 values; trailing bytes are ignored.
func Int32s(b []byte) []int32 {
	v := make([]int32, len(b)/4)
	for i := range v {
		v[i] = int32(le.Uint32(b[4*i:]))
	}
	return v
}

// Int8s reinterprets bytes as int8 values.
func Int8s(b []byte) []int8 {
	v := make([]int8, len(b))
	for i, x := range b {
		v[i] = int8(x)
	}
	return v
}

// Float32Bytes encodes v little-endian, for a Buffer.
func Float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		le.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Int32Bytes encodes v little-endian, for a Buffer.
func Int32Bytes(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		le.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// Int8Bytes reinterprets int8 values as bytes, for a Buffer.
func Int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// MetadataMinRuntimeVersion is the metadata name under which TensorFlow's
// converter records the oldest TensorFlow Lite runtime that can run a model.
const MetadataMinRuntimeVersion = "min_runtime_version"

// runtimeVersionSize is the size of the min_runtime_version buffer: the
// converter pads the version string with NULs to 16 bytes (kByteStringSize).
const runtimeVersionSize = 16

// AddMetadata appends a buffer holding a copy of data and a metadata entry
// naming it, and returns the buffer's index.
func (m *Model) AddMetadata(name string, data []byte) uint32 {
	m.Buffers = append(m.Buffers, Buffer{Data: append([]byte(nil), data...)})
	idx := uint32(len(m.Buffers) - 1)
	m.Metadata = append(m.Metadata, Metadata{Name: name, Buffer: idx})
	return idx
}

// MetadataBuffer is the data of the first metadata entry called name.
func (m *Model) MetadataBuffer(name string) ([]byte, bool) {
	for _, md := range m.Metadata {
		if md.Name == name && int64(md.Buffer) < int64(len(m.Buffers)) {
			return m.Buffers[md.Buffer].Data, true
		}
	}
	return nil, false
}

// SetMinRuntimeVersion records v (e.g. "1.14.0") as the model's
// min_runtime_version metadata, as TensorFlow's converter writes it: a
// 16-byte buffer holding v padded with NULs. An existing entry is replaced.
func (m *Model) SetMinRuntimeVersion(v string) error {
	if len(v) == 0 || len(v) >= runtimeVersionSize || strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("tflite: min_runtime_version %q must be 1 to %d bytes without NUL", v, runtimeVersionSize-1)
	}
	data := make([]byte, runtimeVersionSize)
	copy(data, v)
	for _, md := range m.Metadata {
		if md.Name == MetadataMinRuntimeVersion && md.Buffer != 0 && int64(md.Buffer) < int64(len(m.Buffers)) {
			m.Buffers[md.Buffer].Data = data
			return nil
		}
	}
	m.AddMetadata(MetadataMinRuntimeVersion, data)
	return nil
}

// MinRuntimeVersion is the model's min_runtime_version metadata without its
// NUL padding; ok is false if the model has none.
func (m *Model) MinRuntimeVersion() (v string, ok bool) {
	data, ok := m.MetadataBuffer(MetadataMinRuntimeVersion)
	if !ok {
		return "", false
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	return string(data), true
}
