// mnistcnn_kernels.c: the int8 kernels of mnistcnn's c-standalone format
// (see mnistcnn_kernels.h). Written for mnistcnn after TensorFlow Lite
// Micro's reference kernels and gemmlowp's fixed-point arithmetic, whose
// rounding rules it reproduces bit for bit; mnistcnn's tests compare it
// with the Go interpreter (tflite/kernels) on every MNIST test image and on
// awkward shapes.
//
// This file is part of mnistcnn (convert/cstandalone/), copied verbatim
// next to the generated model files.

#include "mnistcnn_kernels.h"

#include <string.h>

// ---- Integer helpers without undefined behaviour ----

// Arithmetic right shift (floor(x / 2^n)), n in [0, 31], without shifting a
// negative value: compilers turn it into one shift instruction.
static inline int32_t asr32(int32_t x, int n) { return x >= 0 ? x >> n : ~(~x >> n); }

// Wrapping int32 arithmetic, as the Go kernels (and TFLite's int32 code in
// practice) have it.
static inline int32_t wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t wrap_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t wrap_shl(int32_t x, int n) { return (int32_t)((uint32_t)x << n); }

static inline int32_t clamp32(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : x > hi ? hi : x; }

// ---- TFLite's fixed-point arithmetic ----

static inline int32_t srdhm(int32_t a, int32_t b) {
  int64_t ab, nudge;
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  nudge = ab >= 0 ? ((int64_t)1 << 30) : 1 - ((int64_t)1 << 30);
  // C99 division truncates toward zero, as TFLite's does.
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static inline int32_t rdbpot(int32_t x, int exponent) {
  int32_t mask, shifted, remainder, threshold;
  if (exponent < 32) {
    mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    shifted = asr32(x, exponent);
  } else {  // all bits shifted out; only the softmax can get here
    mask = -1;
    shifted = x < 0 ? -1 : 0;
  }
  remainder = x & mask;
  threshold = asr32(mask, 1) + (x < 0 ? 1 : 0);
  // 1 exactly when remainder > threshold (the difference wraps as in Go).
  return shifted + (int32_t)(((uint32_t)threshold - (uint32_t)remainder) >> 31);
}

static inline int32_t mbqm(int32_t x, int32_t multiplier, int shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhm(wrap_shl(x, left), multiplier), right);
}

int32_t mnistcnn_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) { return srdhm(a, b); }
int32_t mnistcnn_rounding_divide_by_pot(int32_t x, int exponent) { return rdbpot(x, exponent); }
int32_t mnistcnn_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  return mbqm(x, multiplier, shift);
}

// requantize scales an accumulator to the output and applies the clamp.
static inline int8_t requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t offset, int32_t lo,
                                int32_t hi) {
  return (int8_t)clamp32(wrap_add(mbqm(acc, multiplier, (int)shift), offset), lo, hi);
}

// ---- CONV_2D ----

