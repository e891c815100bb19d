/**
 * thread family: thread_create, thread_exit, thread_yield, and the legacy thread_tcb_set
 * (spec: syscalls `thread_*`; register set-up in digest §3.7).
 */
import { applyThreadStart, threadStartState } from '@cabi/elf-loader';
import { Reg } from '@cabi/x86-core';
import { Errno } from '../abi.js';
import { canRead, canWrite } from '../guest.js';
import { Thread } from '../process.js';
import { type Handler, NO_RETURN } from './common.js';
import { futexKey, userWords } from './lock.js';

/**
 * thread_create(attr) → tid: starts a thread in the calling process. `attr` is
 * `{ entry_point, stack, stack_len, argument }` (32 bytes). As on FreeBSD, the top 8 bytes of
 * the stack hold the TCB, the word below it a pointer to the TCB (the new FS base points at that
 * word), rsp is 16-byte aligned minus 8 with a zero fake return address, rdi = tid and
 * rsi = argument (the loader's threadStartState computes this). The new thread inherits the
 * caller's SSE/x87 state. EAGAIN beyond the thread limit; EINVAL for a stack too small to hold
 * the set-up; EFAULT for unreadable attributes or an unwritable stack.
 */
export const thread_create: Handler = (kernel, t, a) => {
  const proc = t.process;
  const mem = proc.memory;
  const attr = a[0] as number;
  if (!canRead(mem, attr, 32)) return Errno.EFAULT;
  const dv = mem.dv;
  const entry = dv.getBigUint64(attr, true);
  const stack = dv.getBigUint64(attr + 8, true);
  const stackLen = dv.getBigUint64(attr + 16, true);
  const argument = dv.getBigUint64(attr + 24, true);
  if (proc.threads.size >= kernel.limits.maxThreads) return Errno.EAGAIN;
  const tid = kernel.allocateTid();
  const start = threadStartState({
    entryPoint: Number(entry),
    stack: Number(stack),
    stackLen: Number(stackLen),
    argument: 0,
    tid,
  });
  if (!start || entry > 0xffffffffn) return Errno.EINVAL;
  for (const w of start.writes) if (!canWrite(mem, w.address, w.bytes.length)) return Errno.EFAULT;
  for (const w of start.writes) mem.writeBytes(w.address, w.bytes);
  const cpu = kernel.cpuFactory(mem);
  cpu.copyStateFrom(t.cpu);
  applyThreadStart(cpu, start);
  cpu.setReg(Reg.RSI, argument);
  const thread = new Thread(tid, proc, cpu);
  proc.threads.set(tid, thread);
  kernel.makeRunnable(thread);
  t.ret0 = tid;
  return Errno.SUCCESS;
};

/**
 * thread_exit(lock, scope): unlocks the thread's join lock like lock_unlock (waking a joiner
 * polling for a read lock on it), then ends the thread. The last thread ending ends the process
 * with exit code 0. Errors of the unlock cannot be reported (the call does not return).
 */
export const thread_exit: Handler = (kernel, t, a) => {
  const addr = a[0] as number;
  const key = futexKey(t.process, addr, a[1] as number);
  if (typeof key === 'string') kernel.futex.unlock(userWords(t.process), key, addr, t.tid);
  kernel.exitThread(t);
  return NO_RETURN;
};

/** thread_yield(): lets other threads run (the caller goes to the end of the run queue). */
export const thread_yield: Handler = (_k, t) => {
  t.yielded = true;
  return Errno.SUCCESS;
};

/** Legacy thread_tcb_set(tcb): sets the FS base (digest §3.2: pre-2016 crt0 used it). */
export const thread_tcb_set: Handler = (_k, t, a) => {
  const tcb = a[0] as number;
  // FreeBSD's cpu_set_user_tls refuses addresses outside the user address space.
  if (!Number.isSafeInteger(tcb) || tcb >= 0x8000_0000_0000) return Errno.EINVAL;
  t.cpu.fsBase = BigInt(tcb);
  return Errno.SUCCESS;
};
