/**
 * The decoded-instruction cache. One cache belongs to one {@link GuestMemory}, so all CPUs (guest
 * threads) sharing an address space share their decoded code.
 *
 * Invalidation is exact to the byte. Every page that holds bytes of a cached instruction carries
 * the PAGE_CODE mark and a coverage count per byte (how many cached instructions include that
 * byte). A store to a marked page leaves the accessors' fast path and calls
 * `memory.onCodeWrite(addr, len)`: when no written byte is covered, the store goes ahead and the
 * cache keeps everything; otherwise exactly the instructions whose bytes overlap the written range
 * are dropped, including those that start up to 14 bytes earlier or on the previous page. A page
 * whose last covered byte goes away loses its mark, so ordinary stores to it are fast again.
 * map/unmap/protect report the whole page, which drops every instruction touching it.
 *
 * This keeps self-modifying code exact (Intel SDM Vol. 3A §11.6: a store to an instruction that
 * has not been fetched yet is seen when it executes; the executing instruction was fetched
 * already) while code and data sharing a page (small static programs, data right after text) no
 * longer lose their decoded code on every store.
 */
import { decode, type OpcodeTables } from './decoder.js';
import type { Insn } from './insn.js';
import { type GuestMemory, PAGE_SHIFT, PAGE_SIZE } from './memory.js';

const OFFSET_MASK = PAGE_SIZE - 1;
/** The longest x86 instruction (SDM Vol. 2A §2.3.11) minus one: how far back an overlap can start. */
const MAX_BACK = 14;

/** Cached code of one guest page. */
class CodePage {
  /** Offset → the instruction that starts there. */
  readonly insns: (Insn | undefined)[] = new Array<Insn | undefined>(PAGE_SIZE);
  /** Offset → number of cached instructions (starting here or on the previous page) covering the byte. */
  readonly cover = new Uint8Array(PAGE_SIZE);
  /** Cached instructions with at least one byte on this page. */
  refs = 0;
  /** Changes whenever an instruction starting on this page is dropped (see {@link CodeCache.pageVersion}). */
  version: number;
  constructor(version: number) {
    this.version = version;
  }
}

/** Decoded instructions of one address space, indexed by page and offset. */
export class CodeCache {
  /** page number → cached code of the page. */
  private readonly pages = new Map<number, CodePage>();
  /** Source of page versions (never reused, so a re-created page never matches an old version). */
  private epoch = 0;
  /** The page looked up last (indirect branches mostly stay on one page), or null. */
  private lastPage: CodePage | null = null;
  private lastPageNo = -1;
  /** Number of decoded instructions currently cached (for statistics). */
  size = 0;
  /** Instructions decoded since the cache was created (statistics; a measure of re-decoding). */
  decoded = 0;
  /** Instructions dropped because bytes they cover were written or their page changed (statistics). */
  dropped = 0;

  constructor(
    readonly memory: GuestMemory,
    readonly tables: OpcodeTables,
  ) {
    memory.onCodeWrite = (addr, len) => this.invalidateRange(addr, len);
  }

  /** The decoded instruction at `addr` (an integer in [0, 2^32)), decoding it on a miss. */
  get(addr: number): Insn {
    const pageNo = addr >>> PAGE_SHIFT;
    let page: CodePage | undefined;
    if (pageNo === this.lastPageNo && this.lastPage !== null) page = this.lastPage;
    else {
      page = this.pages.get(pageNo);
      if (page !== undefined) {
        this.lastPage = page;
        this.lastPageNo = pageNo;
      }
    }
    if (page !== undefined) {
      const hit = page.insns[addr & OFFSET_MASK];
      if (hit !== undefined) return hit;
    }
    const insn = decode(this.memory, this.tables, addr);
    this.insert(page ?? this.page(pageNo), insn);
    return insn;
  }

  /**
   * A number that changes whenever an instruction starting on `page` is dropped; -1 when nothing
   * is cached there. A translation built from a page's instructions stays valid while the
   * version it saw is current (blocks never span pages).
   */
  pageVersion(page: number): number {
    return this.pages.get(page)?.version ?? -1;
  }

