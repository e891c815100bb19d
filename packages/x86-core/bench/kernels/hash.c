/* Integer/hash kernel: FNV-1a and a 64-bit mixer over a generated buffer. */
#include "kernel.h"

static unsigned char buf[4096];

unsigned long kernel(void) {
  unsigned long x = 0x9e3779b97f4a7c15ul;
  for (int i = 0; i < (int)sizeof buf; i++) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    buf[i] = (unsigned char)((x * 0x2545f4914f6cdd1dul) >> 56);
  }
  unsigned long acc = 0;
  for (int round = 0; round < 400; round++) {
    unsigned long h = 0xcbf29ce484222325ul ^ (unsigned long)round;
    for (int i = 0; i < (int)sizeof buf; i++) {
      h ^= buf[i];
      h *= 0x100000001b3ul;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdul;
    h ^= h >> 33;
    acc += h;
  }
  return acc;
}
