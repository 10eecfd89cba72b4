/* standalone_driver.c: runs a c-standalone model for mnistcnn's tests
 * (convert/standalone_test.go). Compiled with the emitted files and
 *
 *   -DMODEL_HEADER='"net_model.h"' -DNAME=net -DUNAME=NET
 *
 * Usage: driver IN OUT. IN holds n inputs of NAME_INPUT_SIZE bytes one
 * after another; the driver invokes the model on each and writes the n
 * outputs to OUT, then prints "invokes n us_per_invoke t" with t the CPU
 * time of one invoke in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include MODEL_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define INVOKE CAT(NAME, _invoke)
#define IN_SIZE CAT(UNAME, _INPUT_SIZE)
#define OUT_SIZE CAT(UNAME, _OUTPUT_SIZE)

int main(int argc, char **argv) {
  FILE *f;
  long size;
  size_t n, i;
  int8_t *in, *out;
  clock_t start, end;
  if (argc != 3) return 2;
  f = fopen(argv[1], "rb");
  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return 2;
  if (size % IN_SIZE != 0) {
    fprintf(stderr, "%ld bytes is not a whole number of %d-byte inputs\n", size, (int)IN_SIZE);
    return 2;
  }
  n = (size_t)size / IN_SIZE;
  in = malloc((size_t)size + 1);
  out = malloc(n * OUT_SIZE + 1);
  if (in == NULL || out == NULL || fread(in, 1, (size_t)size, f) != (size_t)size) return 2;
  fclose(f);
  start = clock();
  for (i = 0; i < n; i++) {
    int rc = INVOKE(in + i * IN_SIZE, out + i * OUT_SIZE);
    if (rc != 0) {
      fprintf(stderr, "input %u: invoke returned %d\n", (unsigned)i, rc);
      return 1;
    }
  }
  end = clock();
  f = fopen(argv[2], "wb");
  if (f == NULL || fwrite(out, 1, n * OUT_SIZE, f) != n * OUT_SIZE || fclose(f) != 0) return 2;
  printf("invokes %u us_per_invoke %.3f\n", (unsigned)n,
         n ? (double)(end - start) * 1e6 / CLOCKS_PER_SEC / (double)n : 0.0);
  free(in);
  free(out);
  return 0;
}
