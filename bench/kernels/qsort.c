/*
 * Quicksort (median of three, Hoare partition, insertion sort below 16 elements, recursion on
 * the smaller side) of `size` pseudo-random 32-bit keys. Checksum: a position-weighted hash of
 * the sorted array; the program fails if the result is not sorted.
 */
#include "bench.h"

const char bench_name[] = "qsort";

static void insertion(uint32_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    uint32_t v = a[i];
    size_t j = i;
    while (j > 0 && a[j - 1] > v) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = v;
  }
}

static inline void swap(uint32_t *a, uint32_t *b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

static void quicksort(uint32_t *a, size_t n) {
  while (n > 16) {
    size_t mid = n / 2;
    if (a[mid] < a[0]) swap(&a[mid], &a[0]);
    if (a[n - 1] < a[0]) swap(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid]) swap(&a[n - 1], &a[mid]);
    uint32_t pivot = a[mid];
    size_t i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i >= j) break;
      swap(&a[i], &a[j]);
      i++;
      j--;
    }
    /* [0, j] and [j + 1, n) */
    size_t left = j + 1;
    if (left < n - left) {
      quicksort(a, left);
      a += left;
      n -= left;
    } else {
      quicksort(a + left, n - left);
      n = left;
    }
  }
  insertion(a, n);
}

uint64_t bench_run(uint64_t size) {
  uint32_t *a = bench_alloc((size + 1) * sizeof(uint32_t));
  uint64_t x = 0x2545f4914f6cdd1dull;
  for (uint64_t i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    a[i] = (uint32_t)(x >> 16);
  }
  quicksort(a, (size_t)size);
  uint64_t sum = size;
  for (uint64_t i = 0; i < size; i++) {
    if (i > 0 && a[i - 1] > a[i]) bench_fail("not sorted");
    sum = (sum ^ a[i]) * 0x100000001b3ull + i;
  }
  return sum;
}
