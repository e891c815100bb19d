/**
 * {@link JitCpu}: the interpreter with an opt-in WebAssembly tier in front of it. It needs no hook
 * in the interpreter's loop: at each block boundary it either runs a translated region or lets
 * `Cpu.run` interpret up to the end of the current basic block (a budget-limited chunk), so the
 * interpreter remains the authority for everything the translator does not cover — faults,
 * syscalls, REP strings, x87 and what the translator leaves out. The mirror is the bottom 64 KiB
 * of the guest memory; while a guest page occupies it (or the memory is shared between host
 * threads) everything is interpreted. Consecutive translated regions keep the registers in the
 * mirror; they are copied back before the interpreter runs and when run() returns. Memory
 * operands go through a small read and write TLB in the mirror, kept while the address space and
 * its protections stay the same (GuestMemory.protectEpoch); a miss leaves the region before the
 * access and the interpreter executes it.
 */
import type { RunResult } from '../api.js';
import { Cpu, type CpuOptions } from '../cpu.js';
import type { Insn } from '../insn.js';
import { type GuestMemory, PAGE_CODE, PAGE_MAPPED, PAGE_SIZE, PROT_READ, PROT_WRITE } from '../memory.js';
import { XMM_OFFSET } from '../state.js';
import {
  CHAIN_ENTRIES,
  CHAIN_HASH_BYTE,
  type ChainState,
  chainFor,
  chainSlotOffset,
  XMM_OK_WORD,
} from './chain.js';
import {
  type Block,
  EXIT_WORD,
  MAX_BLOCK,
  MIRROR_BYTES,
  MIRROR_GPR_BYTES,
  MISS_KIND_WORD,
  MISS_WORD,
  RIP_WORD,
  SCRATCH_END,
  TLB_ENTRIES,
  TLB_WORD,
  translateBlock,
  WTLB_ENTRIES,
  WTLB_WORD,
} from './translate.js';

/** Options for {@link JitCpu}. */
export interface JitOptions extends CpuOptions {
  /**
   * How many times execution must arrive at an address before its block is translated
   * (default 500: a region is compiled only when clearly hot, since WebAssembly compilation,
   * including V8's optimising tier-up on background threads, costs CPU; on the bench kernels
   * 5000 helped the long straight-line regions of nbody and cost the many small regions of vm
   * about as much). 0 translates every block on first arrival — the testing mode that routes as
   * much code as possible through the translator.
   */
  threshold?: number;
}

interface Entry {
  hits: number;
  /** The translation, null while cold or when the first instruction is not translatable. */
  block: Block | null;
  /** True when translation was attempted and failed. */
  failed: boolean;
  /** Instructions to interpret from here when there is no translation (up to the next branch). */
  chunk: number;
  /** The code cache's version of the block's page when it was translated (pageVersion). */
  version: number;
  /** The code cache's version of the translation's second page (Block.page2) when it was built. */
  version2: number;
  /**
   * The translation is short and does not loop: worth entering only when the registers are
   * already in the mirror (the previous region ran just before), since then interpreting it
   * would cost copying the register file out of the mirror and back in.
   */
  short: boolean;
}

/**
 * Bookkeeping of the TLBs in one address space's mirror (shared by the CPUs of its threads): the
 * protectEpoch they describe, and the write-TLB slots in use (for re-validation).
 */
interface TlbState {
  epoch: number;
  /** CodeCache.decoded when the write TLB was last re-validated. */
  decoded: number;
  slots: Int32Array;
  count: number;
}
const tlbStates = new WeakMap<GuestMemory, TlbState>();

/** Entries keyed by the live decoded record, so dropping a code page drops its translations. */
const entries = new WeakMap<Insn, Entry>();
const TWO32 = 4294967296;
const FAST_SLOTS = 1024;
/** Shortest non-looping block worth entering WebAssembly for (outside the testing mode). */
const MIN_BLOCK = 3;

const BRANCHES = /^(j|call|ret|loop|syscall|int|iret|ud|hlt|enter|leave)/;

