/* Semihosting output for the firmware: text goes to the host's stdout
 * through the debugger interface (QEMU: -semihosting-config enable=on),
 * buffered, a call per line. Nothing here allocates or uses libc's stdio. */

#ifndef CORTEX_M_SEMIHOST_H
#define CORTEX_M_SEMIHOST_H

#include <stdint.h>

void sh_puts(const char *s);
void sh_putc(char c);
void sh_putu(uint32_t v);   /* decimal */
void sh_putu64(uint64_t v); /* decimal */
void sh_puti(int32_t v);    /* decimal, with a sign if negative */
void sh_puthex32(uint32_t v); /* 8 lower-case hex digits */
void sh_puthex8(uint8_t v);   /* 2 lower-case hex digits */
void sh_flush(void);

/* sh_exit ends the program: QEMU exits with status code (0..255). */
void sh_exit(int code) __attribute__((noreturn));

#endif
