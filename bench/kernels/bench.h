/*
 * bench.h — the small API the benchmark kernels are written against. The same kernel source is
 * compiled twice: for CloudABI against the fixtures runtime (shim/cloudabi.c) and natively for
 * Linux with gcc against libc and pthreads (shim/native.c).
 *
 * A kernel defines `bench_name` and `bench_run`; the shim reads the size parameter (argdata key
 * `size` on CloudABI, argv[1] natively), calls bench_run and prints one line through bench_report.
 */
#ifndef BENCH_H
#define BENCH_H

#ifdef BENCH_CLOUDABI
#include <rt.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

/* ---- provided by each kernel ---- */
extern const char bench_name[];
/* Runs the workload at `size` and returns its checksum. */
uint64_t bench_run(uint64_t size);

/* ---- provided by the shims ---- */
/* Writes n bytes to the program's output. */
void bench_out(const char *s, size_t n);
/* Zero-filled memory for the whole run (never freed); aborts the program when out of memory. */
void *bench_alloc(size_t n);
/* Monotonic clock in nanoseconds. */
uint64_t bench_clock_ns(void);
/* CPU time of the whole process (all threads) in nanoseconds. */
uint64_t bench_cpu_ns(void);
/* Ends the program with a message (for failed invariants). */
_Noreturn void bench_fail(const char *msg);

/* Threads, mutexes and condition variables. */
typedef struct bench_thread bench_thread_t;
typedef struct bench_mutex bench_mutex_t;
typedef struct bench_cond bench_cond_t;
bench_thread_t *bench_thread_start(void *(*fn)(void *), void *arg);
void bench_thread_join(bench_thread_t *t);
bench_mutex_t *bench_mutex_new(void);
void bench_mutex_lock(bench_mutex_t *m);
void bench_mutex_unlock(bench_mutex_t *m);
bench_cond_t *bench_cond_new(void);
void bench_cond_wait(bench_cond_t *c, bench_mutex_t *m);
void bench_cond_signal(bench_cond_t *c);
void bench_cond_broadcast(bench_cond_t *c);

/* A connected pair of stream sockets; fds[0] and fds[1] are both readable and writable. */
void bench_socketpair(int fds[2]);
/* One write/read system call each; return the byte count (fails the program on error). */
size_t bench_write(int fd, const void *buf, size_t n);
size_t bench_read(int fd, void *buf, size_t n);

/* ---- common.c: shared by both builds ---- */
/* Prints "<name> size=<size> checksum=<16 hex digits> ns=<elapsed> cpu=<process CPU time, ns>". */
void bench_report(uint64_t size, uint64_t checksum, uint64_t elapsed_ns, uint64_t cpu_ns);
/* A 64-bit mixing step (splitmix64 finaliser) for checksums and pseudo-random data. */
static inline uint64_t bench_mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

#endif
