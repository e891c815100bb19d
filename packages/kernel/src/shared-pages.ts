/**
 * Shared mappings inside one linear address space.
 *
 * Every process has one {@link GuestMemory}, so a page of a shared memory object mapped twice in
 * one process (or in two processes) exists as several copies. The kernel keeps them equal:
 *
 * - Between processes, by copying at process switches: the current process's copies are written
 *   to the object when another process becomes current ({@link syncOut}), and the object's bytes
 *   are copied into a process when it becomes current ({@link syncIn}).
 * - Inside one process, an object page mapped more than once (an alias) is kept without write
 *   access at the CPU level while the guest runs, whatever the guest asked for. A store to it
 *   faults; the kernel grants write access to that page, executes exactly the one faulting
 *   instruction, copies the page to the object and to its other copies, and takes write access
 *   away again ({@link Kernel}'s fault path, using {@link openAliasPage} and
 *   {@link closeAliasPages}). While the kernel itself serves a syscall the pages carry the
 *   guest's protection, so syscalls read and write them as usual; what a syscall wrote into one
 *   copy is found (by comparing each copy with the object) and spread before the guest runs
 *   again ({@link enterGuest}).
 * - A page of a mapping that lies wholly beyond the end of its object carries no access at all:
 *   touching it faults, and the kernel turns that fault into SIGBUS unless the object has grown
 *   meanwhile (then the page becomes accessible and the instruction is retried). The bytes of a
 *   partial last page beyond the end read as zero (FreeBSD's semantics for `mmap` past the end
 *   of an object).
 *
 * The guest's own protection of each shared page (its "logical" protection) lives in the
 * region records; the CPU-level bits in {@link GuestMemory.pages} are derived from it.
 */
