/*
 * Freestanding runtime shared by the differential test programs: each program defines
 * `prog_run(out)`, writes its results into `out` and returns how many bytes it wrote. The same object
 * file is linked into a native executable (driver.c) and into a flat image the emulator runs.
 */
#ifndef CABI_TEST_RT_H
#define CABI_TEST_RT_H

typedef unsigned long size_t;
typedef unsigned long uint64_t;
typedef long int64_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned short uint16_t;
typedef unsigned char uint8_t;

#define ENTRY __attribute__((section(".text.entry"), used))

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* An output cursor over the result buffer. */
struct out {
  uint8_t *p;
  size_t n;
};

static inline void put8(struct out *o, uint8_t v) { o->p[o->n++] = v; }
static inline void put32(struct out *o, uint32_t v) {
  for (int i = 0; i < 4; i++) put8(o, (uint8_t)(v >> (8 * i)));
}
static inline void put64(struct out *o, uint64_t v) {
  for (int i = 0; i < 8; i++) put8(o, (uint8_t)(v >> (8 * i)));
}
static inline void putstr(struct out *o, const char *s) {
  while (*s) put8(o, (uint8_t)*s++);
}
static inline void putbytes(struct out *o, const void *v, size_t n) {
  memcpy(o->p + o->n, v, n);
  o->n += n;
}

#endif
