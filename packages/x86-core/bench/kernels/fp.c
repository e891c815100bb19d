/* Floating-point kernel: a small n-body style integration in double precision (SSE2). */
#include "kernel.h"

#define NB 32
static double px[NB], py[NB], vx[NB], vy[NB], m[NB];

unsigned long kernel(void) {
  for (int i = 0; i < NB; i++) {
    px[i] = (double)(i * 7 % 13) - 6.0;
    py[i] = (double)(i * 5 % 11) - 5.0;
    vx[i] = 0.0;
    vy[i] = 0.0;
    m[i] = 1.0 + (double)(i % 3);
  }
  for (int step = 0; step < 300; step++) {
    for (int i = 0; i < NB; i++) {
      double ax = 0.0, ay = 0.0;
      for (int j = 0; j < NB; j++) {
        double dx = px[j] - px[i];
        double dy = py[j] - py[i];
        double d2 = dx * dx + dy * dy + 0.01;
        double inv = m[j] / (d2 * d2);
        ax += dx * inv;
        ay += dy * inv;
      }
      vx[i] += ax * 0.001;
      vy[i] += ay * 0.001;
    }
    for (int i = 0; i < NB; i++) {
      px[i] += vx[i] * 0.001;
      py[i] += vy[i] * 0.001;
    }
  }
  double e = 0.0;
  for (int i = 0; i < NB; i++) e += m[i] * (vx[i] * vx[i] + vy[i] * vy[i]) + px[i] * 0.5 + py[i] * 0.25;
  union {
    double d;
    unsigned long u;
  } bits = {e};
  return bits.u;
}