/** An x86-64 CPU that translates hot register-only blocks to WebAssembly (see translate.ts). */
export class JitCpu extends Cpu {
  /** Hotness threshold (see {@link JitOptions.threshold}). */
  readonly threshold: number;
  /** Instructions retired by translated code (included in {@link instructionCount}). */
  jitRetired = 0;
  /** Calls from JavaScript into translated code (a chain of regions counts once). */
  jitEntries = 0;
  private readonly stateBytes: Uint8Array;
  private readonly stateXmm: Uint8Array;
  // Views of the mirror at the bottom of the guest memory (re-created when the memory grows).
  private viewU8: Uint8Array | null = null;
  private mirrorBytes: Uint8Array = new Uint8Array(0);
  private mirrorXmm: Uint8Array = new Uint8Array(0);
  private mirrorWords: Uint32Array = new Uint32Array(0);
  private tlb: Uint32Array = new Uint32Array(0);
  private wtlb: Uint32Array = new Uint32Array(0);
  /** The chaining hash in the mirror: (rip, table slot) word pairs (chain.ts). */
  private hash: Uint32Array = new Uint32Array(0);
  private readonly tlbState: TlbState;
  /** The region table of this memory and when its hash was last emptied. */
  private readonly chain: ChainState;
  /** False for a shared memory: the mirror in it would be shared by host threads. */
  private readonly canTranslate: boolean;
  /** The last block left before one of its instructions (which the interpreter must run next). */
  private sideExit = false;
  /** The last run() ended because its budget ran out (so the next starts wherever that was). */
  private endedByBudget = false;
  /**
   * Arrivals are not counted (no new translation starts here): set for the first lookup of a run
   * that resumes where a budget ran out. Such a point lies anywhere inside a block; counting it
   * made long runs translate the same hot loop again from dozens of mid-block addresses (nbody at
   * full size: 69 regions instead of about 10).
   */
  private noWarm = false;
  /** Direct-mapped cache of entries: address per slot (-1 empty) and the entry. */
  private readonly fastRip = new Float64Array(FAST_SLOTS).fill(-1);
  private readonly fastEntry: (Entry | null)[] = new Array<Entry | null>(FAST_SLOTS).fill(null);
  /** CodeCache.dropped when the fast cache was last emptied. */
  private droppedSeen = -1;
  /** The mirror holds the current registers (translated code ran since the interpreter last did). */
  private inMirror = false;
  /** The mirror holds the current XMM registers and MXCSR (a region using them ran). */
  private xmmInMirror = false;

  constructor(memory: ConstructorParameters<typeof Cpu>[0], options: JitOptions = {}) {
    super(memory, options);
    this.threshold = options.threshold ?? 500;
    this.stateBytes = new Uint8Array(this.state, 0, MIRROR_GPR_BYTES);
    this.stateXmm = new Uint8Array(this.state, XMM_OFFSET, MIRROR_BYTES - XMM_OFFSET);
    let st = tlbStates.get(memory);
    if (st === undefined) {
      st = { epoch: -1, decoded: -1, slots: new Int32Array(WTLB_ENTRIES), count: 0 };
      tlbStates.set(memory, st);
    }
    this.tlbState = st;
    this.chain = chainFor(memory.wasm);
    this.canTranslate = !(
      typeof SharedArrayBuffer !== 'undefined' && memory.wasm.buffer instanceof SharedArrayBuffer
    );
  }

  /** Re-creates the mirror views after the guest memory's buffer changed (it grew). */
  private views(): void {
    // GuestMemory replaces `u8` whenever its buffer changes (reading `wasm.buffer` is slower).
    const u8 = this.memory.u8;
    if (u8 === this.viewU8) return;
    this.viewU8 = u8;
    const buf = u8.buffer;
    this.mirrorBytes = new Uint8Array(buf, 0, MIRROR_GPR_BYTES);
    this.mirrorXmm = new Uint8Array(buf, XMM_OFFSET, MIRROR_BYTES - XMM_OFFSET);
    this.mirrorWords = new Uint32Array(buf, 0, SCRATCH_END / 4);
    this.tlb = new Uint32Array(buf, TLB_WORD * 4, TLB_ENTRIES);
    this.wtlb = new Uint32Array(buf, WTLB_WORD * 4, WTLB_ENTRIES);
    this.hash = new Uint32Array(buf, CHAIN_HASH_BYTE, CHAIN_ENTRIES * 2);
  }

  /** Whether a guest page occupies the mirror's range (then everything is interpreted). */
  private scratchMapped(): boolean {
    const pages = this.memory.pages;
    for (let p = 0; p < SCRATCH_END / PAGE_SIZE; p++) if (pages[p]! & PAGE_MAPPED) return true;
    return false;
  }

  override get instructionCount(): number {
    return super.instructionCount + this.jitRetired;
  }

