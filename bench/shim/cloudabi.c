/*
 * The CloudABI side of the bench API, over the fixtures runtime (fixtures/runtime). Argdata is a
 * map: `stdout: !fd` receives the report line, `size: int` is the workload size.
 */
#include "../kernels/bench.h"

static cabi_fd_t out;

void bench_out(const char *s, size_t n) { write_all(out, s, n); }

_Noreturn void bench_fail(const char *msg) {
  fd_puts(out, "bench failure: ");
  fd_puts(out, msg);
  fd_puts(out, "\n");
  exit(70);
}

void *bench_alloc(size_t n) {
  void *p = calloc(1, n);
  if (!p) bench_fail("out of memory");
  return p;
}

uint64_t bench_clock_ns(void) { return clock_ns(CABI_CLOCK_MONOTONIC); }
uint64_t bench_cpu_ns(void) { return clock_ns(CABI_CLOCK_PROCESS_CPUTIME_ID); }

struct bench_thread {
  rt_thread_t t;
};
struct bench_mutex {
  rt_mutex_t m;
};
struct bench_cond {
  rt_cond_t c;
};

bench_thread_t *bench_thread_start(void *(*fn)(void *), void *arg) {
  bench_thread_t *t = bench_alloc(sizeof(*t));
  if (rt_thread_create(&t->t, fn, arg, 64 * 1024) != 0) bench_fail("thread_create");
  return t;
}

void bench_thread_join(bench_thread_t *t) {
  if (rt_thread_join(t->t, NULL) != 0) bench_fail("thread_join");
}

bench_mutex_t *bench_mutex_new(void) {
  bench_mutex_t *m = bench_alloc(sizeof(*m));
  m->m.lock = CABI_LOCK_UNLOCKED;
  return m;
}
void bench_mutex_lock(bench_mutex_t *m) { rt_mutex_lock(&m->m); }
void bench_mutex_unlock(bench_mutex_t *m) { rt_mutex_unlock(&m->m); }

bench_cond_t *bench_cond_new(void) {
  bench_cond_t *c = bench_alloc(sizeof(*c));
  c->c.condvar = CABI_CONDVAR_HAS_NO_WAITERS;
  return c;
}
void bench_cond_wait(bench_cond_t *c, bench_mutex_t *m) { rt_cond_wait(&c->c, &m->m); }
void bench_cond_signal(bench_cond_t *c) { rt_cond_signal(&c->c); }
void bench_cond_broadcast(bench_cond_t *c) { rt_cond_broadcast(&c->c); }

void bench_socketpair(int fds[2]) {
  cabi_fd_t a, b;
  if (cabi_sys_fd_create2(CABI_FILETYPE_SOCKET_STREAM, &a, &b) != 0) bench_fail("fd_create2");
  fds[0] = (int)a;
  fds[1] = (int)b;
}

size_t bench_write(int fd, const void *buf, size_t n) {
  cabi_ciovec_t iov = {buf, n};
  size_t done;
  if (cabi_sys_fd_write((cabi_fd_t)fd, &iov, 1, &done) != 0) bench_fail("fd_write");
  return done;
}

size_t bench_read(int fd, void *buf, size_t n) {
  cabi_iovec_t iov = {buf, n};
  size_t done;
  if (cabi_sys_fd_read((cabi_fd_t)fd, &iov, 1, &done) != 0) bench_fail("fd_read");
  return done;
}

int program_main(const argdata_t *ad) {
  if (argdata_map_get_fd(ad, "stdout", &out) != 0) return 64;
  int64_t size;
  if (argdata_map_get_int(ad, "size", &size) != 0 || size < 0) {
    fd_puts(out, "argdata needs size: <non-negative int>\n");
    return 64;
  }
  uint64_t c0 = bench_cpu_ns(), t0 = bench_clock_ns();
  uint64_t sum = bench_run((uint64_t)size);
  uint64_t t1 = bench_clock_ns(), c1 = bench_cpu_ns();
  bench_report((uint64_t)size, sum, t1 - t0, c1 - c0);
  return 0;
}
