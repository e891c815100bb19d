/**
 * Guest memory: one linear address space per process.
 *
 * A guest virtual address is an offset into a single `WebAssembly.Memory`, so the interpreter reads
 * and writes through typed-array views and a later WebAssembly JIT can address the same bytes
 * directly. Every placement (image, stacks, vDSO, mappings) is chosen by us, which is why all guest
 * memory fits below 4 GiB. A page table with one byte per 4 KiB page records whether the page is
 * mapped, its R/W/X protection and whether decoded instructions are cached from it (so that writes
 * to code can invalidate them: self-modifying code, Intel SDM Vol. 3A §11.6).
 *
 * The bottom 64 KiB (below the kernel's mmap floor) doubles as scratch space for the opt-in JIT
 * (jit/translate.ts): while no guest page is mapped there, translated code keeps a copy of the
 * registers and its TLBs in those bytes, which the guest can never read or write (its accesses
 * check this page table). A guest that maps a page there simply runs on the interpreter.
 */
import { CpuFault } from './fault.js';

/** Size of a guest page in bytes. */
export const PAGE_SIZE = 4096;
/** log2 of {@link PAGE_SIZE}. */
export const PAGE_SHIFT = 12;

/** Page may be read. */
export const PROT_READ = 1;
/** Page may be written. */
export const PROT_WRITE = 2;
/** Instructions may be fetched from the page. */
export const PROT_EXEC = 4;
/** Page is mapped (possibly with no access at all). */
export const PAGE_MAPPED = 8;
/** Decoded instructions are cached from this page; a write must invalidate them. */
export const PAGE_CODE = 16;

const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;
const WASM_PAGE = 65536;
/** The largest address space a 32-bit WebAssembly memory can hold. */
export const MAX_GUEST_BYTES = 65535 * WASM_PAGE;

/** Options for {@link GuestMemory}. */
export interface GuestMemoryOptions {
  /** Upper bound of the address space in bytes (default and maximum: 4 GiB − 64 KiB). */
  maxBytes?: number;
  /** Back the memory with a SharedArrayBuffer (for guest threads on several host threads later). */
  shared?: boolean;
}

/** Thrown by {@link GuestMemory.map} when a mapping would exceed the address-space limit. */
export class AddressSpaceError extends RangeError {
  override readonly name = 'AddressSpaceError';
}

/**
 * A paged guest address space. The public views (`u8`, `dv`) are replaced when the memory grows;
 * read them from the object each time rather than keeping them.
 */
export class GuestMemory {
  /** The backing store; guest address == byte offset. */
  readonly wasm: WebAssembly.Memory;
  /** Byte view of the whole current memory. */
  u8: Uint8Array;
  /** DataView over the whole current memory (little-endian accesses). */
  dv: DataView;
  /** One byte per page: PROT_* bits, PAGE_MAPPED, PAGE_CODE. */
  readonly pages: Uint8Array;
  /** Highest address the space may ever reach (exclusive). */
  readonly maxBytes: number;
  /**
   * Called before a write lands on a page marked {@link PAGE_CODE}, with the written range clipped
   * to that page (and with whole pages when map/unmap/protect change them). The decoded-code
   * cache drops the instructions whose bytes overlap the range and clears the mark of a page once
   * nothing cached touches it ({@link unmarkCode}).
   */
  onCodeWrite: ((addr: number, len: number) => void) | null = null;
  /** Bytes currently mapped (sum over mapped pages). */
  mappedBytes = 0;
  /**
   * Changes whenever map, unmap or protect changes the page table, so that caches of page
   * permissions (the JIT's TLBs) know when to drop their entries.
   */
  protectEpoch = 0;
  /**
   * Every byte at or above this address is still zero: no mapping ever reached it (a fresh or
   * grown WebAssembly.Memory is zero-filled, and GuestMemory's writers only touch mapped pages),
   * so {@link map} need not clear it. It starts above the JIT's scratch area in the bottom 64 KiB.
   */
  private zeroFrom = 0x10000;

