package tflite

import "fmt"

// TensorType is the schema's TensorType enum.
type TensorType int8

// Tensor types (schema.fbs enum TensorType).
const (
	Float32 TensorType = 0
	Float16 TensorType = 1
	Int32   TensorType = 2
	UInt8   TensorType = 3
	Int64   TensorType = 4
	String  TensorType = 5
	Bool    TensorType = 6
	Int16   TensorType = 7
	Int8    TensorType = 9
)

var tensorTypeNames = map[TensorType]string{
	Float32: "FLOAT32", Float16: "FLOAT16", Int32: "INT32", UInt8: "UINT8",
	Int64: "INT64", String: "STRING", Bool: "BOOL", Int16: "INT16", Int8: "INT8",
}

func (t TensorType) String() string {
	if s, ok := tensorTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("TensorType(%d)", int8(t))
}

// Size is the size of one element in bytes, or 0 for a type without a fixed
// size (STRING) or one mnistcnn does not know.
func (t TensorType) Size() int {
	switch t {
	case Float32, Int32:
		return 4
	case Float16, Int16:
		return 2
	case UInt8, Int8, Bool:
		return 1
	case Int64:
		return 8
	}
	return 0
}

// BuiltinOperator is the schema's BuiltinOperator enum.
type BuiltinOperator int32

// The builtin operators mnistcnn names (schema.fbs enum BuiltinOperator).
const (
	OpAdd                        BuiltinOperator = 0
	OpAveragePool2D              BuiltinOperator = 1
	OpConcatenation              BuiltinOperator = 2
	OpConv2D                     BuiltinOperator = 3
	OpDepthwiseConv2D            BuiltinOperator = 4
	OpDequantize                 BuiltinOperator = 6
	OpFullyConnected             BuiltinOperator = 9
	OpLogistic                   BuiltinOperator = 14
	OpMaxPool2D                  BuiltinOperator = 17
	OpMul                        BuiltinOperator = 18
	OpRelu                       BuiltinOperator = 19
	OpRelu6                      BuiltinOperator = 21
	OpReshape                    BuiltinOperator = 22
	OpSoftmax                    BuiltinOperator = 25
	OpTanh                       BuiltinOperator = 28
	OpCustom                     BuiltinOperator = 32
	OpPad                        BuiltinOperator = 34
	OpMean                       BuiltinOperator = 40
	OpSqueeze                    BuiltinOperator = 43
	OpStridedSlice               BuiltinOperator = 45
	OpUnidirectionalSequenceLSTM BuiltinOperator = 44
	OpCast                       BuiltinOperator = 53
	OpExpandDims                 BuiltinOperator = 70
	OpQuantize                   BuiltinOperator = 114
)

// BuiltinOptionsType is the tag of the schema's BuiltinOptions union.
type BuiltinOptionsType uint8

// Union tags (schema.fbs union BuiltinOptions; NONE is 0, members count from 1).
const (
	OptionsNone            BuiltinOptionsType = 0
	OptionsConv2D          BuiltinOptionsType = 1
	OptionsDepthwiseConv2D BuiltinOptionsType = 2
	OptionsPool2D          BuiltinOptionsType = 5
	OptionsFullyConnected  BuiltinOptionsType = 8
	OptionsSoftmax         BuiltinOptionsType = 9
	OptionsReshape         BuiltinOptionsType = 17
	OptionsDequantize      BuiltinOptionsType = 38
	OptionsQuantize        BuiltinOptionsType = 89
)

// Padding is the schema's Padding enum.
type Padding int8

// Paddings.
const (
	PaddingSame  Padding = 0
	PaddingValid Padding = 1
)

// Activation is the schema's ActivationFunctionType enum.
type Activation int8

// Fused activations.
const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)
