import {
  createKernel,
  Errno,
  Eventtype,
  type ExitStatus,
  type FdSpec,
  type KernelOptions,
  LOCK_KERNEL_MANAGED,
  LOCK_WRLOCKED,
  Scope,
  type Tracer,
} from '../src/index.js';
import {
  type ScriptFunction,
  type ScriptGuest,
  ScriptProgram,
  type ScriptReply,
  type ScriptStep,
} from '../src/testing.js';

export type Gen = Generator<ScriptStep, void, ScriptReply>;

export interface RunOptions extends Partial<Omit<KernelOptions, 'cpu' | 'loader'>> {
  fds?: FdSpec[];
  argdata?: Uint8Array;
  trace?: Tracer;
  signal?: AbortSignal;
}

/** Runs a script program to completion and returns its exit status. */
export async function run(main: ScriptFunction, options: RunOptions = {}): Promise<ExitStatus> {
  const { fds, argdata, trace, signal, ...kernelOptions } = options;
  const program = new ScriptProgram();
  const kernel = createKernel({
    deterministic: true,
    ...kernelOptions,
    cpu: program.cpus(),
    loader: program.loader(),
  });
  const image = program.image('main', main);
  const proc = await kernel.spawn(image, {
    ...(fds ? { fds } : {}),
    ...(argdata ? { argdata } : {}),
    ...(trace ? { trace } : {}),
    ...(signal ? { signal } : {}),
  });
  return proc.wait();
}

/** Writes `text` to `fd` with one fd_write; returns the reply. */
export function* write(
  g: ScriptGuest,
  fd: number,
  text: string | Uint8Array,
): Generator<ScriptStep, ScriptReply, ScriptReply> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const buf = g.alloc(Math.max(1, bytes.length));
  g.memory.u8.set(bytes, buf);
  const iov = g.alloc(16);
  g.setU64(iov, buf);
  g.setU64(iov + 8, bytes.length);
  return yield g.sys('fd_write', fd, iov, 1);
}

/** Reads up to `len` bytes from `fd`; returns [reply, bytes]. */
export function* read(
  g: ScriptGuest,
  fd: number,
  len: number,
): Generator<ScriptStep, [ScriptReply, Uint8Array], ScriptReply> {
  const buf = g.alloc(Math.max(1, len));
  const iov = g.alloc(16);
  g.setU64(iov, buf);
  g.setU64(iov + 8, len);
  const r = yield g.sys('fd_read', fd, iov, 1);
  return [r, g.memory.u8.slice(buf, buf + (r.cf ? 0 : r.value))];
}

/** Exits with a failure code carrying a line number, so assertion failures inside scripts show. */
export function* check(g: ScriptGuest, ok: boolean, code: number): Gen {
  if (!ok) yield g.sys('proc_exit', 100 + code);
}

/** One poll subscription on a lock (cloudlibc's slow path). */
export function* pollLock(
  g: ScriptGuest,
  lock: number,
  type: number,
  scope: number = Scope.PRIVATE,
): Generator<ScriptStep, number, ScriptReply> {
  const sub = g.alloc(56);
  const ev = g.alloc(32);
  g.setU64(sub, 0x1234n);
  g.memory.u8[sub + 10] = type;
  g.setU64(sub + 16, lock);
  g.memory.u8[sub + 24] = scope;
  const r = yield g.sys('poll', sub, ev, 1);
  if (r.cf) return r.errno;
  if (r.value !== 1) return -1;
  return g.memory.dv.getUint16(ev + 8, true);
}

/** cloudlibc-style write lock: one userspace attempt, then poll(LOCK_WRLOCK). */
export function* lockWrite(
  g: ScriptGuest,
  lock: number,
  tid: number,
): Generator<ScriptStep, void, ScriptReply> {
  if (g.u32(lock) === 0) {
    g.setU32(lock, (tid | LOCK_WRLOCKED) >>> 0);
    return;
  }
  const e = yield* pollLock(g, lock, Eventtype.LOCK_WRLOCK);
  if (e !== 0) yield g.sys('proc_exit', 90);
}

/** cloudlibc-style write unlock. */
export function* unlockWrite(
  g: ScriptGuest,
  lock: number,
  tid: number,
): Generator<ScriptStep, void, ScriptReply> {
  const w = g.u32(lock);
  if ((w & LOCK_KERNEL_MANAGED) === 0 && w === (tid | LOCK_WRLOCKED) >>> 0) {
    g.setU32(lock, 0);
    return;
  }
  const r = yield g.sys('lock_unlock', lock, Scope.PRIVATE);
  if (r.cf) yield g.sys('proc_exit', 91);
}

/** cloudlibc-style condvar wait (lock held for writing). */
export function* condWait(
  g: ScriptGuest,
  cv: number,
  lock: number,
): Generator<ScriptStep, number, ScriptReply> {
  const sub = g.alloc(56);
  const ev = g.alloc(32);
  g.memory.u8[sub + 10] = Eventtype.CONDVAR;
  g.setU64(sub + 16, cv);
  g.setU64(sub + 24, lock);
  g.memory.u8[sub + 32] = Scope.PRIVATE;
  g.memory.u8[sub + 33] = Scope.PRIVATE;
  const r = yield g.sys('poll', sub, ev, 1);
  if (r.cf) return r.errno;
  return g.memory.dv.getUint16(ev + 8, true);
}

/** cloudlibc-style condvar signal/broadcast. */
export function* condSignal(g: ScriptGuest, cv: number, n: number): Generator<ScriptStep, void, ScriptReply> {
  if (g.u32(cv) !== 0) {
    const r = yield g.sys('condvar_signal', cv, Scope.PRIVATE, n);
    if (r.cf) yield g.sys('proc_exit', 92);
  }
}

/** Starts a thread running `body`; returns [tid, join-lock address]. */
export function* spawnThread(
  g: ScriptGuest,
  body: (g: ScriptGuest, tid: number) => Gen,
): Generator<ScriptStep, [number, number], ScriptReply> {
  const stack = g.alloc(4096);
  const join = g.alloc(8);
  const attr = g.alloc(32);
  const entry = g.entry(function* (tg) {
    const tid = Number(tg.rdi);
    tg.setU32(Number(tg.rsi), (tid | LOCK_WRLOCKED) >>> 0);
    yield* body(tg, tid);
    yield tg.sys('thread_exit', Number(tg.rsi), Scope.PRIVATE);
  });
  g.setU64(attr, entry);
  g.setU64(attr + 8, stack);
  g.setU64(attr + 16, 4096);
  g.setU64(attr + 24, join);
  const r = yield g.sys('thread_create', attr);
  if (r.cf) return [-r.errno, join];
  // Like cloudlibc: both sides store tid|WRLOCKED into the join lock.
  if (g.u32(join) === 0) g.setU32(join, (r.value | LOCK_WRLOCKED) >>> 0);
  return [r.value, join];
}

/** pthread_join: wait for the join lock to become read-lockable. */
export function* joinThread(g: ScriptGuest, join: number): Generator<ScriptStep, number, ScriptReply> {
  if (g.u32(join) & LOCK_WRLOCKED) return yield* pollLock(g, join, Eventtype.LOCK_RDLOCK);
  return 0;
}

export { Errno };
