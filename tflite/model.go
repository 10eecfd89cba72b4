package tflite

// Model is the in-memory form of a .tflite file: what Encode writes and Decode
// reads. It holds only the parts of the TFLite schema (version 3) that
// mnistcnn reads, writes or reports; fields it does not know are dropped on
// read.
//
// Invariants that Encode relies on and Decode guarantees:
//   - Buffers[0] is the empty buffer; a tensor with Buffer 0 has no constant data.
//   - Every tensor index in a subgraph or operator is in range, or -1 where the
//     operator allows an optional input.
//   - A constant tensor's buffer holds exactly NumElements×Type.Size() bytes.
type Model struct {
	Version       uint32 // schema version; 3
	Description   string
	OperatorCodes []OperatorCode
	Subgraphs     []Subgraph
	Buffers       []Buffer
	Metadata      []Metadata
}

// OperatorCode names an operator kind. A builtin is written to both
// deprecated_builtin_code (clamped to 127) and builtin_code, as TensorFlow's
// converter does; on read the larger of the two is taken.
type OperatorCode struct {
	Builtin BuiltinOperator
	Custom  string // custom_code; for CUSTOM ops only
	Version int32  // operator version; 1 if absent
}

// Subgraph is a graph of operators over tensors. Inputs and Outputs index
// Tensors.
type Subgraph struct {
	Name      string
	Tensors   []Tensor
	Inputs    []int32
	Outputs   []int32
	Operators []Operator
}

// Tensor describes one tensor: its shape, element type, where its constant
// data lives (Buffer, 0 for none) and how it is quantized.
type Tensor struct {
	Name           string
	Type           TensorType
	Shape          []int32
	ShapeSignature []int32 // optional; -1 marks an unknown dimension
	Buffer         uint32
	Quant          *Quantization // nil when not quantized
	IsVariable     bool
}

// Quantization holds asymmetric linear quantization: r = Scale × (q − ZeroPoint).
// With one scale it is per tensor; with n scales it is per channel along
// QuantizedDimension, which must then have size n.
type Quantization struct {
	Min, Max           []float32
	Scale              []float32
	ZeroPoint          []int64
	QuantizedDimension int32
}

// Operator applies OperatorCodes[OpcodeIndex] to Inputs, writing Outputs.
// An input of -1 is an omitted optional input (e.g. a missing bias).
type Operator struct {
	OpcodeIndex uint32
	Inputs      []int32
	Outputs     []int32
	Options     Options // nil when the operator has no builtin options
}

// Buffer is raw little-endian constant data.
type Buffer struct {
	Data []byte
}

// Metadata names a buffer holding model metadata (e.g. "min_runtime_version").
type Metadata struct {
	Name   string
	Buffer uint32
}

// Options is one of the builtin option tables: *Conv2DOptions,
// *DepthwiseConv2DOptions, *Pool2DOptions, *FullyConnectedOptions,
// *SoftmaxOptions, *ReshapeOptions, *QuantizeOptions, *DequantizeOptions.
type Options interface {
	// OptionsType is the BuiltinOptions union tag of the table.
	OptionsType() BuiltinOptionsType
}

// Conv2DOptions are CONV_2D's options. Dilation factors are 1 when absent.
type Conv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int32
	Activation           Activation
	DilationW, DilationH int32
}

// DepthwiseConv2DOptions are DEPTHWISE_CONV_2D's options.
type DepthwiseConv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int32
	DepthMultiplier      int32
	Activation           Activation
	DilationW, DilationH int32
}

// Pool2DOptions are MAX_POOL_2D's and AVERAGE_POOL_2D's options.
type Pool2DOptions struct {
	Padding                   Padding
	StrideW, StrideH          int32
	FilterWidth, FilterHeight int32
	Activation                Activation
}

// FullyConnectedOptions are FULLY_CONNECTED's options (weights_format DEFAULT only).
type FullyConnectedOptions struct {
	Activation  Activation
	KeepNumDims bool
}

// SoftmaxOptions are SOFTMAX's options.
type SoftmaxOptions struct {
	Beta float32
}

// ReshapeOptions are RESHAPE's options. NewShape may be empty when the shape
// comes from the second input tensor.
type ReshapeOptions struct {
	NewShape []int32
}

// QuantizeOptions are QUANTIZE's (empty) options.
type QuantizeOptions struct{}

// DequantizeOptions are DEQUANTIZE's (empty) options.
type DequantizeOptions struct{}

func (*Conv2DOptions) OptionsType() BuiltinOptionsType          { return OptionsConv2D }
func (*DepthwiseConv2DOptions) OptionsType() BuiltinOptionsType { return OptionsDepthwiseConv2D }
func (*Pool2DOptions) OptionsType() BuiltinOptionsType          { return OptionsPool2D }
func (*FullyConnectedOptions) OptionsType() BuiltinOptionsType  { return OptionsFullyConnected }
func (*SoftmaxOptions) OptionsType() BuiltinOptionsType         { return OptionsSoftmax }
func (*ReshapeOptions) OptionsType() BuiltinOptionsType         { return OptionsReshape }
func (*QuantizeOptions) OptionsType() BuiltinOptionsType        { return OptionsQuantize }
func (*DequantizeOptions) OptionsType() BuiltinOptionsType      { return OptionsDequantize }
