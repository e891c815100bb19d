/*
 * Test support for approx.ts: runs RCPPS or RSQRTPS on the host CPU over an arithmetic sequence of
 * binary32 inputs and writes the results to stdout as little-endian uint32 values.
 *
 *   approx-probe OP START COUNT STRIDE [MXCSR]
 *
 * OP is 0 for rcpps, 1 for rsqrtps; input k is (START + k * STRIDE) mod 2^32; MXCSR (hex) is loaded
 * first when given.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: approx-probe OP START COUNT STRIDE [MXCSR]\n");
    return 2;
  }
  int op = atoi(argv[1]);
  uint32_t start = (uint32_t)strtoul(argv[2], NULL, 0);
  uint64_t count = strtoull(argv[3], NULL, 0);
  uint32_t stride = (uint32_t)strtoul(argv[4], NULL, 0);
  if (argc > 5) _mm_setcsr((unsigned)strtoul(argv[5], NULL, 16));
  static uint32_t buf[1 << 16];
  uint64_t k = 0;
  while (k < count) {
    size_t n = 0;
    for (; n < (1u << 16) && k < count; n += 4, k += 4) {
      uint32_t x0 = start + (uint32_t)k * stride;
      __m128i v = _mm_setr_epi32((int)x0, (int)(x0 + stride), (int)(x0 + 2 * stride), (int)(x0 + 3 * stride));
      __m128 r = op ? _mm_rsqrt_ps(_mm_castsi128_ps(v)) : _mm_rcp_ps(_mm_castsi128_ps(v));
      _mm_storeu_si128((__m128i *)&buf[n], _mm_castps_si128(r));
    }
    if (k > count) n -= (size_t)(k - count);
    if (fwrite(buf, 4, n, stdout) != n) return 1;
  }
  return 0;
}
