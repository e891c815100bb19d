/*
 * Buffer work dominated by block copies: `size` rounds of 64 operations on a 256 KiB buffer, each
 * a non-overlapping copy between its halves (memcpy-like) or an overlapping shift within one half
 * (memmove-like), lengths 1..4096 bytes, at byte offsets of any alignment. The copy loops are our
 * own (8-byte words, then bytes) rather than the C library's, so the native and the CloudABI build
 * run the same algorithm. Checksum: a hash of the final buffer.
 */
#include "bench.h"

const char bench_name[] = "buffer";

#define HALF (128 * 1024)
#define MAXLEN 4096

static void copy_forward(uint8_t *d, const uint8_t *s, size_t n) {
  while (n >= 8) {
    uint64_t w;
    __builtin_memcpy(&w, s, 8);
    __builtin_memcpy(d, &w, 8);
    d += 8;
    s += 8;
    n -= 8;
  }
  while (n--) *d++ = *s++;
}

static void copy_backward(uint8_t *d, const uint8_t *s, size_t n) {
  d += n;
  s += n;
  while (n >= 8) {
    uint64_t w;
    d -= 8;
    s -= 8;
    n -= 8;
    __builtin_memcpy(&w, s, 8);
    __builtin_memcpy(d, &w, 8);
  }
  while (n--) *--d = *--s;
}

/* memmove semantics: correct for overlapping ranges in either direction. */
static void move(uint8_t *d, const uint8_t *s, size_t n) {
  if (d <= s) copy_forward(d, s, n);
  else copy_backward(d, s, n);
}

uint64_t bench_run(uint64_t size) {
  uint8_t *buf = bench_alloc(2 * HALF);
  for (size_t i = 0; i < 2 * HALF; i++) buf[i] = (uint8_t)bench_mix(i);
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  for (uint64_t round = 0; round < size; round++) {
    for (int op = 0; op < 64; op++) {
      rng = bench_mix(rng + op);
      size_t len = 1 + (size_t)(rng & (MAXLEN - 1));
      size_t a = (size_t)(rng >> 12) % (HALF - MAXLEN);
      size_t b = (size_t)(rng >> 32) % (HALF - MAXLEN);
      int lower = (int)(rng >> 63);
      uint8_t *src = buf + (lower ? 0 : HALF);
      uint8_t *dst = buf + (lower ? HALF : 0);
      if (op & 1) {
        copy_forward(dst + b, src + a, len);
      } else {
        /* Overlapping shift inside one half by up to ±255 bytes. */
        size_t delta = 1 + (size_t)((rng >> 20) & 255);
        if (a >= delta && (rng & (1u << 10))) move(src + a - delta, src + a, len);
        else move(src + a + delta, src + a, len);
      }
      buf[(rng >> 40) % (2 * HALF)] ^= (uint8_t)round;
    }
  }
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < 2 * HALF; i += 8) {
    uint64_t w;
    __builtin_memcpy(&w, buf + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  return h;
}
