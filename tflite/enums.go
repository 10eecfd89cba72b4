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

	// Types mnistcnn does not compute with but reads and names.
	Complex64    TensorType = 8
	Float64      TensorType = 10
	Complex128   TensorType = 11
	UInt64       TensorType = 12
	Resource     TensorType = 13
	Variant      TensorType = 14
	UInt32       TensorType = 15
	UInt16       TensorType = 16
	Int4         TensorType = 17
	BFloat16     TensorType = 18
	Int2         TensorType = 19
	UInt4        TensorType = 20
	Float8E4M3FN TensorType = 21
	Float8E5M2   TensorType = 22
)

var tensorTypeNames = map[TensorType]string{
	Float32: "FLOAT32", Float16: "FLOAT16", Int32: "INT32", UInt8: "UINT8",
	Int64: "INT64", String: "STRING", Bool: "BOOL", Int16: "INT16", Int8: "INT8",
	Complex64: "COMPLEX64", Float64: "FLOAT64", Complex128: "COMPLEX128", UInt64: "UINT64",
	Resource: "RESOURCE", Variant: "VARIANT", UInt32: "UINT32", UInt16: "UINT16",
	Int4: "INT4", BFloat16: "BFLOAT16", Int2: "INT2", UInt4: "UINT4",
	Float8E4M3FN: "FLOAT8_E4M3FN", Float8E5M2: "FLOAT8_E5M2",
}

func (t TensorType) String() string {
	if s, ok := tensorTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("TensorType(%d)", int8(t))
}

// Size is the size of one element in bytes, or 0 for a type without a fixed
// whole-byte size (STRING, RESOURCE, VARIANT, the packed 4- and 2-bit types)
// or one mnistcnn does not know.
func (t TensorType) Size() int {
	switch t {
	case Float32, Int32, UInt32:
		return 4
	case Float16, Int16, UInt16, BFloat16:
		return 2
	case UInt8, Int8, Bool, Float8E4M3FN, Float8E5M2:
		return 1
	case Int64, UInt64, Float64, Complex64:
		return 8
	case Complex128:
		return 16
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

// builtinNames are the names of schema.fbs enum BuiltinOperator, indexed by
// code (tflite-micro @90b983c2, tensorflow/compiler/mlir/lite/schema/schema.fbs;
// the codes run from 0 to 209 without gaps).
var builtinNames = [...]string{
	"ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
	"DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
	"HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
	"LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
	"RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN",
	"SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
	"SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
	"UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE",
	"MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
	"STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT",
	"LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
	"MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG",
	"PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT",
	"SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
	"EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM",
	"SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
	"FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR",
	"ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
	"FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
	"FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
	"MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL",
	"REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE",
	"RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE",
	"MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
	"NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY",
	"SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
	"BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL",
	"COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
	"REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
	"BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL",
	"GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX",
	"UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST",
	"BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE",
	"STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE",
	"STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE", "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE",
	"STABLEHLO_ABS", "STABLEHLO_AND", "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR",
	"STABLEHLO_LOG", "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
	"STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT", "STABLEHLO_TANH",
	"STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT", "STABLEHLO_DYNAMIC_SLICE", "STABLEHLO_DYNAMIC_UPDATE_SLICE",
	"STABLEHLO_PAD", "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL", "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT",
	"STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE", "STABLEHLO_RNG_BIT_GENERATOR",
	"REDUCE_WINDOW", "STABLEHLO_COMPOSITE", "STABLEHLO_SHIFT_LEFT", "STABLEHLO_CBRT", "STABLEHLO_CASE",
}

// String is the schema's name of the operator, e.g. "CONV_2D", or
// "BuiltinOperator(n)" for a code the schema does not name.
func (b BuiltinOperator) String() string {
	if b >= 0 && int(b) < len(builtinNames) {
		return builtinNames[b]
	}
	return fmt.Sprintf("BuiltinOperator(%d)", int32(b))
}
