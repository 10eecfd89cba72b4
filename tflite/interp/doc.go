// Package interp is a pure-Go interpreter for TensorFlow Lite models: it runs
// subgraph 0 of a tflite.Model with the reference kernels of package
// tflite/kernels, in the way TensorFlow Lite Micro does.
//
// # Life of a model
//
// New checks the model, then for every operator looks up a kernel by the
// operator and the type of its first input, and runs the kernel's prepare
// step: it checks arity, types, shapes and options, computes the output
// shape and compares it with the declared one, precomputes what evaluation
// needs (padding, activation clamp, for int8 the multipliers) and returns
// an evaluation function. Operators without a kernel are all reported by
// name at once ("interp: operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM): not
// supported").
//
// New then plans memory: every non-constant tensor gets an offset in one
// arena, 16-byte aligned, such that tensors alive at the same operator never
// overlap (greedy first-fit, largest first, like TFLite Micro's
// GreedyMemoryPlanner). Constant tensors point into the model's buffers.
// ArenaBytes reports the arena's size; arenas over MaxArenaBytes are refused.
//
// Invoke runs the evaluations in order and does not allocate. An observer
// (SetObserver) sees each operator's output after it runs. Clone gives an
// independent interpreter over the same prepared plan, for one goroutine each.
//
// # Adding a kernel (the int8 hook)
//
// A kernel is a prepareFunc registered for (operator, first input type)
// from an init function:
//
//	func init() { register(tflite.OpConv2D, tflite.Int8, prepareConvInt8) }
//
// The prepareFunc receives the node and every tensor's description (constant
// tensors with data) and returns an evalFunc that reads and writes tensor
// data through its argument; whatever it precomputes is captured by the
// evalFunc and shared read-only by clones. Float32 kernels live in
// ops_float.go; int8 kernels belong in files named *int8*.go. Helpers for
// prepare steps (arity, optional, wantType, want4D, wantShape, convGeometry,
// perTensor) are in ops_float.go.
//
// Registered here: CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D,
// AVERAGE_POOL_2D, FULLY_CONNECTED and SOFTMAX for FLOAT32 input; RESHAPE
// for FLOAT32, INT8, UINT8, INT16 and INT32; QUANTIZE from FLOAT32 (to
// INT8 or UINT8); DEQUANTIZE from INT8, UINT8 and INT16 (ops_float.go);
// CAST from UINT8, INT8, INT16 and INT32 to FLOAT32, and EXPAND_DIMS
// (ops_cast.go).
//
// Tensor data is little-endian, viewed in place (Float32s, Int8s, ...).
//
// The float kernels add products in the order of TFLite's reference kernels
// and the bias last, so without fused multiply-add (amd64 with the default
// GOAMD64=v1) they can match TFLite Micro bit for bit, as they do on
// hello_world_float; where Go fuses x*y+z (arm64, GOAMD64=v3) the last bits
// may differ.
package interp
