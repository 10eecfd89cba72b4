/* Runs the model `mnistcnn convert --format c-standalone` emitted on the
 * MNIST test images of its <name>_model_test_data.h, on QEMU's mps2-an386
 * (Cortex-M4), and prints through semihosting, one "key value" record a
 * line (README.md describes them):
 *
 *   model ...                  what was built: name, sizes, input quantization
 *   lut <512 hex digits>       the pixel -> int8 input table
 *   img <i> label <l> pred <p> ticks <t> out <2*OUTPUT_SIZE hex digits>
 *   result ...                 accuracy, checksum, stack and timer figures
 *
 * Build-time configuration (the Makefile sets it):
 *   MODEL_NAME, MODEL_UNAME  the --name of the emitted files, as is and in
 *                            upper case (default mnist, MNIST)
 *   MODEL_HEADER             "<name>_model.h"
 *   TEST_DATA_HEADER         "<name>_model_test_data.h"
 *   TEST_PREFIX              its arrays' prefix: <name>_test (_count,
 *                            _images, _labels)
 *   INPUT_SCALE              the input tensor's scale, a float constant
 *   BUILD_OPT                the optimisation flags, for the record
 */

#include <math.h>
#include <stdint.h>

#include "semihost.h"

#ifndef MODEL_NAME
#define MODEL_NAME mnist
#define MODEL_UNAME MNIST
#endif
#ifndef MODEL_HEADER
#define MODEL_HEADER "mnist_model.h"
#endif
#ifndef TEST_DATA_HEADER
#define TEST_DATA_HEADER "mnist_model_test_data.h"
#define TEST_PREFIX mnist_test
#endif
#ifndef INPUT_SCALE
#error "INPUT_SCALE (the model input's scale, e.g. 0.003921569f) is not set"
#endif
#ifndef BUILD_OPT
#define BUILD_OPT "?"
#endif

#include MODEL_HEADER
#include TEST_DATA_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(x) #x
#define STR(x) STR_(x)

#define MODEL_INVOKE CAT(MODEL_NAME, _invoke)
#define INPUT_SIZE CAT(MODEL_UNAME, _INPUT_SIZE)
#define OUTPUT_SIZE CAT(MODEL_UNAME, _OUTPUT_SIZE)
#define ARENA_BYTES CAT(MODEL_UNAME, _ARENA_BYTES)
#define INPUT_ZERO_POINT CAT(MODEL_UNAME, _INPUT_ZERO_POINT)
#define TEST_COUNT CAT(TEST_PREFIX, _count)
#define TEST_IMAGES CAT(TEST_PREFIX, _images)
#define TEST_LABELS CAT(TEST_PREFIX, _labels)

#if INPUT_SIZE != 28 * 28
#error "the model's input is not one 28x28 image"
#endif

/* The dual timer's first counter (CMSDK APB dual timer at 0x40002000),
 * clocked like the whole board at 25 MHz: one tick is 40 ns of virtual
 * time. Under QEMU's -icount shift=0 an instruction takes exactly 1 ns, so
 * a tick is 40 instructions; without -icount virtual time follows the host
 * clock and the ticks mean little. */
#define TIMER1_LOAD (*(volatile uint32_t *)0x40002000u)
#define TIMER1_VALUE (*(volatile uint32_t *)0x40002004u)
#define TIMER1_CONTROL (*(volatile uint32_t *)0x40002008u)
#define TIMER_ENABLE 0x80u /* free-running (not periodic), no interrupt */
#define TIMER_32BIT 0x02u
#define TICK_NS 40u

/* The stack region of mps2_an386.ld. */
extern uint32_t __stack_bottom[], __stack_top[];
#define STACK_PAINT 0xdeadbeefu

/* pixel_to_input[p] is the model input of pixel value p: the quantization of
 * the real value p/255 with the input tensor's scale and zero point,
 *
 *   q = clamp(round(p / 255 / scale) + zero_point, -128, 127)
 *
 * computed in double precision from the float32 scale the way the project's
 * Go code does (eval/io.go: math.Round, like C's round, rounds halves away
 * from zero). Only this start-up step uses floating point, in software
 * (-mfloat-abi=soft: no FPU to enable, and the code runs on any Cortex-M);
 * the model uses none. The host test checks the table the firmware prints
 * ("lut") against eval's. */
static int8_t pixel_to_input[256];

static void make_input_table(void) {
  int p;
  for (p = 0; p < 256; p++) {
    double q = round((double)p / 255.0 / (double)(float)(INPUT_SCALE)) + (double)(INPUT_ZERO_POINT);
    if (q < -128.0) q = -128.0;
    if (q > 127.0) q = 127.0;
    pixel_to_input[p] = (int8_t)q;
  }
}