  override run(budget: number): RunResult {
    if (!(budget >= 1) || !this.canTranslate || this.scratchMapped()) return super.run(budget);
    this.views();
    // The TLBs live in this address space's mirror: keep them while its protections are
    // unchanged (they change only between runs, in syscalls).
    const memory = this.memory;
    if (this.tlbState.epoch !== memory.protectEpoch) {
      this.tlb.fill(0);
      this.wtlb.fill(0);
      this.tlbState.count = 0;
      this.tlbState.epoch = memory.protectEpoch;
      // A guest page may have occupied the scratch area meanwhile: rebuild the hash too.
      this.chain.droppedSeen = -1;
    }
    // The XMM part of the mirror is not this CPU's yet.
    this.mirrorWords[XMM_OK_WORD] = 0;
    this.sideExit = false;
    // Outside the testing mode (threshold 0), which translates every entry on purpose.
    this.noWarm = this.endedByBudget && this.threshold > 0;
    try {
      const r = this.dispatch(budget);
      this.endedByBudget = r.reason === 'budget';
      return r;
    } finally {
      this.leaveMirror();
    }
  }

  /** Copies the register file back from the mirror when translated code left it there. */
  private leaveMirror(): void {
    if (this.inMirror) {
      this.stateBytes.set(this.mirrorBytes);
      this.inMirror = false;
    }
    if (this.xmmInMirror) {
      this.stateXmm.set(this.mirrorXmm);
      this.xmmInMirror = false;
      this.mirrorWords[XMM_OK_WORD] = 0;
    }
  }

  private dispatch(budget: number): RunResult {
    let executed = 0;
    for (;;) {
      const left = budget - executed;
      if (left <= 0) return { reason: 'budget', executed };
      // After a side exit the interpreter executes the instruction the block stopped before.
      let e: Entry | null = null;
      if (!this.sideExit) {
        const rip = this.rip;
        // Entries by address, valid while the code cache drops no instruction.
        if (this.cache.dropped !== this.droppedSeen) {
          this.fastRip.fill(-1);
          this.droppedSeen = this.cache.dropped;
        }
        const slot = (rip ^ (rip >>> 10)) & (FAST_SLOTS - 1);
        if (this.fastRip[slot] === rip) {
          e = this.fastEntry[slot]!;
          if (e.block === null && !e.failed) this.warm(e, rip);
        } else {
          e = this.entryAt(rip);
          if (e !== null) {
            this.fastRip[slot] = rip;
            this.fastEntry[slot] = e;
          }
        }
        this.noWarm = false;
      }
      this.sideExit = false;
      let chunk = 1;
      if (e !== null) {
        const b = e.block;
        if (b !== null && b.length <= left && (!e.short || this.inMirror)) {
          executed += this.runBlock(b, left);
          continue;
        }
        chunk = e.chunk;
      }
      this.leaveMirror();
      const r = super.run(Math.min(chunk, left));
      executed += r.executed;
      if (r.reason !== 'budget') {
        return r.fault !== undefined
          ? { reason: r.reason, executed, fault: r.fault }
          : { reason: r.reason, executed };
      }
    }
  }

  /** Runs a translated block over the register mirror; returns the instructions it retired. */
  private runBlock(b: Block, left: number): number {
    this.views();
    // A page in the write TLB may have gained decoded code (or the mirror may have been used by
    // another CPU): keep only entries still writable and free of code (SDM Vol. 3A §11.6).
    // Decoding marks pages as code: re-check the write TLB when anything was decoded since.
    const st = this.tlbState;
    if (st.count > 0 && this.cache.decoded !== st.decoded) this.revalidate();
    st.decoded = this.cache.decoded;
    // Consecutive translated blocks keep the registers in the mirror (copied back before the
    // interpreter runs and when run() returns).
    if (!this.inMirror) {
      this.mirrorBytes.set(this.stateBytes);
      this.inMirror = true;
    }
    if (b.xmm && !this.xmmInMirror) {
      this.mirrorXmm.set(this.stateXmm);
      this.xmmInMirror = true;
      this.mirrorWords[XMM_OK_WORD] = 1;
    }
    // Regions chain through the hash (chain.ts): empty it once any decoded instruction was
    // dropped (a region may be stale) before WebAssembly runs, then publish this region.
    const chain = this.chain;
    const hash = this.hash;
    if (chain.droppedSeen !== this.cache.dropped) {
      hash.fill(0);
      chain.droppedSeen = this.cache.dropped;
    }
    const h = chainSlotOffset(b.start) >>> 2;
    hash[h] = b.start;
    hash[h + 1] = b.slot;
    const n = b.fn(Math.min(left, 0x3fffffff), 0);
    this.rip = this.mirrorWords[RIP_WORD]!;
    if (this.mirrorWords[EXIT_WORD] === 1) {
      this.sideExit = true;
      // Left before an access whose page was not in the TLB (kind 0 read, 1 write): cache it
      // when allowed; or before an SSE operation outside the native fast path (kind 2). The
      // interpreter runs the instruction either way (and raises its fault, if any).
      const kind = this.mirrorWords[MISS_KIND_WORD]!;
      if ((kind & 0xff) < 2) {
        // The pages of the first and the last byte of the access (emitter.ts checkAt).
        const addr = this.mirrorWords[MISS_WORD]!;
        const first = addr >>> 12;
        const last = ((addr + Math.max(kind >>> 8, 1) - 1) >>> 0) >>> 12;
        this.admit(first, kind & 1);
        if (last !== first) this.admit(last, kind & 1);
      }
    }
    this.jitRetired += n;
    this.jitEntries++;
    return n;
  }

