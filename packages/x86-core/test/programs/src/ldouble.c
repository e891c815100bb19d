/* Long-double kernel: extended-precision arithmetic on the x87 and a decimal formatter written
 * for the test (digit generation by repeated multiplication, the way printf's %Lf-style paths
 * exercise the FPU), plus the raw 80-bit patterns of every computed value. */
#include "rt.h"

static void put_ld(struct out *o, long double v) { putbytes(o, &v, 10); }

/* Formats |v| with `digits` significant decimal digits and a decimal exponent: d.dddde±x. */
static void fmt_ld(struct out *o, long double v, int digits) {
  if (v != v) {
    putstr(o, "nan ");
    return;
  }
  if (v < 0) {
    put8(o, '-');
    v = -v;
  }
  if (v == 1.0L / 0.0L) {
    putstr(o, "inf ");
    return;
  }
  int exp10 = 0;
  if (v != 0) {
    while (v >= 10.0L) {
      v /= 10.0L;
      exp10++;
    }
    while (v < 1.0L) {
      v *= 10.0L;
      exp10--;
    }
  }
  for (int i = 0; i < digits; i++) {
    int d = (int)v;
    if (d > 9) d = 9;
    put8(o, (uint8_t)('0' + d));
    if (i == 0) put8(o, '.');
    v = (v - d) * 10.0L;
  }
  put8(o, 'e');
  if (exp10 < 0) {
    put8(o, '-');
    exp10 = -exp10;
  }
  char buf[8];
  int n = 0;
  do {
    buf[n++] = (char)('0' + exp10 % 10);
    exp10 /= 10;
  } while (exp10);
  while (n) put8(o, (uint8_t)buf[--n]);
  put8(o, ' ');
}

ENTRY uint64_t prog_run(uint8_t *dst) {
  struct out o = {dst, 0};
  /* pi by the Machin-like arctangent series, e by its factorial series */
  long double pi = 0, t = 1.0L / 5, t2 = 1.0L / 239;
  for (int k = 0; k < 30; k++) {
    long double sgn = k & 1 ? -1.0L : 1.0L;
    pi += sgn * 16.0L * t / (2 * k + 1) - sgn * 4.0L * t2 / (2 * k + 1);
    t /= 25;
    t2 /= 239.0L * 239.0L;
  }
  long double e = 1, f = 1;
  for (int k = 1; k < 25; k++) {
    f /= k;
    e += f;
  }
  long double r2 = __builtin_sqrtl(2.0L);
  long double vals[] = {pi, e, r2, 1.0L / 3, 2.0L / 3, 1e4000L, 1e-4000L, 123456789.0123456789L, -0.0L,
                        (long double)(1ul << 63) + 1, 1.0L / 0.0L, -5e-4940L};
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    put_ld(&o, vals[i]);
    fmt_ld(&o, vals[i], 21);
  }
  /* conversions between widths and to integers (fistp with the current rounding mode) */
  for (int i = -20; i < 20; i++) {
    long double v = pi * i / 3;
    double dv = (double)v;
    float fv = (float)v;
    long long iv = (long long)v;
    putbytes(&o, &dv, 8);
    putbytes(&o, &fv, 4);
    put64(&o, (uint64_t)iv);
    put64(&o, (uint64_t)(unsigned long long)(v < 0 ? -v : v));
  }
  /* accumulation that only extended precision keeps exact */
  long double acc = 0;
  for (int i = 1; i <= 1000; i++) acc += 1.0L / ((long double)i * i);
  put_ld(&o, acc);
  fmt_ld(&o, acc, 19);
  long double prod = 1;
  for (int i = 1; i <= 170; i++) prod *= i;
  put_ld(&o, prod);
  fmt_ld(&o, prod, 19);
  return o.n;
}
