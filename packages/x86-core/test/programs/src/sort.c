/* Branchy kernel: quicksort, heapsort, insertion sort and a binary search over pseudo-random keys. */
#include "rt.h"

#define N 1000

static int32_t a[N], b[N];
static int64_t c[N];
static uint16_t d[N];

static uint32_t rng_state = 2463534242u;
static uint32_t xorshift(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static void quicksort(int32_t *v, long lo, long hi) {
  while (lo < hi) {
    int32_t p = v[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) i++;
      while (v[j] > p) j--;
      if (i <= j) {
        int32_t t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quicksort(v, lo, j);
      lo = i;
    } else {
      quicksort(v, i, hi);
      hi = j;
    }
  }
}

static void sift(int64_t *v, long start, long end) {
  long root = start;
  while (2 * root + 1 <= end) {
    long child = 2 * root + 1;
    if (child + 1 <= end && v[child] < v[child + 1]) child++;
    if (v[root] >= v[child]) return;
    int64_t t = v[root];
    v[root] = v[child];
    v[child] = t;
    root = child;
  }
}

static void heapsort(int64_t *v, long n) {
  for (long s = (n - 2) / 2; s >= 0; s--) sift(v, s, n - 1);
  for (long e = n - 1; e > 0; e--) {
    int64_t t = v[0];
    v[0] = v[e];
    v[e] = t;
    sift(v, 0, e - 1);
  }
}

static void insertion(uint16_t *v, long n) {
  for (long i = 1; i < n; i++) {
    uint16_t x = v[i];
    long j = i - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static long bsearch32(const int32_t *v, long n, int32_t key) {
  long lo = 0, hi = n - 1;
  while (lo <= hi) {
    long mid = (lo + hi) >> 1;
    if (v[mid] < key) lo = mid + 1;
    else if (v[mid] > key) hi = mid - 1;
    else return mid;
  }
  return -1 - lo;
}

ENTRY uint64_t prog_run(uint8_t *dst) {
  struct out o = {dst, 0};
  for (long i = 0; i < N; i++) {
    a[i] = (int32_t)xorshift();
    b[i] = a[i];
    c[i] = (int64_t)(((uint64_t)xorshift() << 32) | xorshift()) >> (i & 15);
    d[i] = (uint16_t)(xorshift() % 1000);
  }
  quicksort(a, 0, N - 1);
  heapsort(c, N);
  insertion(d, N);
  uint64_t h = 0;
  for (long i = 0; i < N; i++) h = (h ^ (uint32_t)a[i]) * 31 + (uint64_t)c[i] + d[i];
  put64(&o, h);
  long found = 0;
  for (long i = 0; i < N; i += 3) found += bsearch32(a, N, b[i]) >= 0;
  for (long i = 0; i < 200; i++) found += bsearch32(a, N, (int32_t)xorshift()) + N;
  put64(&o, (uint64_t)found);
  for (long i = 0; i < N; i += 37) {
    put32(&o, (uint32_t)a[i]);
    put64(&o, (uint64_t)c[i]);
    put8(&o, (uint8_t)d[i]);
  }
  return o.n;
}