  constructor(options: GuestMemoryOptions = {}) {
    const maxBytes = Math.min(options.maxBytes ?? MAX_GUEST_BYTES, MAX_GUEST_BYTES);
    if (!(maxBytes >= PAGE_SIZE)) throw new RangeError(`maxBytes must be at least ${PAGE_SIZE}`);
    this.maxBytes = Math.floor(maxBytes / PAGE_SIZE) * PAGE_SIZE;
    const maximum = Math.ceil(this.maxBytes / WASM_PAGE);
    this.wasm = new WebAssembly.Memory(
      options.shared ? { initial: 1, maximum, shared: true } : { initial: 1, maximum },
    );
    this.pages = new Uint8Array(Math.ceil(this.maxBytes / PAGE_SIZE));
    this.u8 = new Uint8Array(this.wasm.buffer);
    this.dv = new DataView(this.wasm.buffer);
  }

  /** Current size of the backing store in bytes (addresses at or above it are unmapped). */
  get size(): number {
    return this.u8.length;
  }

  /** Grows the backing store so that `end` (exclusive) is addressable; refreshes the views. */
  private ensure(end: number): void {
    if (end <= this.u8.length) return;
    const current = this.wasm.buffer.byteLength / WASM_PAGE;
    // Grow geometrically (at least 16 MiB at a time) to keep the number of grows small.
    const wanted = Math.ceil(end / WASM_PAGE);
    const target = Math.min(
      Math.max(wanted, current * 2, current + 256),
      Math.ceil(this.maxBytes / WASM_PAGE),
    );
    this.wasm.grow(target - current);
    this.refresh();
  }

  /** Re-creates the views after the buffer changed (growth, or a grow by another agent). */
  refresh(): void {
    if (this.u8.buffer !== this.wasm.buffer) {
      this.u8 = new Uint8Array(this.wasm.buffer);
      this.dv = new DataView(this.wasm.buffer);
    }
  }

