/* Integer kernel: FNV-1a, CRC-32 (table), a 64-bit multiply-xorshift mixer and SipHash-like rounds. */
#include "rt.h"

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ul;
  while (n--) h = (h ^ *p++) * 0x100000001b3ul;
  return h;
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ul;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebul;
  return x ^ (x >> 31);
}

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t sip_rounds(uint64_t a, uint64_t b, int n) {
  uint64_t v0 = a, v1 = b ^ 0x646f72616e646f6dul, v2 = a ^ 0x6c7967656e657261ul, v3 = b;
  for (int i = 0; i < n; i++) {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t popcount(uint64_t v) {
  uint64_t n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

static uint8_t buf[8192];
static int32_t va[1024], vb[1024], vc[1024];

/* Vectorisable integer loops (SSE2, and SSE4.1 pminsd/pmaxsd/pmulld when built for x86-64-v2). */
static uint64_t vector_kernel(void) {
  for (int i = 0; i < 1024; i++) {
    va[i] = (int32_t)(buf[i] * 0x01010101u) - 0x40000000;
    vb[i] = (int32_t)(buf[i + 1024] << 20) ^ i;
  }
  for (int i = 0; i < 1024; i++) vc[i] = (va[i] < vb[i] ? va[i] : vb[i]) * 7 + (va[i] > vb[i] ? va[i] : vb[i]) * vb[i];
  uint64_t s = 0;
  for (int i = 0; i < 1024; i++) s += (uint32_t)vc[i] ^ (uint64_t)(uint8_t)(buf[i] == buf[i + 7]);
  return s;
}

ENTRY uint64_t prog_run(uint8_t *dst) {
  struct out o = {dst, 0};
  crc_init();
  uint64_t s = 0x123456789abcdeful;
  for (size_t i = 0; i < sizeof buf; i++) {
    s = mix(s + i);
    buf[i] = (uint8_t)(s >> 17);
  }
  for (size_t len = 1; len <= sizeof buf; len = len * 3 + 1) {
    put32(&o, crc32(buf, len));
    put64(&o, fnv1a(buf, len));
  }
  uint64_t acc = 0;
  for (int i = 0; i < 2000; i++) acc = sip_rounds(acc ^ (uint64_t)i, mix((uint64_t)i), 2 + (i & 3));
  put64(&o, acc);
  /* signed division, remainder, widening multiply, shifts by variable counts */
  int64_t q = 0;
  for (int64_t i = -1000; i < 1000; i += 7) {
    int64_t d = (i % 13) - 6;
    if (d == 0) d = 3;
    q += (i * 1000003) / d + (i * 7919) % d;
    q ^= (int64_t)((unsigned __int128)(uint64_t)q * 0x9e3779b97f4a7c15ul >> 64);
    q += (int64_t)((uint64_t)q >> (i & 63)) + (q << ((i >> 3) & 31));
  }
  put64(&o, (uint64_t)q);
  /* bit tricks: popcount, leading/trailing zeros, byte swaps */
  uint64_t bits = 0;
  for (int i = 1; i < 500; i++) {
    uint64_t v = mix((uint64_t)i);
    bits += popcount(v) + (uint64_t)__builtin_clzll(v | 1) * 3 + (uint64_t)__builtin_ctzll(v | (1ul << 63)) * 5;
    bits ^= __builtin_bswap64(v) ^ __builtin_bswap32((uint32_t)v);
  }
  put64(&o, bits);
  put64(&o, vector_kernel());
  return o.n;
}
