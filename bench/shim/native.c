/* The native (Linux, libc + pthreads) side of the bench API: `<kernel> <size>`. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../kernels/bench.h"

void bench_out(const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, s, n);
    if (w <= 0) exit(71);
    s += w;
    n -= (size_t)w;
  }
}

_Noreturn void bench_fail(const char *msg) {
  fprintf(stdout, "bench failure: %s\n", msg);
  fflush(stdout);
  exit(70);
}

void *bench_alloc(size_t n) {
  void *p = calloc(1, n);
  if (!p) bench_fail("out of memory");
  return p;
}

uint64_t bench_clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct bench_thread {
  pthread_t t;
};
struct bench_mutex {
  pthread_mutex_t m;
};
struct bench_cond {
  pthread_cond_t c;
};

bench_thread_t *bench_thread_start(void *(*fn)(void *), void *arg) {
  bench_thread_t *t = bench_alloc(sizeof(*t));
  if (pthread_create(&t->t, NULL, fn, arg) != 0) bench_fail("pthread_create");
  return t;
}

void bench_thread_join(bench_thread_t *t) {
  if (pthread_join(t->t, NULL) != 0) bench_fail("pthread_join");
}

bench_mutex_t *bench_mutex_new(void) {
  bench_mutex_t *m = bench_alloc(sizeof(*m));
  pthread_mutex_init(&m->m, NULL);
  return m;
}
void bench_mutex_lock(bench_mutex_t *m) { pthread_mutex_lock(&m->m); }
void bench_mutex_unlock(bench_mutex_t *m) { pthread_mutex_unlock(&m->m); }

bench_cond_t *bench_cond_new(void) {
  bench_cond_t *c = bench_alloc(sizeof(*c));
  pthread_cond_init(&c->c, NULL);
  return c;
}
void bench_cond_wait(bench_cond_t *c, bench_mutex_t *m) { pthread_cond_wait(&c->c, &m->m); }
void bench_cond_signal(bench_cond_t *c) { pthread_cond_signal(&c->c); }
void bench_cond_broadcast(bench_cond_t *c) { pthread_cond_broadcast(&c->c); }

void bench_socketpair(int fds[2]) {
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) bench_fail("socketpair");
}

size_t bench_write(int fd, const void *buf, size_t n) {
  ssize_t r = write(fd, buf, n);
  if (r < 0) bench_fail("write");
  return (size_t)r;
}

size_t bench_read(int fd, void *buf, size_t n) {
  ssize_t r = read(fd, buf, n);
  if (r < 0) bench_fail("read");
  return (size_t)r;
}

int main(int argc, char **argv) {
  char *end;
  if (argc != 2 || argv[1][0] < '0' || argv[1][0] > '9') {
    fprintf(stderr, "usage: %s <size>\n", argv[0]);
    return 64;
  }
  unsigned long long size = strtoull(argv[1], &end, 10);
  if (*end != '\0') {
    fprintf(stderr, "usage: %s <size>\n", argv[0]);
    return 64;
  }
  uint64_t c0 = bench_cpu_ns(), t0 = bench_clock_ns();
  uint64_t sum = bench_run(size);
  uint64_t t1 = bench_clock_ns(), c1 = bench_cpu_ns();
  bench_report(size, sum, t1 - t0, c1 - c0);
  return 0;
}
