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
  regionBranch,
  SCRATCH_END,
  type TargetSource,
  TLB_ENTRIES,
  TLB_WORD,
  takesTargets,
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
  /** The code cache's versions of the translation's other pages (Block.pages) when it was built. */
  versions: number[];
  /** Address of the jmp/call through a register ending `chunk`, or -1. */
  ind: number;
  /** Times the translation was dropped for a new hot target of one of its indirect branches. */
  gen: number;
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
/** Targets kept per indirect branch, and how many of the hottest a region takes in. */
const MAX_TARGETS_SEEN = 64;
const MAX_TARGETS_TAKEN = 24;
/** Sampled misses of a target (see TargetSource.sampleMask) that make it hot. */
const HOT_SAMPLES = 4;
/** Most new translations of one entry for new indirect targets. */
const MAX_GEN = 4;
/** Regions remembered per indirect branch (to drop when it gains a hot target). */
const MAX_REGIONS_PER_BRANCH = 16;

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
  /** Observed targets per indirect branch address: target → times seen (or sampled). */
  private readonly seen = new Map<number, Map<number, number>>();
  /** Entries whose translation consulted the targets of an indirect branch, by its address. */
  private readonly byBranch = new Map<number, WeakRef<Entry>[]>();
  /** Indirect branch ending the last chunk chunkFrom measured, or -1. */
  private chunkInd = -1;
  /** What region discovery learns of indirect targets (see translate.ts). */
  private readonly targets: TargetSource;

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
    const seen = this.seen;
    const cache = this.cache;
    const testing = this.threshold === 0;
    this.targets = {
      // The testing mode translates at the first arrival, before any successor ran: it takes
      // every block in (as many as possible run translated).
      ran(addr: number): boolean {
        if (testing) return true;
        try {
          return entries.has(cache.get(addr));
        } catch {
          return false;
        }
      },
      of(branch: number): readonly number[] | undefined {
        const m = seen.get(branch);
        if (m === undefined) return undefined;
        return [...m.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, MAX_TARGETS_TAKEN)
          .map((x) => x[0]);
      },
      // The testing mode sees misses more often.
      sampleMask: this.threshold === 0 ? 7 : 63,
    };
  }

  /**
   * Records that the indirect branch at `from` went to `to`; once a target outside the regions
   * holding the branch turns hot, those regions are translated again at their next arrival.
   */
  private observe(from: number, to: number): void {
    let m = this.seen.get(from);
    if (m === undefined) {
      m = new Map();
      this.seen.set(from, m);
    }
    const c = (m.get(to) ?? 0) + 1;
    if (c === 1 && m.size >= MAX_TARGETS_SEEN) return;
    m.set(to, c);
    if (c !== (this.threshold === 0 ? 1 : HOT_SAMPLES)) return;
    const list = this.byBranch.get(from);
    if (list === undefined) return;
    this.byBranch.delete(from);
    this.views();
    const hash = this.hash;
    for (const ref of list) {
      const e = ref.deref();
      const b = e?.block ?? null;
      if (e === undefined || b === null || e.gen >= MAX_GEN) continue;
      e.gen++;
      e.block = null;
      e.failed = false;
      e.hits = this.threshold;
      // The region stays correct but is no longer linked: take it out of the chaining hash.
      const h = chainSlotOffset(b.start) >>> 2;
      if (hash[h] === b.start && hash[h + 1] === b.slot) {
        hash[h] = 0;
        hash[h + 1] = 0;
      }
    }
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
      // The chunk ended with an indirect branch: its target is where the interpreter stopped.
      if (e !== null && e.ind >= 0 && r.executed === chunk && r.reason === 'budget')
        this.observe(e.ind, this.rip);
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
    const exit = this.mirrorWords[EXIT_WORD];
    // An indirect exit to a target outside the region names its branch in the rip word's high half.
    if (exit !== 1 && this.mirrorWords[RIP_WORD + 1] !== 0)
      this.observe(this.mirrorWords[RIP_WORD + 1]!, this.rip);
    if (exit === 1) {
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
    if (e === undefined || (e.block !== null && (e.version !== version || !this.pagesCurrent(e)))) {
      this.chunkInd = -1;
      const chunk = this.threshold === 0 ? this.testChunk(rip) : this.chunkFrom(rip);
      e = {
        hits: 0,
        block: null,
        failed: false,
        chunk,
        version,
        versions: [],
        ind: this.chunkInd,
        gen: 0,
        short: false,
      };
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
        b = translateBlock(this.cache, rip, this.memory.wasm, this.targets);
      } catch {
        // The engine may refuse to compile (e.g. out of code space): interpret this code.
        b = null;
      }
      e.version = this.cache.pageVersion(Math.floor(rip / 4096));
      e.versions = b === null ? [] : b.pages.map((p) => this.cache.pageVersion(p));
      if (b !== null) {
        for (const a of b.indirect) {
          let list = this.byBranch.get(a);
          if (list === undefined) {
            list = [];
            this.byBranch.set(a, list);
          }
          if (list.some((r) => r.deref() === e)) continue;
          if (list.length >= MAX_REGIONS_PER_BRANCH) list.shift();
          // Weakly: an entry whose code was dropped may be collected with its region.
          list.push(new WeakRef(e));
        }
      }
      // Entering WebAssembly costs about as much as interpreting a few instructions: outside the
      // testing mode, short blocks that do not loop run translated only when the registers are
      // in the mirror already (e.g. a loop whose last instructions lie on the next page, which
      // its own region cannot hold); otherwise the interpreter runs them.
      e.block = b;
      e.short = b !== null && this.threshold !== 0 && !b.loops && b.length < MIN_BLOCK;
      e.failed = b === null;
    }
  }

  /** Whether the code cache's versions of the other pages of e's translation are unchanged. */
  private pagesCurrent(e: Entry): boolean {
    const pages = e.block!.pages;
    for (let k = 0; k < pages.length; k++)
      if (this.cache.pageVersion(pages[k]!) !== e.versions[k]) return false;
    return true;
  }

  /**
   * The testing mode's chunk: one instruction, noting it in chunkInd when it is an indirect
   * branch (so its targets are observed).
   */
  private testChunk(rip: number): number {
    try {
      const i = this.cache.get(rip);
      if (takesTargets(regionBranch(i))) this.chunkInd = rip;
    } catch {
      // Not fetchable: the interpreter raises the fault.
    }
    return 1;
  }

  /**
   * Number of instructions from `rip` up to and including the next control transfer (noting it
   * in chunkInd when it is an indirect branch the translator handles).
   */
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
      if (BRANCHES.test(m) || i.batch) {
        if (takesTargets(regionBranch(i))) this.chunkInd = i.addr;
        break;
      }
      a = i.next;
      if (!(a < TWO32)) break;
    }
    return Math.max(1, n);
  }
}
