import { GuestMemory, PROT_READ, PROT_WRITE } from '@cabi/x86-core';
import { RIGHTS_ALL } from '../../src/abi.js';
import type { FdObject } from '../../src/fd-object.js';
import { FdTable } from '../../src/fd-table.js';
import type { Kernel } from '../../src/kernel.js';
import type { Thread } from '../../src/process.js';
import type { Handler } from '../../src/syscalls/common.js';

/** Calls syscall handlers directly on a minimal process (fd table + guest memory). */
export class Harness {
  readonly memory = new GuestMemory();
  readonly fds = new FdTable(1024);
  readonly thread: Thread;
  private next = 0x10000;
  constructor() {
    this.memory.map(0x10000, 0x400000, PROT_READ | PROT_WRITE);
    this.thread = { process: { fds: this.fds, memory: this.memory }, ret0: 0, ret1: 0 } as unknown as Thread;
  }
  /** Places `object` in the fd table with the given rights (default: everything its type allows). */
  add(object: FdObject, base: bigint = RIGHTS_ALL, inheriting: bigint = RIGHTS_ALL): number {
    const fd = this.fds.insert(object, { base, inheriting });
    if (typeof fd !== 'number') throw new Error('fd table full');
    return fd;
  }
  alloc(size: number): number {
    const at = this.next;
    this.next += (size + 15) & ~15;
    return at;
  }
  bytes(data: string | Uint8Array): [number, number] {
    const b = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const at = this.alloc(Math.max(1, b.length));
    this.memory.u8.set(b, at);
    return [at, b.length];
  }
  async call(handler: Handler, ...args: (number | bigint)[]): Promise<number> {
    this.thread.ret0 = 0;
    return await handler({} as Kernel, this.thread, args);
  }
  u8(at: number, len: number): Uint8Array {
    return this.memory.u8.slice(at, at + len);
  }
  dv(): DataView {
    return this.memory.dv;
  }
}

/** An fdstat for file_open: flags and rights. */
export function fdstat(h: Harness, flags: number, base: bigint, inheriting: bigint): number {
  const at = h.alloc(24);
  h.memory.dv.setUint16(at + 2, flags, true);
  h.memory.dv.setBigUint64(at + 8, base, true);
  h.memory.dv.setBigUint64(at + 16, inheriting, true);
  return at;
}