import { GuestMemory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '@cabi/x86-core';
import type { SharedMemoryObject } from './objects/memory-file.js';
import type { Process } from './process.js';

const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;

/** A shared mapping of a shared memory object into a process. */
export interface SharedRegion {
  /** Page-aligned guest address. */
  addr: number;
  /** Length in bytes (whole pages). */
  len: number;
  /** The object mapped. */
  object: SharedMemoryObject;
  /** Byte offset in the object of the first page (page-aligned). */
  offset: number;
  /** The guest's protection of each page (PROT_* page bits), whatever the CPU-level bits are. */
  prot: Uint8Array;
}

/** One object page mapped at several guest pages of one process. */
interface AliasGroup {
  object: SharedMemoryObject;
  /** Byte offset of the page in the object. */
  objOffset: number;
  /** Guest page addresses holding a copy. */
  copies: number[];
}

/** What the kernel derives from a process's shared regions. */
export interface SharedState {
  /** The object generation each region's derived state was computed for. */
  generations: number[];
  /** Alias groups (object pages within the object's size mapped at least twice). */
  groups: AliasGroup[];
  /** Guest page index → its alias group. */
  aliasOf: Map<number, AliasGroup>;
  /** Guest page indices of alias pages the guest may write (write access withheld while it runs). */
  writable: number[];
  /** Guest page indices lying wholly beyond the end of their object. */
  beyond: Set<number>;
}

/** True when a region's page `i` lies wholly beyond the end of its object. */
function beyondEnd(r: SharedRegion, i: number): boolean {
  return r.offset + i * PAGE_SIZE >= r.object.backing.size;
}

function objectKey(object: SharedMemoryObject, objOffset: number): string {
  return `${object.inode}:${objOffset}`;
}

/** Recomputes the derived state and puts the kernel-phase protections on every shared page. */
function recompute(proc: Process): SharedState {
  const byPage = new Map<string, AliasGroup>();
  const beyond = new Set<number>();
  const generations: number[] = [];
  const previous = proc.shared;
  proc.sharedRegions.forEach((r, index) => {
    const generation = r.object.backing.generation;
    generations.push(generation);
    const first = r.addr / PAGE_SIZE;
    const pages = r.len / PAGE_SIZE;
    for (let i = 0; i < pages; i++) {
      if (beyondEnd(r, i)) {
        beyond.add(first + i);
        continue;
      }
      const objOffset = r.offset + i * PAGE_SIZE;
      const key = objectKey(r.object, objOffset);
      let group = byPage.get(key);
      if (!group) {
        group = { object: r.object, objOffset, copies: [] };
        byPage.set(key, group);
      }
      group.copies.push((first + i) * PAGE_SIZE);
    }
    // The object changed size since we last looked: its bytes beyond the end read as zero.
    if (previous && previous.generations[index] !== generation) zeroBeyondEnd(proc.memory, r);
  });
  const groups: AliasGroup[] = [];
  const aliasOf = new Map<number, AliasGroup>();
  const writable: number[] = [];
  for (const group of byPage.values()) {
    if (group.copies.length < 2) continue;
    groups.push(group);
    for (const at of group.copies) {
      const page = at / PAGE_SIZE;
      aliasOf.set(page, group);
      if (logicalProt(proc, page) & PROT_WRITE) writable.push(page);
    }
  }
  const state: SharedState = { generations, groups, aliasOf, writable, beyond };
  proc.shared = state;
  proc.sharedDirty = false;
  proc.guestPhase = false;
  applyKernelProtections(proc, state);
  return state;
}

/** Zeroes the bytes of region `r` that lie at or beyond its object's end. */
function zeroBeyondEnd(mem: GuestMemory, r: SharedRegion): void {
  const size = r.object.backing.size;
  const from = Math.max(r.addr, r.addr + (size - r.offset));
  const to = r.addr + r.len;
  if (from >= to || !mem.isMapped(from, to - from)) return;
  mem.poke(from, new Uint8Array(to - from));
}

function applyKernelProtections(proc: Process, state: SharedState): void {
  const mem = proc.memory;
  for (const r of proc.sharedRegions) {
    const first = r.addr / PAGE_SIZE;
    for (let i = 0; i < r.prot.length; i++) {
      const page = first + i;
      const want = state.beyond.has(page) ? 0 : r.prot[i]!;
      setPageProt(mem, page, want);
    }
  }
}

function setPageProt(mem: GuestMemory, page: number, prot: number): void {
  if ((mem.pages[page]! & PROT_MASK) !== prot) mem.protect(page * PAGE_SIZE, PAGE_SIZE, prot);
}

/** The guest's protection of shared page `page` (index), or -1 when it is in no shared region. */
export function logicalProt(proc: Process, page: number): number {
  const at = page * PAGE_SIZE;
  for (const r of proc.sharedRegions) {
    if (at >= r.addr && at < r.addr + r.len) return r.prot[(at - r.addr) / PAGE_SIZE]!;
  }
  return -1;
}

/** The derived state, recomputed when regions changed or an object changed size. */
function current(proc: Process): SharedState {
  const state = proc.shared;
  if (!state || proc.sharedDirty) return recompute(proc);
  const regions = proc.sharedRegions;
  for (let i = 0; i < regions.length; i++) {
    if (regions[i]!.object.backing.generation !== state.generations[i]) return recompute(proc);
  }
  return state;
}

/**
 * Call after the process's shared regions or their protections changed (mem_map, mem_unmap,
 * mem_protect, fork, exec): recomputes the derived state and the CPU-level protections.
 */
export function sharedChanged(proc: Process): void {
  proc.sharedDirty = true;
  if (proc.sharedRegions.length === 0) {
    proc.shared = null;
    proc.sharedDirty = false;
    proc.guestPhase = false;
    return;
  }
  recompute(proc);
}

/**
 * The guest is about to run: spreads what syscalls wrote into one copy of an alias group to the
 * object and the other copies (unless `reconcile` is false: the kernel is known not to have
 * stored into guest memory since the guest last ran), and withholds write access from alias
 * pages. Comparing costs time in proportion to the pages mapped more than once.
 */
export function enterGuest(proc: Process, reconcileCopies = true): void {
  if (proc.guestPhase || (proc.sharedRegions.length === 0 && proc.shared === null)) return;
  const state = current(proc);
  if (state.groups.length === 0) return;
  if (reconcileCopies) reconcile(proc, state);
  const mem = proc.memory;
  for (const page of state.writable) setPageProt(mem, page, logicalProt(proc, page) & ~PROT_WRITE);
  proc.guestPhase = true;
}

/** The kernel is about to serve the process (a syscall, or between slices): guest protections. */
export function enterKernel(proc: Process): void {
  if (proc.sharedRegions.length === 0 && proc.shared === null) return;
  const wasGuest = proc.guestPhase;
  const state = current(proc);
  if (!wasGuest || !proc.guestPhase) return;
  const mem = proc.memory;
  for (const page of state.writable) setPageProt(mem, page, logicalProt(proc, page));
  proc.guestPhase = false;
}

/**
 * Makes every alias group's copies equal: a copy that differs from the object was written (by a
 * syscall) and goes to the object; then the object's page goes to every copy.
 */
function reconcile(proc: Process, state: SharedState): void {
  const mem = proc.memory;
  for (const g of state.groups) {
    if (!g.object.reserve(g.objOffset + PAGE_SIZE)) continue;
    const data = g.object.backing.data;
    const page = data.subarray(g.objOffset, g.objOffset + PAGE_SIZE);
    for (const at of g.copies) {
      if (!samePage(mem.u8, at, data, g.objOffset)) page.set(mem.u8.subarray(at, at + PAGE_SIZE));
    }
    for (const at of g.copies) if (!samePage(mem.u8, at, data, g.objOffset)) mem.poke(at, page);
  }
}

function samePage(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): boolean {
  // Both offsets are page-aligned: compare 32 bits at a time.
  const x = new Int32Array(a.buffer, a.byteOffset + aAt, PAGE_SIZE / 4);
  const y = new Int32Array(b.buffer, b.byteOffset + bAt, PAGE_SIZE / 4);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** How the kernel should treat a protection fault on a shared page. */
export type SharedFault =
  /** Not a shared-mapping matter: deliver the fault as it is. */
  | 'deliver'
  /** The page lies beyond the end of its object: SIGBUS. */
  | 'bus'
  /** The object grew and the page is accessible now: run the instruction again. */
  | 'retry'
  /** A store to an alias page: open it and run the instruction alone. */
  | 'alias-write';

/** Classifies a protection fault at `address` for access `access` while the guest runs. */
export function classifyFault(proc: Process, address: number, access: string | undefined): SharedFault {
  if (proc.sharedRegions.length === 0) return 'deliver';
  const page = Math.floor(address / PAGE_SIZE);
  const logical = logicalProt(proc, page);
  if (logical < 0) return 'deliver';
  const state = current(proc);
  if (!proc.guestPhase) {
    // The object changed size: the recomputation reset the protections; restore the guest ones.
    enterGuest(proc);
  }
  if (state.beyond.has(page)) return 'bus';
  const need = access === 'write' ? PROT_WRITE : access === 'execute' ? PROT_EXEC : PROT_READ;
  if (!(logical & need)) return 'deliver';
  if (proc.memory.pages[page]! & need) return 'retry';
  if (need === PROT_WRITE && state.aliasOf.has(page)) return 'alias-write';
  return 'deliver';
}

/** Grants the guest write access to alias page `page` (index) for one instruction. */
export function openAliasPage(proc: Process, page: number): void {
  setPageProt(proc.memory, page, logicalProt(proc, page));
}

/**
 * After the instruction ran: copies each opened page to its object and to the other copies in
 * the process, and withholds write access again.
 */
export function closeAliasPages(proc: Process, pages: readonly number[]): void {
  const state = proc.shared;
  if (!state) return;
  const mem = proc.memory;
  for (const page of pages) {
    const g = state.aliasOf.get(page);
    if (!g) continue;
    const at = page * PAGE_SIZE;
    if (g.object.reserve(g.objOffset + PAGE_SIZE)) {
      const data = g.object.backing.data.subarray(g.objOffset, g.objOffset + PAGE_SIZE);
      data.set(mem.u8.subarray(at, at + PAGE_SIZE));
      for (const other of g.copies) if (other !== at) mem.poke(other, data);
    }
    setPageProt(mem, page, logicalProt(proc, page) & ~PROT_WRITE);
  }
}

/**
 * Copies a process's shared mappings into their objects (it stops being the current process, or
 * a syscall is about to read the object). Alias copies are reconciled first; bytes beyond an
 * object's end are not copied.
 */
export function syncOut(proc: Process): void {
  if (proc.sharedRegions.length === 0) return;
  const state = current(proc);
  if (state.groups.length > 0) reconcile(proc, state);
  const mem = proc.memory;
  for (const r of proc.sharedRegions) {
    const end = Math.min(r.offset + r.len, r.object.backing.size);
    if (end <= r.offset || !r.object.reserve(end)) continue;
    r.object.backing.data.set(mem.u8.subarray(r.addr, r.addr + (end - r.offset)), r.offset);
  }
}

const plainWriteBytes = GuestMemory.prototype.writeBytes;
const plainWrite32 = GuestMemory.prototype.write32;

/**
 * `proc` stops being the current process: its shared mappings go to their objects, and until it
 * is current again, whatever the kernel stores into its memory through the checked writers (a
 * blocking fd_read or poll completing, a futex word) is also stored into the objects and into
 * the mappings of the process current then (`current()`), so that nothing overwrites it with
 * older bytes. Processes without shared mappings are left untouched (plain writers).
 */
export function detach(proc: Process, current: () => Process | null): void {
  syncOut(proc);
  if (proc.sharedRegions.length === 0) return;
  const mem = proc.memory;
  mem.writeBytes = function (this: GuestMemory, addr: number, data: Uint8Array): void {
    plainWriteBytes.call(this, addr, data);
    if (proc.memory === this) mirror(proc, addr, data, current());
  };
  mem.write32 = function (this: GuestMemory, addr: number, value: number): void {
    plainWrite32.call(this, addr, value);
    if (proc.memory === this) mirror(proc, addr, this.u8.slice(addr, addr + 4), current());
  };
  proc.detachedMemory = mem;
}

/** `proc` becomes the current process: plain writers again, and the objects' bytes copied in. */
export function attach(proc: Process): void {
  const mem = proc.detachedMemory;
  if (mem) {
    mem.writeBytes = plainWriteBytes;
    mem.write32 = plainWrite32;
    proc.detachedMemory = null;
  }
  syncIn(proc);
}

/**
 * Copies bytes the kernel stored at `addr` in detached process `proc` into the objects mapped
 * there and into the current process's mappings of those objects.
 */
function mirror(proc: Process, addr: number, data: Uint8Array, current: Process | null): void {
  const end = addr + data.length;
  for (const r of proc.sharedRegions) {
    const from = Math.max(r.addr, addr);
    const to = Math.min(r.addr + r.len, end);
    if (from >= to || !r.object.reserve(r.offset + (to - r.addr))) continue;
    const bytes = data.subarray(from - addr, to - addr);
    const objFrom = r.offset + (from - r.addr);
    r.object.backing.data.set(bytes, objFrom);
    if (!current || current === proc) continue;
    const objTo = objFrom + bytes.length;
    for (const q of current.sharedRegions) {
      if (q.object !== r.object) continue;
      const a = Math.max(q.offset, objFrom);
      const b = Math.min(q.offset + q.len, objTo);
      if (a < b) current.memory.poke(q.addr + (a - q.offset), bytes.subarray(a - objFrom, b - objFrom));
    }
  }
}

/** Copies the objects' bytes into a process's shared mappings (it becomes current). */
export function syncIn(proc: Process): void {
  if (proc.sharedRegions.length === 0) return;
  const mem = proc.memory;
  for (const r of proc.sharedRegions) {
    if (!r.object.reserve(r.offset + r.len)) continue;
    mem.poke(r.addr, r.object.backing.data.subarray(r.offset, r.offset + r.len));
  }
}

/**
 * Removes (or trims) the shared-region records overlapping `[addr, addr+len)`; returns whether
 * any changed.
 */
export function forgetShared(proc: Process, addr: number, len: number): boolean {
  const end = addr + len;
  const kept: SharedRegion[] = [];
  let changed = false;
  for (const r of proc.sharedRegions) {
    const rEnd = r.addr + r.len;
    if (rEnd <= addr || r.addr >= end) {
      kept.push(r);
      continue;
    }
    changed = true;
    if (r.addr < addr) kept.push(sliceRegion(r, r.addr, addr));
    if (rEnd > end) kept.push(sliceRegion(r, end, rEnd));
  }
  proc.sharedRegions = kept;
  return changed;
}

function sliceRegion(r: SharedRegion, from: number, to: number): SharedRegion {
  const i = (from - r.addr) / PAGE_SIZE;
  return {
    addr: from,
    len: to - from,
    object: r.object,
    offset: r.offset + (from - r.addr),
    prot: r.prot.slice(i, i + (to - from) / PAGE_SIZE),
  };
}

/** Records the guest's new protection of `[addr, addr+len)` in the shared regions it overlaps. */
export function protectShared(proc: Process, addr: number, len: number, prot: number): boolean {
  const end = addr + len;
  let touched = false;
  for (const r of proc.sharedRegions) {
    const from = Math.max(r.addr, addr);
    const to = Math.min(r.addr + r.len, end);
    if (from >= to) continue;
    r.prot.fill(prot, (from - r.addr) / PAGE_SIZE, (to - r.addr) / PAGE_SIZE);
    touched = true;
  }
  return touched;
}

/** A deep copy of shared-region records (fork). */
export function cloneRegions(regions: readonly SharedRegion[]): SharedRegion[] {
  return regions.map((r) => ({ ...r, prot: r.prot.slice() }));
}
