/* Vector table and reset handler for QEMU's mps2-an386 (Cortex-M4).
 *
 * The reset handler does what a C runtime's start-up code does on a real
 * part: copy .data's initial values from flash to RAM, zero .bss, then call
 * main. There is no libc start-up (the firmware links with -nostartfiles):
 * no heap, no constructors, no stdio. main's return value becomes QEMU's
 * exit status through semihosting. A fault prints its name and the stacked
 * PC, and exits with status 3, so a test never hangs on a crash.
 */

#include <stdint.h>

#include "semihost.h"

int main(void);
void Reset_Handler(void);

/* Linker-script symbols (mps2_an386.ld). */
extern uint32_t __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

void Reset_Handler(void) {
  const uint32_t *src = __data_load;
  uint32_t *dst;
  for (dst = __data_start; dst < __data_end; dst++) *dst = *src++;
  for (dst = __bss_start; dst < __bss_end; dst++) *dst = 0;
  sh_exit(main());
}

/* fault reports which exception fired (from IPSR) and the PC the hardware
 * stacked, then exits with status 3. It is reached by a branch from the
 * handlers below with r0 = the stack pointer at the exception. */
void fault(const uint32_t *frame);
void fault(const uint32_t *frame) {
  static const char *const names[] = {"?",         "?",        "NMI",        "HardFault",
                                      "MemManage", "BusFault", "UsageFault", "?"};
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  sh_puts("fault ");
  sh_puts(names[ipsr < 8 ? ipsr : 7]);
  sh_puts(" pc=0x");
  sh_puthex32(frame[6]);
  sh_puts(" lr=0x");
  sh_puthex32(frame[5]);
  sh_puts("\n");
  sh_flush();
  sh_exit(3);
}

/* Every exception lands here (no interrupt is ever enabled): it passes the
 * stack pointer in use to fault(). */
__attribute__((naked)) static void Fault_Handler(void) {
  __asm__ volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "b fault\n");
}

typedef void (*vector)(void);

/* The 16 Cortex-M system exception vectors; the firmware enables no
 * peripheral interrupt, so it needs no more. */
__attribute__((section(".vectors"), used)) static const vector vectors[16] = {
    (vector)(uintptr_t)__stack_top, /* initial main stack pointer */
    Reset_Handler,
    Fault_Handler,      /* NMI */
    Fault_Handler,      /* HardFault */
    Fault_Handler,      /* MemManage */
    Fault_Handler,      /* BusFault */
    Fault_Handler,      /* UsageFault */
    0,                  /* reserved */
    0,                  /* reserved */
    0,                  /* reserved */
    0,                  /* reserved */
    Fault_Handler,      /* SVCall: never used */
    Fault_Handler,      /* DebugMonitor */
    0,                  /* reserved */
    Fault_Handler,      /* PendSV */
    Fault_Handler,      /* SysTick: never enabled */
};
