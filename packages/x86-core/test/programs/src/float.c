/* Floating-point kernel (SSE2 scalar and packed code from the compiler): matrix products, Newton
 * iterations, a Mandelbrot escape count, float/double/integer conversions and libm-free elementary
 * functions built from polynomials. */
#include "rt.h"

#define M 24

static double ma[M][M], mb[M][M], mc[M][M];
static float fv[512];

/* Rounding to integral values: the compiler's own instruction (roundsd) on SSE4.1 builds. */
static double round_down(double x) {
#ifdef __SSE4_1__
  return __builtin_floor(x);
#else
  double t = (double)(int64_t)x;
  return t > x ? t - 1 : t;
#endif
}

static double my_sqrt(double x) {
  if (x <= 0) return 0;
  double g = x > 1 ? x / 2 : 1;
  for (int i = 0; i < 60; i++) g = 0.5 * (g + x / g);
  return g;
}

static double my_exp(double x) {
  /* range reduction by halving, Taylor series, squaring back */
  int k = 0;
  while (x > 0.5 || x < -0.5) {
    x *= 0.5;
    k++;
  }
  double term = 1, sum = 1;
  for (int i = 1; i < 20; i++) {
    term *= x / i;
    sum += term;
  }
  while (k--) sum *= sum;
  return sum;
}

static int mandel(double cr, double ci) {
  double zr = 0, zi = 0;
  int n = 0;
  while (n < 200 && zr * zr + zi * zi < 4.0) {
    double t = zr * zr - zi * zi + cr;
    zi = 2 * zr * zi + ci;
    zr = t;
    n++;
  }
  return n;
}

ENTRY uint64_t prog_run(uint8_t *dst) {
  struct out o = {dst, 0};
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      ma[i][j] = (double)(i * 7 - j * 3) / (1 + i + j);
      mb[i][j] = my_sqrt((double)(i * j + 1)) - 0.25 * j;
    }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      double s = 0;
      for (int k = 0; k < M; k++) s += ma[i][k] * mb[k][j];
      mc[i][j] = s;
    }
  for (int i = 0; i < M; i++) putbytes(&o, &mc[i][(i * 5) % M], 8);
  double e = 0;
  for (int i = -40; i <= 40; i++) e += my_exp(i / 8.0) * (i & 1 ? -1 : 1);
  putbytes(&o, &e, 8);
  uint32_t count = 0;
  for (int y = 0; y < 40; y++)
    for (int x = 0; x < 60; x++) count = count * 3 + (uint32_t)mandel(-2.0 + x * 0.05, -1.0 + y * 0.05);
  put32(&o, count);
  float fs = 0;
  for (int i = 0; i < 512; i++) {
    fv[i] = (float)i / 7.0f - 30.0f;
    fs += fv[i] * fv[(i * 13) % 512] / (1.0f + (float)(i % 5));
  }
  putbytes(&o, &fs, 4);
  /* conversions, including truncation of negative values and large magnitudes */
  int64_t conv = 0;
  for (int i = 0; i < 300; i++) {
    double v = (i - 150) * 1234.5678 + (double)i / 3;
    conv += (int64_t)v + (int32_t)(float)v + (int64_t)(v * 1e9);
    conv ^= (int64_t)(uint32_t)(v > 0 ? v : -v);
  }
  put64(&o, (uint64_t)conv);
  /* denormals and rounding: repeated halving and products near the underflow threshold */
  double tiny = 1e-300, acc = 0;
  for (int i = 0; i < 40; i++) {
    tiny *= 0.1;
    acc += tiny * 3.0;
  }
  putbytes(&o, &acc, 8);
  float ftiny = 1e-30f;
  for (int i = 0; i < 20; i++) ftiny *= 0.25f;
  putbytes(&o, &ftiny, 4);
  double mx = -1e308, mn = 1e308;
  for (int i = 0; i < M; i++) {
    double v = mc[i][i];
    mx = v > mx ? v : mx;
    mn = v < mn ? v : mn;
  }
  putbytes(&o, &mx, 8);
  putbytes(&o, &mn, 8);
  double fl = 0;
  for (int i = -50; i < 50; i++) fl += round_down(i * 0.37) * (double)i;
  putbytes(&o, &fl, 8);
  return o.n;
}
