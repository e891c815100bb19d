/**
 * The decoded-instruction cache. One cache belongs to one {@link GuestMemory}, so all CPUs (guest
 * threads) sharing an address space share their decoded code. Pages holding cached instructions
 * carry the PAGE_CODE mark; a write to such a page, or protect/unmap/map over it, calls
 * `memory.onCodeWrite`, which drops the page's records (and those of instructions straddling into
 * it from the previous page) — Intel SDM Vol. 3A §11.6 on self-modifying code.
 */
import { decode, type OpcodeTables } from './decoder.js';
import type { Insn } from './insn.js';
import { type GuestMemory, PAGE_SHIFT, PAGE_SIZE } from './memory.js';

/** Decoded instructions of one address space, indexed by page and offset. */
export class CodeCache {
  /** page number → per-offset records. */
  private readonly pages = new Map<number, (Insn | undefined)[]>();
  /** Number of decoded instructions currently cached (for statistics). */
  size = 0;

  constructor(
    readonly memory: GuestMemory,
    readonly tables: OpcodeTables,
  ) {
    memory.onCodeWrite = (page) => this.invalidate(page);
  }

  /** The decoded instruction at `addr` (an integer in [0, 2^32)), decoding it on a miss. */
  get(addr: number): Insn {
    const pageNo = addr >>> PAGE_SHIFT;
    let page = this.pages.get(pageNo);
    if (page !== undefined) {
      const hit = page[addr & (PAGE_SIZE - 1)];
      if (hit !== undefined) return hit;
    }
    const insn = decode(this.memory, this.tables, addr);
    const last = (insn.next - 1) >>> PAGE_SHIFT;
    for (let p = pageNo; p <= last; p++) this.memory.markCode(p);
    if (page === undefined) {
      page = new Array<Insn | undefined>(PAGE_SIZE);
      this.pages.set(pageNo, page);
    }
    page[addr & (PAGE_SIZE - 1)] = insn;
    this.size++;
    return insn;
  }

  /** Drops every record that depends on bytes of `page`. */
  invalidate(page: number): void {
    const records = this.pages.get(page);
    if (records !== undefined) {
      for (const r of records) {
        if (r !== undefined) {
          r.dead = true;
          this.size--;
        }
      }
      this.pages.delete(page);
    }
    // Instructions that start on the previous page may extend into this one.
    const prev = this.pages.get(page - 1);
    if (prev !== undefined) {
      const end = page * PAGE_SIZE;
      for (let off = PAGE_SIZE - 15; off < PAGE_SIZE; off++) {
        const r = prev[off];
        if (r !== undefined && r.next > end) {
          r.dead = true;
          prev[off] = undefined;
          this.size--;
        }
      }
    }
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