  /** The page's record, created (and its memory page marked) on first use. */
  private page(pageNo: number): CodePage {
    let page = this.pages.get(pageNo);
    if (page === undefined) {
      page = new CodePage(++this.epoch);
      this.pages.set(pageNo, page);
      this.memory.markCode(pageNo);
    }
    return page;
  }

  private insert(page: CodePage, insn: Insn): void {
    const addr = insn.addr;
    page.insns[addr & OFFSET_MASK] = insn;
    this.size++;
    this.decoded++;
    let p = page;
    let pageNo = addr >>> PAGE_SHIFT;
    p.refs++;
    for (let a = addr; a < insn.next; a++) {
      if (a >>> PAGE_SHIFT !== pageNo) {
        pageNo = a >>> PAGE_SHIFT;
        p = this.page(pageNo);
        p.refs++;
      }
      p.cover[a & OFFSET_MASK]!++;
    }
  }

  /** Drops one cached instruction: unlinks it, releases its coverage and marks it dead. */
  private drop(page: CodePage, pageNo: number, insn: Insn): void {
    insn.dead = true;
    page.insns[insn.addr & OFFSET_MASK] = undefined;
    page.version = ++this.epoch;
    this.size--;
    this.dropped++;
    let p = page;
    let cur = pageNo;
    for (let a = insn.addr; a < insn.next; a++) {
      if (a >>> PAGE_SHIFT !== cur) {
        this.release(p, cur);
        cur = a >>> PAGE_SHIFT;
        const next = this.pages.get(cur);
        if (next === undefined) return;
        p = next;
      }
      p.cover[a & OFFSET_MASK]!--;
    }
    this.release(p, cur);
  }

  /** One instruction no longer touches `page`: forget the page when nothing does. */
  private release(page: CodePage, pageNo: number): void {
    if (--page.refs === 0) {
      this.pages.delete(pageNo);
      if (pageNo === this.lastPageNo) {
        this.lastPage = null;
        this.lastPageNo = -1;
      }
      this.memory.unmarkCode(pageNo);
    }
  }

  /**
   * Drops every cached instruction with a byte in `[addr, addr + len)`. Called by the memory
   * before a store lands on a page marked as code, and for whole pages by map/unmap/protect.
   */
  invalidateRange(addr: number, len: number): void {
    const end = addr + len;
    if (!(len > 0)) return;
    // Cheap answer for stores next to code: no written byte is part of a cached instruction.
    if (!this.covered(addr, end)) return;
    // Instructions overlapping the range start at most MAX_BACK bytes before it.
    for (let s = Math.max(0, addr - MAX_BACK); s < end; s++) {
      const pageNo = s >>> PAGE_SHIFT;
      const page = this.pages.get(pageNo);
      if (page === undefined) {
        // Skip to the next page (nothing starts on this one).
        s = (pageNo + 1) * PAGE_SIZE - 1;
        continue;
      }
      const insn = page.insns[s & OFFSET_MASK];
      if (insn !== undefined && insn.next > addr) this.drop(page, pageNo, insn);
    }
  }

  /** Whether any byte of `[addr, end)` belongs to a cached instruction. */
  private covered(addr: number, end: number): boolean {
    let a = addr;
    while (a < end) {
      const pageNo = a >>> PAGE_SHIFT;
      const pageEnd = Math.min(end, (pageNo + 1) * PAGE_SIZE);
      const page = this.pages.get(pageNo);
      if (page !== undefined) {
        const cover = page.cover;
        for (let k = a & OFFSET_MASK, last = k + (pageEnd - a); k < last; k++)
          if (cover[k] !== 0) return true;
      }
      a = pageEnd;
    }
    return false;
  }

  /** Drops every cached instruction that has a byte on `page` (protection or mapping changed). */
  invalidate(page: number): void {
    this.invalidateRange(page * PAGE_SIZE, PAGE_SIZE);
  }

  /** Drops everything. */
  clear(): void {
    for (const p of [...this.pages.keys()]) this.invalidate(p);
  }
}

const caches = new WeakMap<GuestMemory, CodeCache>();

/** The shared decoded-code cache of `memory`, created on first use. */
export function codeCacheFor(memory: GuestMemory, tables: OpcodeTables): CodeCache {
  let c = caches.get(memory);
  if (c === undefined || c.tables !== tables) {
    c = new CodeCache(memory, tables);
    caches.set(memory, c);
  }
  return c;
}
