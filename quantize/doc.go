// Package quantize turns a float32 TFLite model into a full-integer int8
// model by post-training quantization, following TensorFlow Lite's int8
// quantization specification (the scheme TensorFlow's converter writes and
// TensorFlow Lite Micro runs):
//
//   - A real value r is stored as an int8 q with r = scale × (q − zero_point).
//   - Weights are int8 in [−127, 127] with zero point 0: per output channel
//     for CONV_2D (quantized_dimension 0 of its OHWI filter) and
//     DEPTHWISE_CONV_2D (quantized_dimension 3, the last, of its
//     [1, kh, kw, C·M] filter), per tensor or per channel (dimension 0) for
//     FULLY_CONNECTED. scale = max|w| / 127.
//   - Biases are int32 with zero point 0 and scale input_scale × weight_scale[c].
//   - Activations are int8 per tensor, asymmetric, from a range observed on
//     calibration inputs, nudged so that 0 is exactly representable:
//     scale = (max − min) / 255, zero_point = round(−128 − min/scale).
//   - A fused activation (RELU, RELU6) is the clamp of the output's int8
//     range to the activation's, done by the kernel: the output's range is
//     the calibrated one, which the activation already bounds.
//   - MAX_POOL_2D, AVERAGE_POOL_2D and RESHAPE keep their input's scale and
//     zero point; SOFTMAX's output has scale 1/256 and zero point −128.
//   - The model's input and output tensors are int8 themselves: the result
//     has no QUANTIZE or DEQUANTIZE operators.
//
// Arithmetic that decides a stored number (scales, zero points, quantized
// values) is done in float32 in the order TensorFlow Lite's quantizer does
// it, and every loop runs in index order, so the same float model and the
// same calibration inputs always give a byte-identical int8 model.
package quantize
