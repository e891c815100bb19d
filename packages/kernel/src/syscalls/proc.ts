/**
 * proc family: proc_exec, proc_exit, proc_fork, proc_raise (spec: syscalls `proc_*`; digest
 * §3.8, §3.11).
 */
import { Reg } from '@cabi/x86-core';
import { Errno, PROCESS_CHILD, Rights, Signal } from '../abi.js';
import { isErr } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import { FdTable } from '../fd-table.js';
import { canRead, copyIn } from '../guest.js';
import { ProcessFd } from '../objects/process-fd.js';
import { Process, syncOut, Thread } from '../process.js';
import { cloneRegions, sharedChanged } from '../shared-pages.js';
import { andThen, type Handler, NO_RETURN } from './common.js';

/** proc_exit(rval): ends the process (all its threads) with exit code `rval`. */
export const proc_exit: Handler = (kernel, t, a) => {
  kernel.exitProcess(t.process, a[0] as number);
  return NO_RETURN;
};

/**
 * proc_raise(sig): sends a signal to the calling process with its default action (there are no
 * handlers in CloudABI): SIGCHLD, SIGURG and SIGPIPE are ignored, stop signals stop the process,
 * SIGCONT continues, everything else terminates. Signal 0 does nothing; unknown numbers are EINVAL.
 */
export const proc_raise: Handler = (kernel, t, a) => {
  const sig = a[0] as number;
  if (sig === 0) return Errno.SUCCESS;
  if (sig > 26) return Errno.EINVAL;
  kernel.killProcess(t.process, sig, 'raised by the process');
  return t.process.termination ? NO_RETURN : Errno.SUCCESS;
};

/**
 * proc_fork() → fd, tid: duplicates the process with only the calling thread (address space
 * copied, fd table shared object by object). The parent receives a process fd (rights:
 * FILE_STAT_FGET, POLL_PROC_TERMINATE; closing it kills the child) and the child's thread id;
 * the child sees PROCESS_CHILD and its own new thread id. EAGAIN beyond the process limit,
 * EMFILE when the parent's fd table is full, ENOMEM when the copy exceeds the memory limit.
 */
export const proc_fork: Handler = (kernel, t) => {
  const parent = t.process;
  if (kernel.liveProcesses >= kernel.limits.maxProcesses) return Errno.EAGAIN;
  if (parent.fds.size >= parent.fds.limit) return Errno.EMFILE;
  syncOut(parent);
  const memory = parent.memory.clone();
  const fds = parent.fds.clone();
  const child = new Process(kernel.nextPidValue(), memory, fds, parent.vdsoBase, parent.vdsoEnd);
  child.sharedRegions = cloneRegions(parent.sharedRegions);
  sharedChanged(child);
  const tid = kernel.allocateTid();
  const cpu = kernel.cpuFactory(memory);
  cpu.copyStateFrom(t.cpu);
  cpu.setRegNumber(Reg.RAX, PROCESS_CHILD);
  cpu.setRegNumber(Reg.RDX, tid);
  cpu.setRflags(cpu.getRflags() & ~1);
  const thread = new Thread(tid, child, cpu);
  child.threads.set(tid, thread);
  kernel.adoptProcess(child, parent);
  const pfd = parent.fds.insert(new ProcessFd(child), {
    base: Rights.FILE_STAT_FGET | Rights.POLL_PROC_TERMINATE,
    inheriting: 0n,
  });
  if (isErr(pfd)) {
    kernel.killProcess(child, Signal.SIGKILL);
    return pfd.errno;
  }
  kernel.makeRunnable(thread);
  t.ret0 = pfd;
  t.ret1 = tid;
  return Errno.SUCCESS;
};

/** FreeBSD's ARG_MAX: the largest argdata proc_exec accepts. */
export const ARG_MAX = 262144;

/**
 * proc_exec(fd, data, data_len, fds, fds_len): replaces the process image with the executable
 * read from `fd` (needs PROC_EXEC), with a copy of `data` as argdata. The new fd table holds
 * exactly the listed fds, old fd `fds[i]` becoming fd i with its rights; every other fd is
 * closed and every other thread ends. E2BIG for too much argdata or more fds than
 * (highest fd + 1); EBADF for a closed fd in the list; EINVAL for an object that cannot be
 * passed; ENOEXEC when the image cannot be loaded (the process continues unchanged).
 */
export const proc_exec: Handler = (kernel, t, a) => {
  const proc = t.process;
  const e = proc.fds.get(a[0] as number, Rights.PROC_EXEC);
  if (isErr(e)) return e.errno;
  const dataLen = a[2] as number;
  if (dataLen >= ARG_MAX) return Errno.E2BIG;
  const data = copyIn(proc.memory, a[1] as number, dataLen);
  if (!data) return Errno.EFAULT;
  const nfds = a[4] as number;
  if (nfds > proc.fds.highest + 1) return Errno.E2BIG;
  const fdsPtr = a[3] as number;
  if (!canRead(proc.memory, fdsPtr, nfds * 4)) return Errno.EFAULT;
  const list: number[] = [];
  for (let i = 0; i < nfds; i++) list.push(proc.memory.dv.getUint32(fdsPtr + i * 4, true));
  const table = new FdTable(proc.fds.limit);
  for (let i = 0; i < list.length; i++) {
    const entry = proc.fds.peek(list[i]!);
    if (!entry) {
      table.closeAll();
      return Errno.EBADF;
    }
    if (!entry.object.passable) {
      table.closeAll();
      return Errno.EINVAL;
    }
    table.place(i, entry);
  }
  return andThen(readAll(e.object), (image) => {
    if (typeof image === 'number') {
      table.closeAll();
      return image;
    }
    const r = kernel.execProcess(t, image, data, table);
    if (r !== Errno.SUCCESS) table.closeAll();
    return r === Errno.SUCCESS ? NO_RETURN : r;
  });
};

/** Reads a whole executable from an fd object with pread (files) or stat + read. */
function readAll(object: FdObject): Promise<number | Uint8Array> {
  return Promise.resolve(object.stat()).then(async (st) => {
    if (isErr(st)) return st.errno;
    const size = Number(st.size);
    if (size > 256 * 1024 * 1024) return Errno.ENOMEM;
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const chunk = await object.pread(size - at, at);
      if (isErr(chunk)) return chunk.errno;
      if (chunk.length === 0) break;
      out.set(chunk, at);
      at += chunk.length;
    }
    return out.subarray(0, at);
  });
}