  /**
   * Admits `page` to the read TLB (write 0) when readable, or to the write TLB (write 1) when
   * writable and free of code.
   */
  private admit(page: number, write: number): void {
    const prot = this.memory.pages[page] ?? 0;
    if (write) {
      if ((prot & (PROT_WRITE | PAGE_CODE)) === PROT_WRITE) this.fillWrite(page);
    } else if (prot & PROT_READ) this.tlb[page & (TLB_ENTRIES - 1)] = (page << 1) | 1;
  }

  /** Adds a writable page without code to the write TLB. */
  private fillWrite(page: number): void {
    const slot = page & (WTLB_ENTRIES - 1);
    if (this.wtlb[slot] === 0) {
      if (this.tlbState.count === WTLB_ENTRIES) return;
      this.tlbState.slots[this.tlbState.count++] = slot;
    }
    this.wtlb[slot] = (page << 1) | 1;
  }

  /** Drops write-TLB entries whose page is no longer writable or now holds decoded code. */
  private revalidate(): void {
    const pages = this.memory.pages;
    let k = 0;
    while (k < this.tlbState.count) {
      const slot = this.tlbState.slots[k]!;
      const page = this.wtlb[slot]! >>> 1;
      if ((pages[page]! & (PROT_WRITE | PAGE_CODE)) !== PROT_WRITE) {
        this.wtlb[slot] = 0;
        this.tlbState.slots[k] = this.tlbState.slots[--this.tlbState.count]!;
      } else k++;
    }
  }

  /** The entry for `rip`, translating when it became hot; null when rip cannot be fetched. */
  private entryAt(rip: number): Entry | null {
    if (!(rip >= 0 && rip < TWO32)) return null;
    let insn: Insn;
    try {
      insn = this.cache.get(rip);
    } catch {
      return null;
    }
    let e = entries.get(insn);
    // A write into any instruction of the region (not only its first; on either of its pages)
    // outdates the translation.
    const version = this.cache.pageVersion(Math.floor(rip / 4096));
    if (
      e === undefined ||
      (e.block !== null &&
        (e.version !== version ||
          (e.block.page2 >= 0 && e.version2 !== this.cache.pageVersion(e.block.page2))))
    ) {
      const chunk = this.threshold === 0 ? 1 : this.chunkFrom(rip);
      e = { hits: 0, block: null, failed: false, chunk, version, version2: -1, short: false };
      entries.set(insn, e);
    }
    if (e.block === null && !e.failed) this.warm(e, rip);
    return e;
  }

  /** Counts an arrival at a cold entry and translates its region once it is hot. */
  private warm(e: Entry, rip: number): void {
    if (this.noWarm) return;
    if (e.hits++ >= this.threshold) {
      let b: Block | null = null;
      try {
        b = translateBlock(this.cache, rip, this.memory.wasm);
      } catch {
        // The engine may refuse to compile (e.g. out of code space): interpret this code.
        b = null;
      }
      e.version = this.cache.pageVersion(Math.floor(rip / 4096));
      e.version2 = b !== null && b.page2 >= 0 ? this.cache.pageVersion(b.page2) : -1;
      // Entering WebAssembly costs about as much as interpreting a few instructions: outside the
      // testing mode, short blocks that do not loop run translated only when the registers are
      // in the mirror already (e.g. a loop whose last instructions lie on the next page, which
      // its own region cannot hold); otherwise the interpreter runs them.
      e.block = b;
      e.short = b !== null && this.threshold !== 0 && !b.loops && b.length < MIN_BLOCK;
      e.failed = b === null;
    }
  }

  /** Number of instructions from `rip` up to and including the next control transfer. */
  private chunkFrom(rip: number): number {
    let n = 0;
    let a = rip;
    while (n < MAX_BLOCK) {
      let i: Insn;
      try {
        i = this.cache.get(a);
      } catch {
        break;
      }
      n++;
      const m = i.row?.mnemonic ?? 'ud';
      if (BRANCHES.test(m) || i.batch) break;
      a = i.next;
      if (!(a < TWO32)) break;
    }
    return Math.max(1, n);
  }
}
