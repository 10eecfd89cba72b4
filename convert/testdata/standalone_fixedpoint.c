/* standalone_fixedpoint.c: feeds test vectors to the fixed-point helpers of
 * mnistcnn_kernels.c for mnistcnn's tests (convert/standalone_test.go).
 * Reads lines "op a b" from stdin and prints one result line each:
 *
 *   h a b   SaturatingRoundingDoublingHighMul(a, b)
 *   d x e   RoundingDivideByPOT(x, e)
 *   m x q s MultiplyByQuantizedMultiplier(x, q, s)  (three arguments)
 *   e a     exp_on_negative_values(a), Q5.26 in
 *   o a     one_over_one_plus_x(a)
 *   r x     GetReciprocal(x, 12): "recip bits"
 */
#include <stdio.h>

#include "mnistcnn_kernels.h"

int main(void) {
  char op;
  long a, b, c;
  int bits;
  while (scanf(" %c", &op) == 1) {
    switch (op) {
      case 'h':
        if (scanf("%ld %ld", &a, &b) != 2) return 2;
        printf("%ld\n", (long)mnistcnn_saturating_rounding_doubling_high_mul((int32_t)a, (int32_t)b));
        break;
      case 'd':
        if (scanf("%ld %ld", &a, &b) != 2) return 2;
        printf("%ld\n", (long)mnistcnn_rounding_divide_by_pot((int32_t)a, (int)b));
        break;
      case 'm':
        if (scanf("%ld %ld %ld", &a, &b, &c) != 3) return 2;
        printf("%ld\n", (long)mnistcnn_multiply_by_quantized_multiplier((int32_t)a, (int32_t)b, (int)c));
        break;
      case 'e':
        if (scanf("%ld", &a) != 1) return 2;
        printf("%ld\n", (long)mnistcnn_exp_on_negative_values((int32_t)a));
        break;
      case 'o':
        if (scanf("%ld", &a) != 1) return 2;
        printf("%ld\n", (long)mnistcnn_one_over_one_plus_x((int32_t)a));
        break;
      case 'r':
        if (scanf("%ld", &a) != 1) return 2;
        a = mnistcnn_get_reciprocal((int32_t)a, 12, &bits);
        printf("%ld %d\n", a, bits);
        break;
      default:
        return 2;
    }
  }
  return 0;
}