static inline uint32_t *stack_pointer(void) {
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

static int8_t input[INPUT_SIZE];
static int8_t output[OUTPUT_SIZE];

static uint32_t fnv1a(uint32_t h, const uint8_t *p, uint32_t n) {
  while (n-- > 0) {
    h ^= *p++;
    h *= 16777619u;
  }
  return h;
}

int main(void) {
  uint32_t i, k, n = TEST_COUNT, correct = 0;
  uint32_t sum = 2166136261u; /* FNV-1a offset basis */
  uint32_t t_min = UINT32_MAX, t_max = 0, stack_peak = 0, stack_frame = 0;
  uint64_t t_total = 0;
  int overflow = 0;

  TIMER1_CONTROL = 0;
  TIMER1_LOAD = UINT32_MAX;
  TIMER1_CONTROL = TIMER_ENABLE | TIMER_32BIT;

  make_input_table();
  sh_puts("model name " STR(MODEL_NAME) " opt " BUILD_OPT " input_size ");
  sh_putu(INPUT_SIZE);
  sh_puts(" output_size ");
  sh_putu(OUTPUT_SIZE);
  sh_puts(" arena_bytes ");
  sh_putu(ARENA_BYTES);
  sh_puts(" input_zero_point ");
  sh_puti(INPUT_ZERO_POINT);
  sh_puts(" images ");
  sh_putu(n);
  sh_puts("\nlut ");
  for (k = 0; k < 256; k++) sh_puthex8((uint8_t)pixel_to_input[k]);
  sh_putc('\n');

  for (i = 0; i < n; i++) {
    const uint8_t *px = &TEST_IMAGES[i][0][0];
    volatile uint32_t *w;
    uint32_t *sp, t0, t1, best = 0;
    int rc;

    for (k = 0; k < INPUT_SIZE; k++) input[k] = pixel_to_input[px[k]];

    /* Paint the free stack below us, run, and find the deepest word the
     * inference wrote. Nothing else runs meanwhile: no interrupt is enabled. */
    sp = stack_pointer();
    for (w = __stack_bottom; w < sp; w++) *w = STACK_PAINT;
    t0 = TIMER1_VALUE;
    rc = MODEL_INVOKE(input, output);
    t1 = TIMER1_VALUE;
    for (w = __stack_bottom; w < sp && *w == STACK_PAINT; w++) {
    }
    if (w == __stack_bottom) overflow = 1;
    if ((uint32_t)((sp - w) * 4) > stack_peak) stack_peak = (uint32_t)((sp - w) * 4);
    stack_frame = (uint32_t)((__stack_top - sp) * 4);

    if (rc != 0) {
      sh_puts("error image ");
      sh_putu(i);
      sh_puts(" invoke returned ");
      sh_puti(rc);
      sh_putc('\n');
      return 1;
    }
    t1 = t0 - t1; /* the timer counts down */
    t_total += t1;
    if (t1 < t_min) t_min = t1;
    if (t1 > t_max) t_max = t1;
    for (k = 1; k < OUTPUT_SIZE; k++) {
      if (output[k] > output[best]) best = k;
    }
    if (best == TEST_LABELS[i]) correct++;
    sum = fnv1a(sum, (const uint8_t *)output, OUTPUT_SIZE);

    sh_puts("img ");
    sh_putu(i);
    sh_puts(" label ");
    sh_putu(TEST_LABELS[i]);
    sh_puts(" pred ");
    sh_putu(best);
    sh_puts(" ticks ");
    sh_putu(t1);
    sh_puts(" out ");
    for (k = 0; k < OUTPUT_SIZE; k++) sh_puthex8((uint8_t)output[k]);
    sh_putc('\n');
  }

  {
    uint32_t bp = n ? (uint32_t)((uint64_t)correct * 10000u / n) : 0;
    sh_puts("result correct ");
    sh_putu(correct);
    sh_puts(" total ");
    sh_putu(n);
    sh_puts(" accuracy ");
    sh_putu(bp / 100);
    sh_putc('.');
    sh_putc((char)('0' + bp / 10 % 10));
    sh_putc((char)('0' + bp % 10));
    sh_puts("%\nresult checksum_fnv1a32 ");
    sh_puthex32(sum);
    sh_puts("\nresult stack_peak_bytes ");
    sh_putu(stack_peak);
    sh_puts(" stack_main_bytes ");
    sh_putu(stack_frame);
    sh_puts(" stack_region_bytes ");
    sh_putu((uint32_t)((__stack_top - __stack_bottom) * 4));
    sh_puts(overflow ? " stack_overflow 1\n" : " stack_overflow 0\n");
    sh_puts("result tick_ns ");
    sh_putu(TICK_NS);
    sh_puts(" ticks_total ");
    sh_putu64(t_total);
    sh_puts(" ticks_min ");
    sh_putu(n ? t_min : 0);
    sh_puts(" ticks_max ");
    sh_putu(t_max);
    sh_puts("\nresult instructions_per_inference ");
    sh_putu64(n ? t_total * TICK_NS / n : 0);
    sh_puts(" resolution ");
    sh_putu(TICK_NS);
    sh_puts(" (instructions under -icount shift=0)\n");
  }
  return overflow ? 2 : 0;
}
