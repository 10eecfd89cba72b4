/* ARM semihosting (the "Semihosting for AArch32 and AArch64" specification):
 * on M-profile a call is BKPT 0xAB with the operation in r0 and a pointer to
 * its arguments in r1; the result comes back in r0. */

#include "semihost.h"

enum {
  SYS_OPEN = 0x01,
  SYS_WRITE = 0x05,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_Stopped_ApplicationExit = 0x20026,
};

static int32_t call(int32_t op, const void *arg) {
  register int32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static char buf[256];
static uint32_t used;
static int32_t handle = -1;

void sh_flush(void) {
  uint32_t args[3];
  if (used == 0) return;
  if (handle < 0) {
    /* ":tt" opened for writing (mode 4, "w") is the console's stdout. */
    static const char tt[] = ":tt";
    args[0] = (uint32_t)(uintptr_t)tt;
    args[1] = 4;
    args[2] = sizeof tt - 1;
    handle = call(SYS_OPEN, args);
  }
  args[0] = (uint32_t)handle;
  args[1] = (uint32_t)(uintptr_t)buf;
  args[2] = used;
  call(SYS_WRITE, args);
  used = 0;
}

void sh_putc(char c) {
  buf[used++] = c;
  if (used == sizeof buf || c == '\n') sh_flush();
}

void sh_puts(const char *s) {
  while (*s) sh_putc(*s++);
}

void sh_putu64(uint64_t v) {
  char d[20];
  int n = 0;
  do {
    d[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) sh_putc(d[--n]);
}

void sh_putu(uint32_t v) { sh_putu64(v); }

void sh_puti(int32_t v) {
  if (v < 0) {
    sh_putc('-');
    sh_putu(0u - (uint32_t)v);
  } else {
    sh_putu((uint32_t)v);
  }
}

static const char hex[] = "0123456789abcdef";

void sh_puthex32(uint32_t v) {
  int i;
  for (i = 28; i >= 0; i -= 4) sh_putc(hex[(v >> i) & 15]);
}

void sh_puthex8(uint8_t v) {
  sh_putc(hex[v >> 4]);
  sh_putc(hex[v & 15]);
}

void sh_exit(int code) {
  uint32_t args[2];
  sh_flush();
  args[0] = ADP_Stopped_ApplicationExit;
  args[1] = (uint32_t)code;
  call(SYS_EXIT_EXTENDED, args);
  for (;;) {
  }
}
