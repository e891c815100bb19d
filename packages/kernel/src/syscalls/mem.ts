/**
 * mem family: mem_advise, mem_map, mem_protect, mem_sync, mem_unmap, and the legacy
 * mem_lock/mem_unlock (spec: syscalls `mem_*`).
 *
 * The address space is the process's linear {@link GuestMemory}; pages carry R/W/X bits (the CPU
 * order READ 1, WRITE 2, EXEC 4, unlike CloudABI's `mprot` EXEC 1, WRITE 2, READ 4). Shared
 * mappings of a shared memory object (anonymous MAP_SHARED creates one) are recorded so that
 * every mapping of the object, in this process or another, shows the same bytes (see
 * ../shared-pages.ts).
 */
import { type GuestMemory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '@cabi/x86-core';
import { Advice, Errno, Filetype, MAP_ANON_FD, Mflags, Mprot, Msflags, Rights } from '../abi.js';
import { isErr } from '../errors.js';
import { SharedMemoryObject } from '../objects/memory-file.js';
import { forgetShared, protectShared, sharedChanged, syncOut } from '../shared-pages.js';
import { andThen, type Handler } from './common.js';

/** Lowest address mem_map places mappings at without MAP_FIXED. */
export const MMAP_FLOOR = 0x10000;

/** Converts CloudABI `mprot` bits to page bits; -1 for invalid combinations (ENOTSUP). */
export function pageProt(prot: number): number {
  if (prot & ~(Mprot.EXEC | Mprot.WRITE | Mprot.READ)) return -1;
  // W^X: CloudABI forbids writable and executable at once (spec: type `mprot`).
  if (prot & Mprot.WRITE && prot & Mprot.EXEC) return -1;
  return (
    (prot & Mprot.READ ? PROT_READ : 0) |
    (prot & Mprot.WRITE ? PROT_WRITE : 0) |
    (prot & Mprot.EXEC ? PROT_EXEC : 0)
  );
}

function pageAligned(addr: number): boolean {
  return Number.isSafeInteger(addr) && addr % PAGE_SIZE === 0;
}

function roundUp(len: number): number {
  return Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
}

function mappedWithin(mem: GuestMemory, addr: number, len: number): boolean {
  return addr + len <= mem.maxBytes && mem.isMapped(addr, len);
}

/**
 * mem_map(addr, len, prot, flags, fd, off) → mem. Exactly one of MAP_PRIVATE and MAP_SHARED;
 * MAP_ANON needs fd = MAP_ANON_FD and offset 0; otherwise the fd must carry MEM_MAP plus FD_READ
 * for PROT_READ, FD_WRITE for a shared PROT_WRITE and MEM_MAP_EXEC for PROT_EXEC (spec: rights).
 * MAP_FIXED places the mapping exactly at `addr` (page-aligned, replacing what was there); else
 * `addr` is a hint. Zero length or unknown flags: EINVAL; write+exec or unknown prot: ENOTSUP;
 * no room or over the memory limit: ENOMEM.
 */
export const mem_map: Handler = (kernel, t, a) => {
  const proc = t.process;
  const mem = proc.memory;
  const addr = a[0] as number;
  const len = a[1] as number;
  const prot = a[2] as number;
  const flags = a[3] as number;
  const fd = a[4] as number;
  const off = a[5] as bigint;
  const pprot = pageProt(prot);
  if (pprot < 0) return Errno.ENOTSUP;
  if (flags & ~(Mflags.ANON | Mflags.FIXED | Mflags.PRIVATE | Mflags.SHARED)) return Errno.EINVAL;
  const shared = (flags & Mflags.SHARED) !== 0;
  if (shared === ((flags & Mflags.PRIVATE) !== 0)) return Errno.EINVAL;
  if (len === 0 || !Number.isSafeInteger(len)) return Errno.EINVAL;
  if (len > mem.maxBytes) return Errno.ENOMEM;
  const size = roundUp(len);
  const fixed = (flags & Mflags.FIXED) !== 0;
  if (fixed && !pageAligned(addr)) return Errno.EINVAL;
  let object: SharedMemoryObject | null = null;
  let source: ((at: number) => number | Promise<number>) | null = null;
  if (flags & Mflags.ANON) {
    if (fd !== MAP_ANON_FD || off !== 0n) return Errno.EINVAL;
    if (shared) {
      object = new SharedMemoryObject(kernel.objectMemory);
      if (!object.reserve(size)) return Errno.ENOMEM;
      object.setSize(size);
    }
  } else {
    let need = Rights.MEM_MAP;
    if (prot & Mprot.READ) need |= Rights.FD_READ;
    if (prot & Mprot.WRITE && shared) need |= Rights.FD_WRITE;
    if (prot & Mprot.EXEC) need |= Rights.MEM_MAP_EXEC;
    const e = proc.fds.get(fd, need);
    if (isErr(e)) return e.errno;
    if (off % BigInt(PAGE_SIZE) !== 0n || off > BigInt(Number.MAX_SAFE_INTEGER)) return Errno.EINVAL;
    const offset = Number(off);
    if (shared) {
      if (e.object instanceof SharedMemoryObject) {
        object = e.object;
        // The object must hold this process's latest stores before its bytes are copied in.
        syncOut(proc);
        source = copyFrom(mem, object, offset, size);
      } else if (e.object.filetype === Filetype.REGULAR_FILE) {
        // A shared file mapping maps the file's page cache (../file-maps.ts).
        return andThen(kernel.fileMaps.map(kernel, e.object, (prot & Mprot.WRITE) !== 0), (file) => {
          if (isErr(file)) return file.errno;
          if (proc.memory !== mem) return Errno.ENOMEM;
          syncOut(proc);
          const r = place(file.cache, copyFrom(mem, file.cache, offset, size));
          return andThen(r, (errno) => {
            if (errno !== Errno.SUCCESS) kernel.fileMaps.collect(kernel);
            return errno;
          });
        });
      } else {
        return Errno.ENODEV;
      }
    } else {
      const target = e.object;
      // A private copy of a file that is also mapped shared starts from the shared stores.
      const read = () =>
        kernel.fileMaps.size > 0 ? kernel.fileMaps.around(proc, 'fd_pread', fd, () => 0) : 0;
      source = (at) =>
        andThen(
          andThen(read(), () => target.mapBytes(offset, len)),
          (bytes) => {
            if (isErr(bytes)) return bytes.errno;
            if (proc.memory === mem && mem.isMapped(at, bytes.length)) mem.poke(at, bytes);
            return Errno.SUCCESS;
          },
        );
    }
  }
  return place(object, source);

  /** Places the mapping (at `addr` or where there is room) and fills it from `src`. */
  function place(
    object: SharedMemoryObject | null,
    src: ((at: number) => number | Promise<number>) | null,
  ): number | Promise<number> {
    // Replacing pages under MAP_FIXED does not count twice against the limit.
    let replaced = 0;
    let at: number;
    if (fixed) {
      if (addr + size > mem.maxBytes) return Errno.ENOMEM;
      for (let p = addr; p < addr + size; p += PAGE_SIZE) if (mem.isMapped(p, 1)) replaced += PAGE_SIZE;
      at = addr;
    } else {
      const hint = pageAligned(addr) && addr >= MMAP_FLOOR ? addr : 0;
      at = mem.findFree(size, hint, MMAP_FLOOR);
      if (at < 0) return Errno.ENOMEM;
    }
    if (mem.mappedBytes - replaced + size > kernel.limits.maxMemory) return Errno.ENOMEM;
    // Shared mappings replaced by MAP_FIXED reach their objects (and files) first.
    const written = replaced > 0 ? kernel.fileMaps.writeBackFor(proc, { addr: at, len: size }, true) : 0;
    if (replaced > 0) syncOut(proc);
    let regionsChanged = forgetShared(proc, at, size);
    mem.map(at, size, pprot);
    if (object) {
      proc.sharedRegions.push({
        addr: at,
        len: size,
        object,
        offset: flags & Mflags.ANON ? 0 : Number(off),
        prot: new Uint8Array(size / PAGE_SIZE).fill(pprot),
      });
      regionsChanged = true;
    }
    if (regionsChanged) kernel.fileMaps.collect(kernel);
    t.ret0 = at;
    if (!src) {
      if (regionsChanged) sharedChanged(proc);
      return andThen(written, () => Errno.SUCCESS);
    }
    return andThen(src(at), (r) => {
      if (r !== Errno.SUCCESS) {
        mem.unmap(at, size);
        forgetShared(proc, at, size);
      }
      if (regionsChanged && proc.memory === mem) sharedChanged(proc);
      return andThen(written, () => r);
    });
  }
};

/** A mapping source copying `size` bytes of a shared object from `offset` into new pages of `mem`. */
function copyFrom(mem: GuestMemory, object: SharedMemoryObject, offset: number, size: number) {
  return (at: number): number => {
    if (!object.reserve(offset + size)) return Errno.ENOMEM;
    mem.poke(at, object.backing.data.subarray(offset, offset + size));
    return Errno.SUCCESS;
  };
}

/**
 * mem_unmap(mapping, mapping_len): removes whole pages; parts not mapped are fine (munmap).
 * EINVAL for an unaligned address or zero length.
 */
export const mem_unmap: Handler = (kernel, t, a) => {
  const addr = a[0] as number;
  const len = a[1] as number;
  const mem = t.process.memory;
  if (!pageAligned(addr) || len === 0 || !Number.isSafeInteger(len)) return Errno.EINVAL;
  if (addr + len > mem.maxBytes) return Errno.EINVAL;
  const proc = t.process;
  // The last stores through a shared mapping reach its object (and a mapped file) first.
  const written = kernel.fileMaps.writeBackFor(proc, { addr, len: roundUp(len) }, true);
  syncOut(proc);
  mem.unmap(addr, roundUp(len));
  if (forgetShared(proc, addr, roundUp(len))) {
    sharedChanged(proc);
    kernel.fileMaps.collect(kernel);
  }
  return andThen(written, () => Errno.SUCCESS);
};

/**
 * mem_protect(mapping, mapping_len, prot): changes page protection. Write+exec (W^X) or unknown
 * bits: ENOTSUP; unaligned address: EINVAL; a range not entirely mapped: ENOMEM.
 */
export const mem_protect: Handler = (_k, t, a) => {
  const addr = a[0] as number;
  const len = a[1] as number;
  const pprot = pageProt(a[2] as number);
  if (pprot < 0) return Errno.ENOTSUP;
  if (!pageAligned(addr) || !Number.isSafeInteger(len)) return Errno.EINVAL;
  const mem = t.process.memory;
  if (len === 0) return Errno.SUCCESS;
  if (!mappedWithin(mem, addr, roundUp(len))) return Errno.ENOMEM;
  mem.protect(addr, roundUp(len), pprot);
  // Shared pages keep the guest's protection in their region records (the CPU-level bits may
  // be narrower: aliases, pages beyond the object's end).
  if (protectShared(t.process, addr, roundUp(len), pprot)) sharedChanged(t.process);
  return Errno.SUCCESS;
};

/**
 * mem_advise(mapping, mapping_len, advice): accepted for mapped ranges. DONTNEED on private
 * anonymous memory is only a hint here (contents are kept, which POSIX allows). Unknown advice
 * and NOREUSE (which FreeBSD's madvise rejects): EINVAL; unmapped range: ENOMEM.
 */
export const mem_advise: Handler = (_k, t, a) => {
  const addr = a[0] as number;
  const len = a[1] as number;
  const advice = a[2] as number;
  if (!pageAligned(addr) || !Number.isSafeInteger(len)) return Errno.EINVAL;
  if (advice < Advice.DONTNEED || advice > Advice.WILLNEED || advice === Advice.NOREUSE) return Errno.EINVAL;
  if (len > 0 && !mappedWithin(t.process.memory, addr, roundUp(len))) return Errno.ENOMEM;
  return Errno.SUCCESS;
};

/**
 * mem_sync(mapping, mapping_len, flags): exactly one of MS_ASYNC and MS_SYNC, optionally
 * MS_INVALIDATE (spec: type `msflags`); shared mappings are written back to their object.
 * EINVAL for bad flags or alignment; ENOMEM for an unmapped range.
 */
export const mem_sync: Handler = (kernel, t, a) => {
  const addr = a[0] as number;
  const len = a[1] as number;
  const flags = a[2] as number;
  if (flags & ~(Msflags.ASYNC | Msflags.INVALIDATE | Msflags.SYNC)) return Errno.EINVAL;
  if (((flags & Msflags.ASYNC) !== 0) === ((flags & Msflags.SYNC) !== 0)) return Errno.EINVAL;
  if (!pageAligned(addr) || !Number.isSafeInteger(len)) return Errno.EINVAL;
  const proc = t.process;
  if (len > 0 && !mappedWithin(proc.memory, addr, roundUp(len))) return Errno.ENOMEM;
  syncOut(proc);
  // MS_SYNC waits for mapped files to be written and reports a failure; MS_ASYNC starts it.
  const written = kernel.fileMaps.writeBackFor(proc, { addr, len }, true);
  if (flags & Msflags.ASYNC) {
    if (written instanceof Promise) written.catch(() => {});
    return Errno.SUCCESS;
  }
  return written;
};

/** Legacy mem_lock(addr, len): pages are always resident here; checks the range like mlock. */
export const mem_lock: Handler = (_k, t, a) => {
  const addr = a[0] as number;
  const len = a[1] as number;
  if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len)) return Errno.EINVAL;
  const start = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
  return len === 0 || mappedWithin(t.process.memory, start, roundUp(addr + len - start))
    ? Errno.SUCCESS
    : Errno.ENOMEM;
};

/** Legacy mem_unlock(addr, len): the counterpart of mem_lock. */
export const mem_unlock: Handler = mem_lock;
