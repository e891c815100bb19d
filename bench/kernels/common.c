/* Output formatting shared by the CloudABI and native builds, so both print byte-identical lines. */
#include "bench.h"

static size_t put_dec(char *p, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
  return n;
}

static size_t put_str(char *p, const char *s) {
  size_t n = 0;
  while (s[n]) {
    p[n] = s[n];
    n++;
  }
  return n;
}

void bench_report(uint64_t size, uint64_t checksum, uint64_t elapsed_ns, uint64_t cpu_ns) {
  char line[160];
  size_t n = put_str(line, bench_name);
  n += put_str(line + n, " size=");
  n += put_dec(line + n, size);
  n += put_str(line + n, " checksum=");
  for (int shift = 60; shift >= 0; shift -= 4) line[n++] = "0123456789abcdef"[(checksum >> shift) & 15];
  n += put_str(line + n, " ns=");
  n += put_dec(line + n, elapsed_ns);
  n += put_str(line + n, " cpu=");
  n += put_dec(line + n, cpu_ns);
  line[n++] = '\n';
  bench_out(line, n);
}
