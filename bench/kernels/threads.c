/*
 * Thread heavy: two producers and two consumers contend on one mutex around a 16-slot bounded
 * queue with "not full" and "not empty" condition variables; each producer pushes `size` items.
 * Checksum: the (order-independent) wrapping sum of all consumed items and their count.
 */
#include "bench.h"

const char bench_name[] = "threads";

#define SLOTS 16
#define PRODUCERS 2
#define CONSUMERS 2

static struct {
  bench_mutex_t *lock;
  bench_cond_t *not_full, *not_empty;
  uint64_t items[SLOTS];
  unsigned head, count;
  uint64_t per_producer;
  uint64_t sum, consumed;
} q;

static void push(uint64_t v) {
  bench_mutex_lock(q.lock);
  while (q.count == SLOTS) bench_cond_wait(q.not_full, q.lock);
  q.items[(q.head + q.count) % SLOTS] = v;
  q.count++;
  bench_cond_signal(q.not_empty);
  bench_mutex_unlock(q.lock);
}

static uint64_t pop(void) {
  bench_mutex_lock(q.lock);
  while (q.count == 0) bench_cond_wait(q.not_empty, q.lock);
  uint64_t v = q.items[q.head];
  q.head = (q.head + 1) % SLOTS;
  q.count--;
  bench_cond_signal(q.not_full);
  bench_mutex_unlock(q.lock);
  return v;
}

static void *producer(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; i < q.per_producer; i++) push(bench_mix(id << 32 | i) | 1);
  return NULL;
}

static void *consumer(void *arg) {
  (void)arg;
  uint64_t sum = 0, n = 0;
  for (;;) {
    uint64_t v = pop();
    if (v == 0) break; /* the end marker: items are odd */
    sum += v;
    n++;
  }
  bench_mutex_lock(q.lock);
  q.sum += sum;
  q.consumed += n;
  bench_mutex_unlock(q.lock);
  return NULL;
}

uint64_t bench_run(uint64_t size) {
  q.lock = bench_mutex_new();
  q.not_full = bench_cond_new();
  q.not_empty = bench_cond_new();
  q.per_producer = size;
  bench_thread_t *p[PRODUCERS], *c[CONSUMERS];
  for (uintptr_t i = 0; i < CONSUMERS; i++) c[i] = bench_thread_start(consumer, (void *)i);
  for (uintptr_t i = 0; i < PRODUCERS; i++) p[i] = bench_thread_start(producer, (void *)(i + 1));
  for (int i = 0; i < PRODUCERS; i++) bench_thread_join(p[i]);
  for (int i = 0; i < CONSUMERS; i++) push(0);
  for (int i = 0; i < CONSUMERS; i++) bench_thread_join(c[i]);
  if (q.consumed != PRODUCERS * size) bench_fail("lost items");
  return bench_mix(q.sum) ^ q.consumed;
}
