/* Native driver: runs a test program's prog_run on the host and writes its output to stdout. */
#include <stdio.h>

extern unsigned long prog_run(unsigned char *out);

static unsigned char out[1 << 16] __attribute__((aligned(64)));

int main(void) {
  unsigned long n = prog_run(out);
  if (n > sizeof out) return 3;
  return fwrite(out, 1, n, stdout) == n ? 0 : 2;
}
