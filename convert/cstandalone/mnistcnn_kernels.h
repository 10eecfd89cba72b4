// mnistcnn_kernels.h: the int8 kernels of mnistcnn's c-standalone format.
//
// `mnistcnn convert --format c-standalone` writes <name>_model.c, which
// calls these kernels in the order of mnistcnn's prepared plan, with the
// constants mnistcnn's interpreter computed (per-channel multipliers and
// shifts, offsets, activation clamps). They compute what TensorFlow Lite
// Micro's reference kernels compute (reference_integer_ops: ConvPerChannel,
// DepthwiseConvPerChannel, FullyConnected[PerChannel], MaxPool, AveragePool,
// and reference_ops::Softmax for int8), byte for byte, in TFLite's default
// double-rounding arithmetic.
//
// C99, <stdint.h> and <string.h> only; no heap, no floating point, no
// static state: every kernel reads its input and writes its output, which
// must not overlap. Tensors are NHWC and row-major; filters OHWI (CONV_2D),
// 1HW(C·M) (DEPTHWISE_CONV_2D), weights [out][in] (FULLY_CONNECTED).
//
// Two's complement is assumed of int32_t/uint32_t conversions (C99's
// int32_t has that representation, and every compiler converts so); no
// shift of a negative value and no signed overflow is relied on. As in
// TFLite, sums of products are int32: exact for fewer than
// 2^31 / (127 · 255) ≈ 66,000 taps a convolution output or inputs a fully
// connected output.
//
// This file is part of mnistcnn (convert/cstandalone/), copied verbatim
// next to the generated model files.

#ifndef MNISTCNN_KERNELS_H_
#define MNISTCNN_KERNELS_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// CONV_2D and DEPTHWISE_CONV_2D. For each output value of channel c,
//
//   acc = bias[c] + sum of filter · (input + input_offset) over the taps
//         inside the input (taps in the padding add nothing)
//   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c])
//               + output_offset, act_min, act_max)
//
// Output channel c of a depthwise convolution reads input channel
// c / depth_multiplier; output_c = input_c · depth_multiplier.
typedef struct {
  int32_t batches;
  int32_t input_h, input_w, input_c;
  int32_t filter_h, filter_w;  // CONV_2D filters have input_c channels
  int32_t output_h, output_w, output_c;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;         // rows and columns of padding before the input
  int32_t depth_multiplier;     // DEPTHWISE_CONV_2D only (0 for CONV_2D)
  int32_t input_offset;         // minus the input's zero point
  int32_t output_offset;        // the output's zero point
  int32_t act_min, act_max;     // the fused activation, quantized
  const int8_t *filter;
  const int32_t *bias;          // output_c values, or NULL
  const int32_t *multiplier;    // output_c Q0.31 significands
  const int32_t *shift;         // output_c exponents, > 0 shifts left
} mnistcnn_conv_params;

void mnistcnn_conv_s8(const mnistcnn_conv_params *p, const int8_t *input, int8_t *output);
void mnistcnn_depthwise_conv_s8(const mnistcnn_conv_params *p, const int8_t *input, int8_t *output);

// FULLY_CONNECTED: for batch b and output o,
//
//   acc = bias[o] + sum over i of (weights[o][i] + weights_offset) · (input[b][i] + input_offset)
//   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[k], shift[k]) + output_offset,
//               act_min, act_max)
//
// with k = o for per-channel weights (per_channel != 0, weights_offset 0)
// and k = 0 for per-tensor weights.
typedef struct {
  int32_t batches, accum_depth, output_depth;
  int32_t input_offset, weights_offset, output_offset;
  int32_t act_min, act_max;
  int32_t per_channel;
  const int8_t *weights;        // [output_depth][accum_depth]
  const int32_t *bias;          // output_depth values, or NULL
  const int32_t *multiplier;    // output_depth values if per_channel, else 1
  const int32_t *shift;
} mnistcnn_fully_connected_params;

void mnistcnn_fully_connected_s8(const mnistcnn_fully_connected_params *p, const int8_t *input, int8_t *output);

// MAX_POOL_2D and AVERAGE_POOL_2D. Pools do not rescale: input and output
// share their quantization, the output's only sets the clamp. The average
// counts only taps inside the input and rounds half away from zero as
// TFLite does ((sum ± n/2) / n, truncating); it returns -1 if a window lies
// wholly in the padding (TFLite's error; SAME and VALID geometry never
// gives one), else 0.
typedef struct {
  int32_t batches, input_h, input_w, channels;
  int32_t output_h, output_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;
  int32_t act_min, act_max;
} mnistcnn_pool_params;

void mnistcnn_max_pool_s8(const mnistcnn_pool_params *p, const int8_t *input, int8_t *output);
int mnistcnn_average_pool_s8(const mnistcnn_pool_params *p, const int8_t *input, int8_t *output);

// SOFTMAX from int8 to int8 (output scale 1/256, zero point -128) along
// rows of depth values: gemmlowp's fixed-point exp of the differences from
// the row's maximum (in Q5.26, from input_multiplier and input_left_shift),
// their sum in Q12.19 and its reciprocal. Differences below diff_min give
// -128.
typedef struct {
  int32_t rows, depth;
  int32_t input_multiplier, input_left_shift, diff_min;
} mnistcnn_softmax_params;

void mnistcnn_softmax_s8(const mnistcnn_softmax_params *p, const int8_t *input, int8_t *output);

// TFLite's fixed-point arithmetic, exported for tests.
//
// SaturatingRoundingDoublingHighMul: (a·b + 2^30) / 2^31 (1 − 2^30 for a
// negative product), MIN·MIN saturating to INT32_MAX.
int32_t mnistcnn_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
// RoundingDivideByPOT: x / 2^exponent rounded half away from zero, with
// gemmlowp's mask rule; exponent in [0, 63] (from 32 on, as Go's shifts).
int32_t mnistcnn_rounding_divide_by_pot(int32_t x, int exponent);
// MultiplyByQuantizedMultiplier: x · multiplier · 2^(shift − 31), double
// rounding; the left shift of x (shift > 0) wraps. shift in [-31, 30].
int32_t mnistcnn_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);
// gemmlowp's exp_on_negative_values for a in Q5.26, a <= 0: exp(a) in Q0.31.
int32_t mnistcnn_exp_on_negative_values(int32_t a);
// gemmlowp's one_over_one_plus_x_for_x_in_0_1: 1/(1 + a), a in Q0.31.
int32_t mnistcnn_one_over_one_plus_x(int32_t a);
// TFLite's GetReciprocal: 1/x for x in Q(x_integer_bits), as a Q0.31
// significand and *num_bits_over_unit.
int32_t mnistcnn_get_reciprocal(int32_t x, int x_integer_bits, int *num_bits_over_unit);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // MNISTCNN_KERNELS_H_