  private static checkRange(addr: number, len: number): void {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr < 0 || len < 0) {
      throw new RangeError(`invalid range 0x${addr.toString(16)}+${len}`);
    }
    if (addr % PAGE_SIZE !== 0) throw new RangeError(`address 0x${addr.toString(16)} is not page-aligned`);
  }

  /**
   * Maps `[addr, addr+len)` (rounded up to whole pages) with protection `prot`, replacing whatever
   * was there. New pages read as zero.
   */
  map(addr: number, len: number, prot: number): void {
    GuestMemory.checkRange(addr, len);
    const end = addr + roundUpToPage(len);
    if (end > this.maxBytes) {
      throw new AddressSpaceError(`mapping 0x${addr.toString(16)}+${len} exceeds the address space`);
    }
    this.ensure(end);
    this.protectEpoch++;
    for (let p = addr >>> PAGE_SHIFT, last = end / PAGE_SIZE; p < last; p++) {
      const old = this.pages[p]!;
      if (old & PAGE_CODE) this.codeWrite(p * PAGE_SIZE, PAGE_SIZE);
      if (!(old & PAGE_MAPPED)) this.mappedBytes += PAGE_SIZE;
      this.pages[p] = PAGE_MAPPED | (prot & PROT_MASK);
    }
    // Only bytes that an earlier mapping may have dirtied need clearing (e.g. 8 MiB of fresh
    // main-thread stack does not).
    if (addr < this.zeroFrom) this.u8.fill(0, addr, Math.min(end, this.zeroFrom));
    if (end > this.zeroFrom) this.zeroFrom = end;
  }

  /** Unmaps whole pages in `[addr, addr+len)`; unmapped pages fault on every access. */
  unmap(addr: number, len: number): void {
    GuestMemory.checkRange(addr, len);
    const end = Math.min(addr + roundUpToPage(len), this.pages.length * PAGE_SIZE);
    this.protectEpoch++;
    for (let p = addr >>> PAGE_SHIFT, last = end / PAGE_SIZE; p < last; p++) {
      const old = this.pages[p]!;
      if (old & PAGE_CODE) this.codeWrite(p * PAGE_SIZE, PAGE_SIZE);
      if (old & PAGE_MAPPED) this.mappedBytes -= PAGE_SIZE;
      this.pages[p] = 0;
    }
  }

  /**
   * Changes the protection of mapped pages in `[addr, addr+len)`. Returns false (and changes
   * nothing) when part of the range is not mapped.
   */
  protect(addr: number, len: number, prot: number): boolean {
    GuestMemory.checkRange(addr, len);
    const end = addr + roundUpToPage(len);
    if (end > this.pages.length * PAGE_SIZE) return false;
    const first = addr >>> PAGE_SHIFT;
    const last = end / PAGE_SIZE;
    for (let p = first; p < last; p++) if (!(this.pages[p]! & PAGE_MAPPED)) return false;
    this.protectEpoch++;
    for (let p = first; p < last; p++) {
      const old = this.pages[p]!;
      // Decoded code is only valid while the page stays executable with the same bytes.
      if (old & PAGE_CODE) this.codeWrite(p * PAGE_SIZE, PAGE_SIZE);
      this.pages[p] = PAGE_MAPPED | (prot & PROT_MASK);
    }
    return true;
  }

  /** Protection bits of the page holding `addr` (0 when unmapped), without PAGE_* marks. */
  protectionAt(addr: number): number {
    return (this.pages[Math.floor(addr / PAGE_SIZE)] ?? 0) & PROT_MASK;
  }

  /** True when every page of `[addr, addr+len)` is mapped. */
  isMapped(addr: number, len: number): boolean {
    return this.check(addr, len, 0);
  }

  /** True when no page of `[addr, addr+len)` is mapped. */
  isFree(addr: number, len: number): boolean {
    if (addr < 0 || addr + len > this.maxBytes) return false;
    const end = Math.ceil((addr + len) / PAGE_SIZE);
    for (let p = Math.floor(addr / PAGE_SIZE); p < end; p++) if (this.pages[p]! & PAGE_MAPPED) return false;
    return true;
  }

  /**
   * Finds a free, page-aligned range of `len` bytes, searching upward from `hint` first and then
   * from `floor`. Returns -1 when the address space has no such hole.
   */
  findFree(len: number, hint = 0, floor = 0x10000, align = PAGE_SIZE): number {
    const size = roundUpToPage(len);
    const npages = size / PAGE_SIZE;
    const step = Math.max(1, align / PAGE_SIZE);
    const search = (start: number): number => {
      const limit = this.pages.length;
      let p = Math.ceil(Math.max(start, floor) / align) * step;
      while (p + npages <= limit) {
        let run = 0;
        while (run < npages && !(this.pages[p + run]! & PAGE_MAPPED)) run++;
        if (run === npages) return p * PAGE_SIZE;
        p = Math.ceil((p + run + 1) / step) * step;
      }
      return -1;
    };
    if (hint > 0) {
      const at = search(hint);
      if (at >= 0) return at;
    }
    return search(floor);
  }

  /**
   * True when `[addr, addr+len)` is mapped and every page allows `access` (a mask of PROT_* bits;
   * 0 only requires the pages to be mapped). Never throws; used by the kernel to turn bad guest
   * pointers into EFAULT.
   */
  check(addr: number, len: number, access: number): boolean {
    if (!(addr >= 0) || !(len >= 0) || addr + len > this.u8.length) return len === 0 && addr >= 0;
    if (len === 0) return true;
    const need = PAGE_MAPPED | access;
    const last = (addr + len - 1) >>> PAGE_SHIFT;
    for (let p = addr >>> PAGE_SHIFT; p <= last; p++) if ((this.pages[p]! & need) !== need) return false;
    return true;
  }

  /**
   * Throws the fault a CPU access of `len` bytes at `addr` would raise, if any, and runs the
   * code-invalidation hook for writes. The slow path of every checked accessor.
   */
  checkAccess(addr: number, len: number, access: number): void {
    if (!(addr >= 0) || addr + len > this.u8.length) {
      throw new CpuFault('page-not-present', addr, accessName(access));
    }
    const last = (addr + len - 1) >>> PAGE_SHIFT;
    for (let p = addr >>> PAGE_SHIFT; p <= last; p++) {
      const bits = this.pages[p]!;
      if ((bits & (PAGE_MAPPED | access)) !== (PAGE_MAPPED | access)) {
        const at = Math.max(addr, p * PAGE_SIZE);
        throw new CpuFault(bits & PAGE_MAPPED ? 'protection' : 'page-not-present', at, accessName(access));
      }
    }
    if (access & PROT_WRITE) this.codeWrites(addr, len);
  }

  /** Reports the parts of `[addr, addr+len)` that lie on pages marked as code to the hook. */
  private codeWrites(addr: number, len: number): void {
    const end = addr + len;
    const last = (end - 1) >>> PAGE_SHIFT;
    for (let p = addr >>> PAGE_SHIFT; p <= last; p++) {
      if (this.pages[p]! & PAGE_CODE) {
        const lo = Math.max(addr, p * PAGE_SIZE);
        this.codeWrite(lo, Math.min(end, (p + 1) * PAGE_SIZE) - lo);
      }
    }
  }

  /** Invalidates cached code in a range on one marked page (or drops the mark when no cache listens). */
  private codeWrite(addr: number, len: number): void {
    if (this.onCodeWrite !== null) this.onCodeWrite(addr, len);
    else this.pages[addr >>> PAGE_SHIFT]! &= ~PAGE_CODE;
  }

  // ---- checked accessors used by the CPU (throw CpuFault) ------------------------------------
  // Fast path: the access stays inside one page whose byte is exactly "mapped + needed bit" or
  // more; anything else takes checkAccess, which throws or handles code pages.

  /** Reads an unsigned byte. */
  read8(addr: number): number {
    if (!(this.pages[addr >>> PAGE_SHIFT]! & PROT_READ) || addr >= this.u8.length)
      this.checkAccess(addr, 1, PROT_READ);
    return this.u8[addr]!;
  }

  /** Reads an unsigned little-endian 16-bit value. */
  read16(addr: number): number {
    if (
      (addr & 0xfff) > 0xffe ||
      !(this.pages[addr >>> PAGE_SHIFT]! & PROT_READ) ||
      addr + 2 > this.u8.length
    ) {
      this.checkAccess(addr, 2, PROT_READ);
    }
    return this.dv.getUint16(addr, true);
  }

  /** Reads a little-endian 32-bit value as a signed int32 (use `>>> 0` for unsigned). */
  read32(addr: number): number {
    if (
      (addr & 0xfff) > 0xffc ||
      !(this.pages[addr >>> PAGE_SHIFT]! & PROT_READ) ||
      addr + 4 > this.u8.length
    ) {
      this.checkAccess(addr, 4, PROT_READ);
    }
    return this.dv.getInt32(addr, true);
  }

  /** Reads a little-endian 64-bit value (API edges only; the CPU reads two halves). */
  read64(addr: number): bigint {
    this.checkRead(addr, 8);
    return this.dv.getBigUint64(addr, true);
  }

  /** Writes a byte. */
  write8(addr: number, value: number): void {
    if (
      (this.pages[addr >>> PAGE_SHIFT]! & (PROT_WRITE | PAGE_CODE)) !== PROT_WRITE ||
      addr >= this.u8.length
    ) {
      this.checkAccess(addr, 1, PROT_WRITE);
    }
    this.u8[addr] = value;
  }

  /** Writes a little-endian 16-bit value. */
  write16(addr: number, value: number): void {
    if (
      (addr & 0xfff) > 0xffe ||
      (this.pages[addr >>> PAGE_SHIFT]! & (PROT_WRITE | PAGE_CODE)) !== PROT_WRITE ||
      addr + 2 > this.u8.length
    ) {
      this.checkAccess(addr, 2, PROT_WRITE);
    }
    this.dv.setUint16(addr, value, true);
  }

  /** Writes a little-endian 32-bit value. */
  write32(addr: number, value: number): void {
    if (
      (addr & 0xfff) > 0xffc ||
      (this.pages[addr >>> PAGE_SHIFT]! & (PROT_WRITE | PAGE_CODE)) !== PROT_WRITE ||
      addr + 4 > this.u8.length
    ) {
      this.checkAccess(addr, 4, PROT_WRITE);
    }
    this.dv.setInt32(addr, value, true);
  }

  /** Writes a little-endian 64-bit value (API edges only). */
  write64(addr: number, value: bigint): void {
    this.checkWrite(addr, 8);
    this.dv.setBigUint64(addr, BigInt.asUintN(64, value), true);
  }

  /** Throws unless `[addr, addr+len)` is readable. */
  checkRead(addr: number, len: number): void {
    if (len > 0) this.checkAccess(addr, len, PROT_READ);
  }

  /** Throws unless `[addr, addr+len)` is writable; invalidates cached code in the range. */
  checkWrite(addr: number, len: number): void {
    if (len > 0) this.checkAccess(addr, len, PROT_WRITE);
  }

  /** Copies `len` bytes out of guest memory (checked for read access). */
  readBytes(addr: number, len: number): Uint8Array {
    this.checkRead(addr, len);
    return this.u8.slice(addr, addr + len);
  }

  /** Copies `data` into guest memory (checked for write access). */
  writeBytes(addr: number, data: Uint8Array): void {
    this.checkWrite(addr, data.length);
    this.u8.set(data, addr);
  }

  /**
   * Writes bytes regardless of page protection (the loader filling read-only segments, the kernel
   * filling a fresh stack). The range must be mapped; cached code in it is invalidated.
   */
  poke(addr: number, data: Uint8Array): void {
    if (!this.isMapped(addr, data.length)) {
      throw new CpuFault('page-not-present', addr, 'write');
    }
    if (data.length > 0) this.codeWrites(addr, data.length);
    this.u8.set(data, addr);
  }

  /** Marks the page holding `addr` as a source of cached decoded instructions. */
  markCode(page: number): void {
    this.pages[page]! |= PAGE_CODE;
  }

  /** Clears the mark of {@link markCode}: nothing cached depends on the page's bytes any more. */
  unmarkCode(page: number): void {
    this.pages[page]! &= ~PAGE_CODE;
  }

  /** A deep copy of this address space (for fork): page table and every mapped page's bytes. */
  clone(options: GuestMemoryOptions = {}): GuestMemory {
    const copy = new GuestMemory({ maxBytes: this.maxBytes, ...options });
    copy.ensure(this.u8.length);
    const pages = this.pages;
    for (let p = 0; p < pages.length; p++) {
      if (!(pages[p]! & PAGE_MAPPED)) continue;
      let q = p;
      while (q < pages.length && pages[q]! & PAGE_MAPPED) q++;
      copy.u8.set(this.u8.subarray(p * PAGE_SIZE, q * PAGE_SIZE), p * PAGE_SIZE);
      p = q - 1;
    }
    for (let p = 0; p < pages.length; p++) copy.pages[p] = pages[p]! & ~PAGE_CODE;
    copy.mappedBytes = this.mappedBytes;
    copy.zeroFrom = this.zeroFrom;
    return copy;
  }
}

/** Rounds `len` up to a multiple of the page size. */
export function roundUpToPage(len: number): number {
  return Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
}

function accessName(access: number): 'read' | 'write' | 'execute' {
  return access & PROT_WRITE ? 'write' : access & PROT_EXEC ? 'execute' : 'read';
}
