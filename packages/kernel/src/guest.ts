/**
 * Bounds- and protection-checked access to guest memory for syscall handlers.
 *
 * A guest pointer is just a number; before the kernel reads or writes through it, the range must
 * be mapped with the needed protection (FreeBSD's copyin/copyout fail the same way). Every helper
 * returns -1 / false / null instead of throwing, so a bad pointer becomes EFAULT and never a host
 * exception.
 */
import { type GuestMemory, PROT_READ, PROT_WRITE } from '@cabi/x86-core';

/** True when `[addr, addr+len)` is readable guest memory. */
export function canRead(mem: GuestMemory, addr: number, len: number): boolean {
  return Number.isSafeInteger(addr) && Number.isSafeInteger(len) && mem.check(addr, len, PROT_READ);
}

/** True when `[addr, addr+len)` is writable guest memory. */
export function canWrite(mem: GuestMemory, addr: number, len: number): boolean {
  return Number.isSafeInteger(addr) && Number.isSafeInteger(len) && mem.check(addr, len, PROT_WRITE);
}

/** Reads a u32, or -1 when the word is not readable. */
export function loadU32(mem: GuestMemory, addr: number): number {
  return canRead(mem, addr, 4) ? mem.dv.getUint32(addr, true) : -1;
}

/** Stores a u32 through the CPU's checked path (invalidating cached code); false on a bad address. */
export function storeU32(mem: GuestMemory, addr: number, value: number): boolean {
  if (!canWrite(mem, addr, 4)) return false;
  mem.write32(addr, value | 0);
  return true;
}

/** Copies bytes out of guest memory, or null when the range is not readable. */
export function copyIn(mem: GuestMemory, addr: number, len: number): Uint8Array | null {
  if (!canRead(mem, addr, len)) return null;
  return mem.u8.slice(addr, addr + len);
}

/** Copies bytes into guest memory; false when the range is not writable. */
export function copyOut(mem: GuestMemory, addr: number, data: Uint8Array): boolean {
  if (!canWrite(mem, addr, data.length)) return false;
  if (data.length > 0) mem.writeBytes(addr, data);
  return true;
}

/** One guest buffer of an iovec array. */
export interface IoVec {
  buf: number;
  len: number;
}

/** Most iovecs one call may pass (FreeBSD's IOV_MAX). */
export const IOV_MAX = 1024;

/**
 * Reads an iovec/ciovec array (16 bytes each: pointer, length; spec: struct `iovec`). Returns an
 * errno for a bad array (EFAULT), too many entries or a total length overflowing (EINVAL).
 * The buffers themselves are checked by the caller, with the access it needs.
 */
export function readIovecs(mem: GuestMemory, ptr: number, count: number): IoVec[] | number {
  if (count > IOV_MAX) return 28; // EINVAL
  if (count === 0) return [];
  if (!canRead(mem, ptr, count * 16)) return 21; // EFAULT
  const out: IoVec[] = [];
  let total = 0;
  const dv = mem.dv;
  for (let i = 0; i < count; i++) {
    const lo = dv.getUint32(ptr + i * 16, true);
    const hi = dv.getUint32(ptr + i * 16 + 4, true);
    const llo = dv.getUint32(ptr + i * 16 + 8, true);
    const lhi = dv.getUint32(ptr + i * 16 + 12, true);
    // Lengths and pointers beyond 2^53 can never be valid in a 4 GiB address space.
    if (lhi >= 0x200000 || hi >= 0x200000) return lhi >= 0x80000000 ? 28 : 21;
    const len = lhi * 0x100000000 + llo;
    total += len;
    if (total > 0x7fffffff_ffff) return 28; // EINVAL: SSIZE_MAX-style overflow
    out.push({ buf: hi * 0x100000000 + lo, len });
  }
  return out;
}
