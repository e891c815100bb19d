/*
 * x87 kernel: long double arithmetic (fadd, fmul, fdiv, fsqrt, fld/fstp of 80-bit memory values)
 * and a printf("%Lf")-style digit loop (long double to integer conversions, as formatting code does).
 */
#include "kernel.h"

static long double root(long double x) {
  __asm__("fsqrt" : "+t"(x));
  return x;
}

static volatile long double vals[64];

unsigned long kernel(void) {
  unsigned long h = 1469598103934665603ul;
  long double acc = 1.0L;
  for (int i = 0; i < 64; i++) vals[i] = (long double)(i + 1) / 7.0L;
  for (int it = 0; it < 600; it++) {
    for (int i = 0; i < 64; i++) {
      long double v = vals[i];
      acc = acc * 1.0000001L + v / (acc + 3.0L);
      acc = root(acc * acc + v);
      vals[i] = v + acc * 1e-6L;
    }
  }
  for (int rep = 0; rep < 20; rep++) {
    for (int i = 0; i < 64; i++) {
      long double x = vals[i] * (long double)(rep + 1);
      unsigned long ip = (unsigned long)x;
      long double f = x - (long double)ip;
      h = (h ^ ip) * 1099511628211ul;
      for (int d = 0; d < 18; d++) {
        f *= 10.0L;
        int digit = (int)f;
        f -= digit;
        h = (h ^ (unsigned long)digit) * 1099511628211ul;
      }
    }
  }
  union {
    long double d;
    unsigned long u[2];
  } b = {acc};
  return h ^ b.u[0] ^ (b.u[1] & 0xffff);
}
