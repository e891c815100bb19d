/*
 * System-call heavy: over a connected stream socket pair, `size` rounds of 16 one-byte writes and
 * 16 one-byte reads, then one 16-byte write read back as two 8-byte reads (34 calls a round).
 * Checksum: a hash of every byte read back, in order.
 */
#include "bench.h"

const char bench_name[] = "syscall";

uint64_t bench_run(uint64_t size) {
  int fds[2];
  bench_socketpair(fds);
  uint64_t sum = 0x84222325cbf29ce4ull;
  uint8_t block[16];
  for (uint64_t r = 0; r < size; r++) {
    for (int i = 0; i < 16; i++) {
      uint8_t c = (uint8_t)(r * 31 + (uint64_t)i * 7);
      if (bench_write(fds[0], &c, 1) != 1) bench_fail("short write");
    }
    for (int i = 0; i < 16; i++) {
      uint8_t c;
      if (bench_read(fds[1], &c, 1) != 1) bench_fail("short read");
      sum = (sum ^ c) * 0x100000001b3ull;
    }
    for (int i = 0; i < 16; i++) block[i] = (uint8_t)(r + (uint64_t)i * 13);
    if (bench_write(fds[1], block, 16) != 16) bench_fail("short block write");
    for (int half = 0; half < 2; half++) {
      uint8_t in[8];
      size_t got = 0;
      while (got < 8) got += bench_read(fds[0], in + got, 8 - got);
      for (int i = 0; i < 8; i++) sum = (sum ^ in[i]) * 0x100000001b3ull;
    }
  }
  return sum;
}
