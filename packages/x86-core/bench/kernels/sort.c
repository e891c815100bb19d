/* Branchy kernel: quicksort with insertion sort for small ranges, plus a checksum. */
#include "kernel.h"

#define N 100000
static int a[N];

static void insertion(int *v, int n) {
  for (int i = 1; i < n; i++) {
    int x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static void quick(int *v, int n) {
  while (n > 16) {
    int p = v[n / 2];
    int i = 0;
    int j = n - 1;
    while (i <= j) {
      while (v[i] < p) i++;
      while (v[j] > p) j--;
      if (i <= j) {
        int t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (j + 1 < n - i) {
      quick(v, j + 1);
      v += i;
      n -= i;
    } else {
      quick(v + i, n - i);
      n = j + 1;
    }
  }
  insertion(v, n);
}

unsigned long kernel(void) {
  unsigned int s = 12345;
  for (int i = 0; i < N; i++) {
    s = s * 1103515245u + 12345u;
    a[i] = (int)(s >> 1) - 0x20000000;
  }
  quick(a, N);
  unsigned long sum = 0;
  for (int i = 0; i < N; i++) sum = sum * 31 + (unsigned long)(unsigned int)a[i];
  return sum;
}