// tap_range sets [*lo, *hi), the filter taps t in [0, k) whose input
// position start + t·dilation lies in [0, n): taps in the padding add
// nothing, so the loops skip them.
static void tap_range(int32_t start, int32_t n, int32_t k, int32_t dilation, int32_t *lo, int32_t *hi) {
  int32_t a = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  int32_t b = n - start <= 0 ? 0 : (n - start + dilation - 1) / dilation;
  if (b > k) b = k;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

// dot4 adds to acc[0..3] the dot products of n filter values of four
// output channels (stride values apart) with the inputs x + offset: one
// input load serves four multiply-adds.
static inline void dot4(const int8_t *x, const int8_t *w, int32_t stride, int32_t n, int32_t offset, int32_t acc[4]) {
  const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], i;
  for (i = 0; i < n; i++) {
    const int32_t v = (int32_t)x[i] + offset;
    a0 += (int32_t)w0[i] * v;
    a1 += (int32_t)w1[i] * v;
    a2 += (int32_t)w2[i] * v;
    a3 += (int32_t)w3[i] * v;
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

static inline int32_t dot1(const int8_t *x, const int8_t *w, int32_t n, int32_t offset) {
  int32_t a = 0, i;
  for (i = 0; i < n; i++) a += (int32_t)w[i] * ((int32_t)x[i] + offset);
  return a;
}

// conv_channels accumulates output channels [oc, oc + count) (count 1 or
// 4) of the output pixel whose receptive field starts at input (iy0, ix0),
// over the taps [ky0, ky1) × [kx0, kx1) inside the input.
static inline void conv_channels(const mnistcnn_conv_params *p, const int8_t *in_b, int32_t oc, int count, int32_t iy0,
                                 int32_t ix0, int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1, int32_t acc[4]) {
  const int32_t iw = p->input_w, ic = p->input_c, fw = p->filter_w;
  const int32_t patch = p->filter_h * fw * ic;
  const int8_t *f = p->filter + oc * patch;
  int32_t ky, kx;
  acc[0] = acc[1] = acc[2] = acc[3] = 0;
  for (ky = ky0; ky < ky1; ky++) {
    const int8_t *row = in_b + (iy0 + ky * p->dilation_h) * iw * ic;
    const int8_t *frow = f + ky * fw * ic;
    if (p->dilation_w == 1) {
      // The taps of a filter row are one run of input values.
      const int8_t *x = row + (ix0 + kx0) * ic;
      const int32_t n = (kx1 - kx0) * ic;
      if (count == 4)
        dot4(x, frow + kx0 * ic, patch, n, p->input_offset, acc);
      else
        acc[0] += dot1(x, frow + kx0 * ic, n, p->input_offset);
      continue;
    }
    for (kx = kx0; kx < kx1; kx++) {
      const int8_t *x = row + (ix0 + kx * p->dilation_w) * ic;
      if (count == 4)
        dot4(x, frow + kx * ic, patch, ic, p->input_offset, acc);
      else
        acc[0] += dot1(x, frow + kx * ic, ic, p->input_offset);
    }
  }
}

void mnistcnn_conv_s8(const mnistcnn_conv_params *p, const int8_t *input, int8_t *output) {
  const int32_t ih = p->input_h, iw = p->input_w, ic = p->input_c;
  int32_t b, oy, ox, oc, ky0, ky1, kx0, kx1, acc[4];
  int k, count;
  for (b = 0; b < p->batches; b++) {
    const int8_t *in_b = input + b * ih * iw * ic;
    for (oy = 0; oy < p->output_h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      tap_range(iy0, ih, p->filter_h, p->dilation_h, &ky0, &ky1);
      for (ox = 0; ox < p->output_w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        tap_range(ix0, iw, p->filter_w, p->dilation_w, &kx0, &kx1);
        // Four output channels at a time, then one at a time.
        for (oc = 0; oc < p->output_c; oc += count) {
          count = p->output_c - oc >= 4 ? 4 : 1;
          conv_channels(p, in_b, oc, count, iy0, ix0, ky0, ky1, kx0, kx1, acc);
          for (k = 0; k < count; k++) {
            int32_t a = acc[k];
            if (p->bias != NULL) a += p->bias[oc + k];
            *output++ = requantize(a, p->multiplier[oc + k], p->shift[oc + k], p->output_offset, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}

// ---- DEPTHWISE_CONV_2D ----

// DEPTHWISE_CHUNK is how many output channels are accumulated at once on
// the stack (4 bytes each).
#define DEPTHWISE_CHUNK 64

void mnistcnn_depthwise_conv_s8(const mnistcnn_conv_params *p, const int8_t *input, int8_t *output) {
  const int32_t ih = p->input_h, iw = p->input_w, ic = p->input_c, oc_n = p->output_c;
  const int32_t fw = p->filter_w;
  const int32_t mult = p->depth_multiplier > 0 ? p->depth_multiplier : 1;
  const int32_t in_off = p->input_offset;
  int32_t acc[DEPTHWISE_CHUNK];
  int32_t b, oy, ox, c0, ky, kx, j, ky0, ky1, kx0, kx1;
  for (b = 0; b < p->batches; b++) {
    const int8_t *in_b = input + b * ih * iw * ic;
    for (oy = 0; oy < p->output_h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      tap_range(iy0, ih, p->filter_h, p->dilation_h, &ky0, &ky1);
      for (ox = 0; ox < p->output_w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        tap_range(ix0, iw, fw, p->dilation_w, &kx0, &kx1);
        for (c0 = 0; c0 < oc_n; c0 += DEPTHWISE_CHUNK) {
          const int32_t n = oc_n - c0 < DEPTHWISE_CHUNK ? oc_n - c0 : DEPTHWISE_CHUNK;
          for (j = 0; j < n; j++) acc[j] = 0;
          for (ky = ky0; ky < ky1; ky++) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            for (kx = kx0; kx < kx1; kx++) {
              const int8_t *x = in_b + (iy * iw + ix0 + kx * p->dilation_w) * ic;
              const int8_t *w = p->filter + (ky * fw + kx) * oc_n + c0;
              if (mult == 1) {
                x += c0;
                for (j = 0; j < n; j++) acc[j] += (int32_t)w[j] * ((int32_t)x[j] + in_off);
              } else {
                // Output channel c0 + j reads input channel (c0 + j) / mult.
                int32_t ci = c0 / mult, m = c0 % mult;
                for (j = 0; j < n; j++) {
                  acc[j] += (int32_t)w[j] * ((int32_t)x[ci] + in_off);
                  if (++m == mult) {
                    m = 0;
                    ci++;
                  }
                }
              }
            }
          }
          for (j = 0; j < n; j++) {
            int32_t a = acc[j];
            if (p->bias != NULL) a += p->bias[c0 + j];
            *output++ = requantize(a, p->multiplier[c0 + j], p->shift[c0 + j], p->output_offset, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}

// ---- FULLY_CONNECTED ----

void mnistcnn_fully_connected_s8(const mnistcnn_fully_connected_params *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->accum_depth;
  const int32_t in_off = p->input_offset, w_off = p->per_channel ? 0 : p->weights_offset;
  int32_t b, o, i, acc[4];
  int k, count;
  for (b = 0; b < p->batches; b++) {
    const int8_t *x = input + b * n;
    // Four outputs at a time, then one at a time.
    for (o = 0; o < p->output_depth; o += count) {
      const int8_t *w = p->weights + o * n;
      count = p->output_depth - o >= 4 ? 4 : 1;
      if (w_off != 0) {
        for (k = 0; k < count; k++) {
          int32_t a = 0;
          for (i = 0; i < n; i++) a += ((int32_t)x[i] + in_off) * ((int32_t)w[k * n + i] + w_off);
          acc[k] = a;
        }
      } else if (count == 4) {
        acc[0] = acc[1] = acc[2] = acc[3] = 0;
        dot4(x, w, n, n, in_off, acc);
      } else {
        acc[0] = dot1(x, w, n, in_off);
      }
      for (k = 0; k < count; k++) {
        const int32_t q = p->per_channel ? o + k : 0;
        int32_t a = acc[k];
        if (p->bias != NULL) a += p->bias[o + k];
        *output++ = requantize(a, p->multiplier[q], p->shift[q], p->output_offset, p->act_min, p->act_max);
      }
    }
  }
}

// ---- MAX_POOL_2D and AVERAGE_POOL_2D ----

// pool runs one kind of pool; the window is clipped to the input.
static int pool(const mnistcnn_pool_params *p, const int8_t *input, int8_t *output, int average) {
  const int32_t ih = p->input_h, iw = p->input_w, ch = p->channels;
  int32_t b, oy, ox, c, y, x;
  int status = 0;
  for (b = 0; b < p->batches; b++) {
    const int8_t *in_b = input + b * ih * iw * ch;
    for (oy = 0; oy < p->output_h; oy++) {
      const int32_t iy = oy * p->stride_h - p->pad_h;
      const int32_t y0 = iy > 0 ? iy : 0;
      const int32_t y1 = iy + p->filter_h < ih ? iy + p->filter_h : ih;
      for (ox = 0; ox < p->output_w; ox++) {
        const int32_t ix = ox * p->stride_w - p->pad_w;
        const int32_t x0 = ix > 0 ? ix : 0;
        const int32_t x1 = ix + p->filter_w < iw ? ix + p->filter_w : iw;
        for (c = 0; c < ch; c++) {
          int32_t v;
          if (average) {
            const int32_t count = (y1 - y0) * (x1 - x0);
            int32_t sum = 0;
            if (y1 <= y0 || x1 <= x0) {
              status = -1;
              output++;
              continue;
            }
            for (y = y0; y < y1; y++)
              for (x = x0; x < x1; x++) sum += in_b[(y * iw + x) * ch + c];
            v = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
          } else {
            v = -128;
            for (y = y0; y < y1; y++)
              for (x = x0; x < x1; x++)
                if (in_b[(y * iw + x) * ch + c] > v) v = in_b[(y * iw + x) * ch + c];
          }
          *output++ = (int8_t)clamp32(v, p->act_min, p->act_max);
        }
      }
    }
  }
  return status;
}

void mnistcnn_max_pool_s8(const mnistcnn_pool_params *p, const int8_t *input, int8_t *output) {
  (void)pool(p, input, output, 0);
}

int mnistcnn_average_pool_s8(const mnistcnn_pool_params *p, const int8_t *input, int8_t *output) {
  return pool(p, input, output, 1);
}

// ---- SOFTMAX: gemmlowp's fixed point ----

// saturating_shl is gemmlowp's SaturatingRoundingMultiplyByPOT<e> for e > 0.
static inline int32_t saturating_shl(int32_t x, int e) {
  const int32_t threshold = (int32_t)(((uint32_t)1 << (31 - e)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return wrap_shl(x, e);
}

// exp(a) for a in [-1/4, 0) (Q0.31): the Taylor polynomial around -1/8.
static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;  // exp(-1/8) in Q0.31
  const int32_t one_over_3 = 715827883;      // 1/3 in Q0.31
  const int32_t x = wrap_add(a, (int32_t)1 << 28);
  const int32_t x2 = srdhm(x, x);
  const int32_t x3 = srdhm(x2, x);
  const int32_t x4 = srdhm(x2, x2);
  const int32_t x4_over_4 = rdbpot(x4, 2);
  const int32_t poly = rdbpot(wrap_add(srdhm(wrap_add(x4_over_4, x3), one_over_3), x2), 1);
  return wrap_add(constant_term, srdhm(constant_term, wrap_add(x, poly)));
}

int32_t mnistcnn_exp_on_negative_values(int32_t a) {
  // a in Q5.26: 5 integer bits, 26 fractional.
  static const int32_t barrel[7] = {
      1672461947,  // exp(-1/4)
      1302514674,  // exp(-1/2)
      790015084,   // exp(-1)
      290630308,   // exp(-2)
      39332535,    // exp(-4)
      720401,      // exp(-8)
      242,         // exp(-16)
  };
  const int32_t one_quarter = (int32_t)1 << 24;
  const int32_t a_mod_quarter_minus_one_quarter = wrap_sub(a & (one_quarter - 1), one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(saturating_shl(a_mod_quarter_minus_one_quarter, 5));
  const int32_t remainder = wrap_sub(a_mod_quarter_minus_one_quarter, a);
  int k;
  for (k = 0; k < 7; k++) {
    // Bit 26 + (k - 2): the multiples 2^(k-2) of the input; 5 integer bits
    // use every factor, so there is no clamp below -32.
    if (remainder & ((int32_t)1 << (24 + k))) result = srdhm(result, barrel[k]);
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

int32_t mnistcnn_one_over_one_plus_x(int32_t a) {
  const int32_t c48_over_17 = 1515870810;       // 48/17 in Q2.29
  const int32_t c_neg32_over_17 = -1010580540;  // -32/17 in Q2.29
  const int32_t one_q2 = (int32_t)1 << 29;      // 1.0 in Q2.29
  // RoundingHalfSum(a, 1.0): (a + b) / 2 rounded half away from zero.
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum < 0 ? -1 : 1)) / 2);
  int32_t x = wrap_add(c48_over_17, srdhm(half_denominator, c_neg32_over_17));
  int i;
  for (i = 0; i < 3; i++) {
    const int32_t half_denominator_times_x = srdhm(half_denominator, x);
    const int32_t one_minus = wrap_sub(one_q2, half_denominator_times_x);
    x = wrap_add(x, saturating_shl(srdhm(x, one_minus), 2));
  }
  return saturating_shl(x, 1);
}

static int count_leading_zeros(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return x == 0 ? 32 : __builtin_clz(x);
#else
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    n++;
  }
  return n;
#endif
}

int32_t mnistcnn_get_reciprocal(int32_t x, int x_integer_bits, int *num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros((uint32_t)x);
  const uint32_t shifted = headroom_plus_one < 32 ? (uint32_t)x << headroom_plus_one : 0u;
  *num_bits_over_unit = x_integer_bits - headroom_plus_one;
  return mnistcnn_one_over_one_plus_x((int32_t)(shifted - 0x80000000u));
}

// softmax_exp is exp(d · beta · input_scale) in Q0.31 for a difference
// d <= 0 from the row's maximum: the difference scaled to Q5.26 by
// MultiplyByQuantizedMultiplierGreaterThanOne.
static inline int32_t softmax_exp(const mnistcnn_softmax_params *p, int32_t d) {
  return mnistcnn_exp_on_negative_values(srdhm(wrap_shl(d, (int)p->input_left_shift), p->input_multiplier));
}

void mnistcnn_softmax_s8(const mnistcnn_softmax_params *p, const int8_t *input, int8_t *output) {
  int32_t r, i;
  for (r = 0; r < p->rows; r++) {
    const int8_t *x = input + r * p->depth;
    int8_t *y = output + r * p->depth;
    int32_t max = -128, recip;
    uint32_t sum = 0;  // Q12.19; wraps past 4096 ties for the maximum, as in Go
    int bits_over_unit;
    for (i = 0; i < p->depth; i++)
      if (x[i] > max) max = x[i];
    for (i = 0; i < p->depth; i++) {
      const int32_t d = x[i] - max;
      if (d >= p->diff_min) sum += (uint32_t)rdbpot(softmax_exp(p, d), 12);
    }
    recip = mnistcnn_get_reciprocal((int32_t)sum, 12, &bits_over_unit);
    for (i = 0; i < p->depth; i++) {
      const int32_t d = x[i] - max;
      if (d < p->diff_min) {
        y[i] = -128;
        continue;
      }
      y[i] = (int8_t)clamp32(wrap_sub(rdbpot(srdhm(recip, softmax_exp(p, d)), bits_over_unit + 31 - 8), 128), -128, 127);
    }
  }
}
