/* Freestanding entry for the emulator: run the kernel, then hand the checksum to the host
 * through `syscall` (rax = checksum). */
#include "kernel.h"

void _start(void) {
  unsigned long r = kernel();
  for (;;) __asm__ volatile("syscall" : : "a"(r) : "rcx", "r11", "memory");
}
