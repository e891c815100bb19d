/**
 * Region translator: turns the blocks reachable from a hot address through direct branches on
 * its page and one neighbouring page (up to 8 blocks), and through the targets JitCpu saw its
 * jmp/call through a register take (up to 40 blocks on up to 4 pages), into one WebAssembly
 * function whose only memory is the guest's own
 * `WebAssembly.Memory`: guest bytes are plain loads and stores, and the first SCRATCH_END bytes
 * (which no guest page occupies while translated code runs) hold the "mirror" — a copy of the
 * register file (GPRs, FS/GS base, lazy-flag record, XMM, MXCSR; the byte layout of state.ts),
 * the exit words and the read and write TLBs. The blocks sit in a loop around a br_table on a
 * block index, laid out so that a block's fall-through or jmp successor tends to follow it: a
 * branch to a later block goes straight to it, a block branching to itself loops in a wasm loop
 * of its own, other branches between blocks go round the br_table, and an indirect branch
 * compares its target with the region's blocks before leaving. A branch out of the region, or
 * into a block the remaining budget cannot hold whole, leaves with the target rip and, when the
 * chaining hash holds a live region for it, continues there by a tail call without returning to
 * JavaScript (chain.ts; the budget and the retired count are the two parameters of every
 * region, and a region returns at once when its first block does not fit). Registers live in
 * locals for the whole call (loaded on entry, stored on every exit).
 *
 * Subset, 32- and 64-bit operands unless said: mov (register, immediate, load, store; 8-bit
 * too), lea, add/or/and/sub/xor/cmp/test (8, 32 and 64 bits: register, immediate, memory source,
 * read-modify-write of memory), inc/dec, not/neg, imul, mul, movzx/movsx/movsxd,
 * shl/sal/shr/sar/rol/ror by a constant, shl/sal/shr/sar of a register or memory by CL,
 * bswap, cmovcc, setcc, nop, push/pop, FS/GS-relative operands, jmp/jcc/call between blocks,
 * ret, and jmp and call through a register (leaving the region with the target), and the SSE2
 * moves, shuffles, logic and double-precision arithmetic and compares of emitSse (under the
 * same conditions as the interpreter's native fast path, else left to it). Every memory
 * access is checked first (address below 2^32, inside one page, page present in the read or
 * write TLB); on any doubt the region leaves before that instruction with everything before it
 * retired, and the interpreter executes it — so faults, code invalidation and mid-instruction
 * state are exactly the interpreter's. Flag-setting instructions write the lazy-flag words as
 * the interpreter's handlers do (flags.ts) unless a later instruction of the same block
 * overwrites every flag first with no exit in between (dead-flag elimination); flags of a record
 * whose kind is not known statically are computed from the record as the interpreter's getters
 * do (emitter.ts). Budgets stay exact at block granularity.
 */

import { type Insn, PFX_LOCK, PFX_OPSIZE, PFX_REP, PFX_REPNE, PFX_VEX } from '../insn.js';
import { LF_I32 } from '../state.js';
import {
  CHAIN_ENTRIES,
  CHAIN_HASH_BYTE,
  chainFor,
  IND_SAMPLE_WORD,
  installRegion,
  XMM_OK_WORD,
} from './chain.js';
import {
  Emitter,
  EXIT_WORD,
  L_COUNT,
  L_EXIT,
  L_IDX,
  L_LF,
  L_MEM,
  L_REG,
  L_T32A,
  L_T32B,
  L_T32C,
  L_T64A,
  LF_USED,
  LOCAL_TYPES,
  MAX_BLOCK,
  RIP_WORD,
} from './emitter.js';
import { type Branch, branchKind, emitInsn } from './insns.js';
import { assemble, Bytes, I32, OP, VOID } from './wasm.js';

export * from './emitter.js';

/**
 * Most blocks in one region, and most instructions over its blocks. With chaining, leaving a
 * region costs little, while every block compiled that rarely runs costs compilation: 8 blocks
 * used 5-18% less CPU than 16 on the bench kernels (both at quick and at 5x longer sizes).
 */
const MAX_REGION_BLOCKS = 8;
const MAX_REGION_INSNS = 512;
/**
 * Most blocks of a region that takes in observed targets of an indirect branch (e.g. the
 * dispatch loop of a bytecode interpreter and its handlers), and most pages besides the start's.
 */
const MAX_INDIRECT_REGION_BLOCKS = 40;
const MAX_EXTRA_PAGES = 3;
/** Widest spread of targets an indirect branch dispatches through a br_table. */
const MAX_TABLE_SPAN = 2048;

/** A translated region (one or more blocks on the page of its start and one neighbouring page), ready to run. */
export interface Block {
  /** Address of the first instruction. */
  readonly start: number;
  /**
   * The pages other than start's that some of its blocks start on: the translation is valid
   * while the code cache's versions of its start page and these are those seen when it was built.
   */
  readonly pages: readonly number[];
  /**
   * Addresses of the indirect branches (jmp/call through a register) of its blocks whose
   * observed targets were consulted: a new hot target of one of them calls for a new translation.
   */
  readonly indirect: readonly number[];
  /** Number of guest instructions of the entry block (the budget must hold them to enter). */
  readonly length: number;
  /** Number of blocks in the region. */
  readonly blocks: number;
  /** The region reads or writes XMM registers or MXCSR (their part of the mirror must be current). */
  readonly xmm: boolean;
  /** True when a branch inside the region leads back into it (it loops in WebAssembly). */
  readonly loops: boolean;
  /**
   * Runs the region (and the regions it chains to) while `budget` allows a whole next block,
   * starting from `count` instructions retired; returns the new count and leaves EXIT_WORD /
   * RIP_WORD (and on a TLB miss MISS_WORD / MISS_KIND_WORD) of the last region in the mirror.
   */
  readonly fn: (budget: number, count: number) => number;
  /** The region's slot in its memory's table (the value JitCpu puts into the chaining hash). */
  readonly slot: number;
}

/** Something that yields the decoded instruction at an address (the CPU's code cache). */
export interface InsnSource {
  get(addr: number): Insn;
}

/** Statistics of the translator (for tests and the benchmark). */
export const jitStats = { blocks: 0, instructions: 0, bytes: 0 };

/**
 * Translates the region starting at `start` over the guest memory `memory` (whose first
 * SCRATCH_END bytes hold the mirror), or returns null when its first instruction is outside the
 * translated subset. Every block starts on the page of `start` or on one of Block.pages, so
 * dropping decoded records of any of them (code-cache invalidation, which changes its version)
 * retires the translation (JitCpu compares all their versions). `targets` (JitCpu's record of
 * indirect-branch targets) lets the region take them in; without it every indirect branch leaves.
 */
export function translateBlock(
  src: InsnSource,
  start: number,
  memory: WebAssembly.Memory,
  targets?: TargetSource,
): Block | null {
  const access = memory;
  // Discover the region: blocks reachable from `start` through direct branches that start on
  // its page, or on one neighbouring page and branch back (so a loop crossing a page boundary
  // stays inside), and the observed hot targets of its indirect branches (on any page, up to
  // MAX_EXTRA_PAGES pages besides the start's).
  const page = Math.floor(start / 4096);
  let page2 = -1;
  const extra: number[] = [];
  const starts: number[] = [];
  const index = new Map<number, number>();
  const probes: Probe[] = [];
  const queue = [start];
  const viaIndirect = new Set<number>();
  const indirect: number[] = [];
  let limit = MAX_REGION_BLOCKS;
  let total = 0;
  while (queue.length > 0 && starts.length < limit && total < MAX_REGION_INSNS) {
    const at = queue.shift()!;
    if (index.has(at)) continue;
    // A block that never ran outside translated code stays out (a loop's cold exit path, say):
    // it would cost compilation and, in a loop of the bytecode-dispatch kind, speed (vm: 8%).
    if (at !== start && targets !== undefined && !targets.ran(at)) continue;
    const p = Math.floor(at / 4096);
    const known = p === page || extra.includes(p);
    const ind = viaIndirect.has(at);
    if (!known) {
      if (ind) {
        if (extra.length >= MAX_EXTRA_PAGES) continue;
      } else if (!(p === page - 1 || p === page + 1) || (page2 !== -1 && p !== page2)) continue;
    }
    const probe = emitInsns(new Emitter(), src, at, null);
    if (probe.n === 0) {
      if (at === start) return null;
      continue;
    }
    // A block on the neighbouring page joins only when it branches back to the start page (the
    // tail of a loop that crosses the boundary): taking whole neighbouring code in made regions
    // larger and compilation dearer than the exits it saved (buffer kernel: 20% more CPU).
    if (!known) {
      if (!ind) {
        if (
          !((probe.branch === 'jmp' || probe.branch === 'jcc') && Math.floor(probe.takenRip / 4096) === page)
        )
          continue;
        page2 = p;
      }
      extra.push(p);
    }
    index.set(at, starts.length);
    starts.push(at);
    probes.push(probe);
    total += probe.n;
    if (probe.branch === null || probe.branch === 'jcc') queue.push(probe.fallRip);
    if (probe.branch === 'jmp' || probe.branch === 'jcc' || probe.branch === 'call')
      queue.push(probe.takenRip);
    if (targets !== undefined && probe.last !== null && takesTargets(probe.branch)) {
      const seen = targets.of(probe.last.addr);
      indirect.push(probe.last.addr);
      if (seen !== undefined && seen.length > 0) {
        for (const t of seen) {
          if (!index.has(t)) viaIndirect.add(t);
          queue.push(t);
        }
        limit = MAX_INDIRECT_REGION_BLOCKS;
      }
    }
  }
  // Layout: a block is followed by its fall-through or jmp/call successor where possible, so
  // that the branch there falls through instead of going round the dispatch loop.
  {
    const order: number[] = [];
    const placed = new Array<boolean>(starts.length).fill(false);
    for (let s0 = 0; s0 < starts.length; s0++) {
      let k: number | undefined = s0;
      while (k !== undefined && !placed[k]) {
        placed[k] = true;
        order.push(k);
        const pr = probes[k]!;
        const next =
          pr.branch === null || pr.branch === 'jcc'
            ? pr.fallRip
            : pr.branch === 'jmp' || pr.branch === 'call'
              ? pr.takenRip
              : -1;
        k = index.get(next);
      }
    }
    const s1 = order.map((k) => starts[k]!);
    const p1 = order.map((k) => probes[k]!);
    for (let k = 0; k < order.length; k++) {
      starts[k] = s1[k]!;
      probes[k] = p1[k]!;
      index.set(s1[k]!, k);
    }
  }
  const e = new Emitter();
  const n = starts.length;
  let loops = false;
  // block $exit; loop $top; block $b(n-1) … block $b0; br_table on the block index.
  e.op(OP.block).op(VOID);
  e.op(OP.loop).op(VOID);
  for (let k = 0; k < n; k++) e.op(OP.block).op(VOID);
  e.get(L_IDX).op(OP.brTable).code.u32(n);
  for (let k = 0; k < n; k++) e.code.u32(k);
  e.code.u32(n + 1);
  for (let k = 0; k < n; k++) {
    e.op(OP.end);
    // A block that branches to itself runs in a loop of its own: its back edge goes straight
    // to its first instruction instead of round the br_table (one more label around its code).
    const inner =
      (probes[k]!.branch === 'jmp' || probes[k]!.branch === 'jcc') && probes[k]!.takenRip === starts[k]
        ? 1
        : 0;
    if (inner === 1) e.op(OP.loop).op(VOID);
    const probe = probes[k]!;
    // Dead-flag elimination: flags are live at the end of the block (stored, or read by its
    // jcc or by a successor block).
    const dead = new Array<boolean>(probe.effects.length).fill(false);
    let live = true;
    for (let j = probe.effects.length - 1; j >= 0; j--) {
      const fx = probe.effects[j]!;
      dead[j] = !live;
      // A side exit before the instruction exposes the record as it is before it; a partial
      // writer (rotate, inc/dec) reads the earlier flags only when its own result is live.
      if (fx.write === 1) live = fx.exit || fx.read;
      else if (fx.write === 2) live = live || fx.exit;
      else live = live || fx.read || fx.exit;
    }
    e.kind = -1;
    e.bits = 32;
    e.exitDepth = n - k + inner;
    const body = emitInsns(e, src, starts[k]!, dead);
    if (body.n !== probe.n) return null;
    const last = body.last;
    if (
      last !== null &&
      (body.branch === 'call' || body.branch === 'ret' || body.branch === 'ind' || body.branch === 'icall')
    ) {
      // The stack access (and target check) of call/ret may leave before the branch itself.
      e.index = body.n - 1;
      if (body.branch === 'call') e.push(last, () => e.i64(last.next, 0));
      else if (body.branch === 'icall') {
        // call through a register (SDM Vol. 2A CALL, near absolute indirect): the target is read
        // before the push (it may be rsp), checked below 2^32 like jmp's, then the return
        // address is pushed; either check leaves before the instruction with nothing done.
        e.reg64(last.rm).set(L_MEM);
        e.guard();
        e.get(L_MEM).i64(32, 0).op(OP.i64ShrU).op(OP.i64Eqz).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
        e.guardEnd(last);
        e.push(last, () => e.i64(last.next, 0));
      } else {
        if (body.branch === 'ret') e.peek(last);
        else e.reg64(last.rm).set(L_MEM);
        // A target at or above 2^32 stays with the interpreter (it raises #GP or the fetch fault).
        e.guard();
        e.get(L_MEM).i64(32, 0).op(OP.i64ShrU).op(OP.i64Eqz).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
        e.guardEnd(last);
        if (body.branch === 'ret') e.reg64(4).i64(8, 0).op(OP.i64Add).setReg64(4);
      }
    }
    e.get(L_COUNT).i32(body.n).op(OP.i32Add).set(L_COUNT);
    const goto = (rip: number, depth: number) => {
      const extra = depth + inner;
      const j = index.get(rip);
      if (j !== undefined) {
        loops ||= j <= k;
        // Into block j when the budget holds all of it: a later one by a branch to the end of
        // its label (which its code follows), others through the br_table at the loop's head.
        e.get(L_COUNT).i32(probes[j]!.n).op(OP.i32Add).get(0).op(OP.i32LeS);
        e.op(OP.if).op(VOID);
        if (j > k) e.op(OP.br).code.u32(extra + j - k);
        else if (j === k && inner === 1) e.op(OP.br).code.u32(depth + 1);
        else {
          e.i32(j).set(L_IDX);
          e.op(OP.br).code.u32(n - 1 - k + extra + 1);
        }
        e.op(OP.end);
      }
      e.i32(0)
        .i64(rip, 0)
        .op(OP.i64Store)
        .code.u32(3)
        .u32(RIP_WORD * 4);
      e.i32(0).set(L_EXIT);
      e.op(OP.br).code.u32(n - k + extra);
    };
    if (last !== null && isIndirect(body.branch)) {
      if (targets === undefined || !takesTargets(body.branch)) {
        e.i32(0)
          .get(L_MEM)
          .op(OP.i64Store)
          .code.u32(3)
          .u32(RIP_WORD * 4);
        e.i32(0).set(L_EXIT);
        e.op(OP.br).code.u32(n - k + inner);
        if (inner === 1) e.op(OP.end);
        continue;
      }
      // The observed targets this region holds: continue there inside WebAssembly.
      const inside = [...new Set(targets.of(last.addr) ?? [])].filter((t) => index.has(t));
      if (inside.length > 0) dispatchIndirect(e, inside, goto);
      // Elsewhere: leave with the target, and the branch's address in the high half of the rip
      // word so that JitCpu learns the target. Every (sampleMask + 1)-th such exit returns to
      // JavaScript (exit 2) instead of chaining, so new hot targets are seen even when their
      // own regions are linked.
      e.i32(0)
        .get(L_MEM)
        .i64(0, last.addr)
        .op(OP.i64Or)
        .op(OP.i64Store)
        .code.u32(3)
        .u32(RIP_WORD * 4);
      e.i32(0)
        .i32(0)
        .op(OP.i32Load)
        .code.u32(2)
        .u32(IND_SAMPLE_WORD * 4);
      e.i32(1).op(OP.i32Add).op(OP.localTee).code.u32(L_T32A);
      e.op(OP.i32Store)
        .code.u32(2)
        .u32(IND_SAMPLE_WORD * 4);
      e.get(L_T32A).i32(targets.sampleMask).op(OP.i32And).op(OP.i32Eqz).i32(1).op(OP.i32Shl).set(L_EXIT);
      e.op(OP.br).code.u32(n - k + inner);
      if (inner === 1) e.op(OP.end);
      continue;
    }
    if (body.branch === 'jcc') {
      e.cond(body.cc);
      e.op(OP.if).op(VOID);
      goto(body.takenRip, 1);
      e.op(OP.end);
      goto(body.fallRip, 0);
    } else goto(body.branch === 'jmp' || body.branch === 'call' ? body.takenRip : body.fallRip, 0);
    if (inner === 1) e.op(OP.end);
  }
  e.op(OP.end).op(OP.end);
  return finish(
    e,
    start,
    probes[0]!.n,
    n,
    loops,
    access,
    extra.filter((x) => starts.some((a) => Math.floor(a / 4096) === x)),
    indirect,
  );
}

/** Flag effects of one emitted instruction (see Emitter.fxWrite/fxRead/fxExit). */
interface Effect {
  write: number;
  read: boolean;
  exit: boolean;
}

/** How a block ends: insns.ts's branches, or a call through a register (translated here). */
type RegionBranch = Branch | 'icall';

/** The kind of control transfer `i` is for a region, or null for an ordinary instruction. */
export function regionBranch(i: Insn): RegionBranch | null {
  const b = branchKind(i);
  if (b !== null) return b;
  // FF /2 with a register operand: call r64 (no operand-size, lock, VEX or F2/F3 prefix).
  if (
    i.map === 0 &&
    i.opcode === 0xff &&
    i.reg === 2 &&
    i.mod === 3 &&
    (i.pfx & (PFX_OPSIZE | PFX_LOCK | PFX_VEX | PFX_REP | PFX_REPNE)) === 0
  )
    return 'icall';
  return null;
}

/** Whether a block ending in `b` continues at a target known only at run time. */
function isIndirect(b: RegionBranch | null): boolean {
  return b === 'ret' || b === 'ind' || b === 'icall';
}

/**
 * Whether region discovery takes in the observed targets of a block ending in `b`: jmp and call
 * through a register. Not ret: regions that took in return sites (the caller's code after the
 * call) cost more compilation than the exits saved (sha256 35% and qsort 10% more CPU).
 */
export function takesTargets(b: RegionBranch | null): boolean {
  return b === 'ind' || b === 'icall';
}

/**
 * Continues at the block of the target in L_MEM (checked below 2^32) when it is one of
 * `inside` (observed targets the region holds; `goto` enters a block or leaves for it when the
 * budget cannot hold it); falls through otherwise. Targets spread over at most
 * MAX_TABLE_SPAN bytes go through a br_table on the offset from the lowest, others through a
 * chain of compares in order of hotness.
 */
function dispatchIndirect(e: Emitter, inside: number[], goto: (rip: number, extra: number) => void): void {
  const m = inside.length;
  let lo = inside[0]!;
  let hi = lo;
  for (const t of inside) {
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  if (m < 4 || hi - lo >= MAX_TABLE_SPAN) {
    for (const t of inside) {
      e.get(L_MEM).i64(t, 0).op(OP.i64Eq).op(OP.if).op(VOID);
      goto(t, 1);
      e.op(OP.end);
    }
    return;
  }
  const span = hi - lo + 1;
  e.op(OP.block).op(VOID); // $miss
  for (let c = 0; c < m; c++) e.op(OP.block).op(VOID);
  e.get(L_MEM).i64(lo, 0).op(OP.i64Sub).op(OP.localTee).code.u32(L_T64A);
  e.i64(span, 0).op(OP.i64LtU).op(OP.i32Eqz).op(OP.brIf).code.u32(m);
  e.get(L_T64A).op(OP.i32WrapI64).op(OP.brTable).code.u32(span);
  const caseOf = new Map<number, number>();
  for (let c = 0; c < m; c++) caseOf.set(inside[c]! - lo, c);
  for (let d = 0; d < span; d++) e.code.u32(caseOf.get(d) ?? m);
  e.code.u32(m);
  for (let c = 0; c < m; c++) {
    e.op(OP.end);
    goto(inside[c]!, m - c);
  }
  e.op(OP.end);
}

/** The observed targets of indirect branches (JitCpu's record), for region discovery. */
export interface TargetSource {
  /** Hot targets of the indirect branch at `branch`, hottest first (at most a few). */
  of(branch: number): readonly number[] | undefined;
  /** Whether execution ever arrived at `addr` outside translated code (only such blocks join a region). */
  ran(addr: number): boolean;
  /** A region's indirect exit to a target outside it returns to JavaScript every (mask + 1)-th time. */
  readonly sampleMask: number;
}

/** One block as emitted: its instructions (including a final branch) and where it leads. */
interface Probe {
  n: number;
  fallRip: number;
  takenRip: number;
  branch: RegionBranch | null;
  /** The jcc's condition code. */
  cc: number;
  /** The final branch instruction. */
  last: Insn | null;
  effects: Effect[];
}

/**
 * Emits the instructions of the block at `start` into `e` (without its final branch, which
 * the caller emits): stops at a jmp/jcc, at the first instruction outside the subset, at the
 * page end, or at MAX_BLOCK instructions.
 */
function emitInsns(e: Emitter, src: InsnSource, start: number, dead: boolean[] | null): Probe {
  const page = Math.floor(start / 4096);
  let n = 0;
  let addr = start;
  let branch: RegionBranch | null = null;
  let last: Insn | null = null;
  const effects: Effect[] = [];
  while (n < MAX_BLOCK) {
    if (Math.floor(addr / 4096) !== page) break;
    let i: Insn;
    try {
      i = src.get(addr);
    } catch {
      break;
    }
    // An instruction may end on the next page: the code cache drops it (and bumps the version
    // of the page it starts on, which validates the region) when any of its bytes change.
    const b = regionBranch(i);
    if (b !== null) {
      if ((b === 'jmp' || b === 'jcc' || b === 'call') && !(i.target >= 0 && i.target < 4294967296)) break;
      if ((b === 'call' || b === 'icall') && !(i.next < 4294967296)) break;
      branch = b;
      last = i;
      n++;
      break;
    }
    e.index = n;
    e.dead = dead !== null && dead[n] === true;
    e.fxWrite = 0;
    e.fxRead = false;
    e.fxExit = false;
    if (!emitInsn(e, i)) break;
    if (dead !== null) e.emitted++;
    effects.push({ write: e.fxWrite, read: e.fxRead, exit: e.fxExit });
    n++;
    addr = i.next;
  }
  e.dead = false;
  if (last !== null) {
    const direct = branch === 'jmp' || branch === 'jcc' || branch === 'call';
    return {
      n,
      fallRip: last.next,
      takenRip: direct ? last.target : -1,
      branch,
      cc: last.opcode & 15,
      last,
      effects,
    };
  }
  return { n, fallRip: addr, takenRip: addr, branch: null, cc: 0, last: null, effects };
}

function finish(
  e: Emitter,
  start: number,
  length: number,
  blocks: number,
  loops: boolean,
  access: WebAssembly.Memory,
  pages: readonly number[],
  indirect: readonly number[],
): Block {
  // Entry check: the first block must fit the budget (param 0) after the instructions retired
  // so far in the chain (param 1 = L_COUNT), and a region using XMM needs them in the mirror;
  // otherwise return at once with this rip as the exit (the caller decides what runs next).
  const pro = new Bytes();
  pro
    .byte(OP.localGet)
    .u32(L_COUNT)
    .byte(OP.i32Const)
    .s32(length)
    .byte(OP.i32Add)
    .byte(OP.localGet)
    .u32(0)
    .byte(OP.i32GtS);
  if (e.usesXmm)
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.i32Load)
      .u32(2)
      .u32(XMM_OK_WORD * 4)
      .byte(OP.i32Eqz)
      .byte(OP.i32Or);
  pro.byte(OP.if).byte(VOID);
  pro
    .byte(OP.i32Const)
    .s32(0)
    .byte(OP.i64Const)
    .s64(start, 0)
    .byte(OP.i64Store)
    .u32(3)
    .u32(RIP_WORD * 4);
  pro
    .byte(OP.i32Const)
    .s32(0)
    .byte(OP.i32Const)
    .s32(0)
    .byte(OP.i32Store)
    .u32(2)
    .u32(EXIT_WORD * 4);
  pro.byte(OP.localGet).u32(L_COUNT).byte(OP.return).byte(OP.end);
  // Prologue: load registers and the flag words the block writes (a side exit may leave before
  // writing them); epilogue: store them back, the exit number, and return the count.
  const regs = new Set([...e.readRegs, ...e.writeRegs]);
  for (const r of regs) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.i64Load)
      .u32(3)
      .u32(r * 8)
      .byte(OP.localSet)
      .u32(L_REG + r);
  }
  for (let w = 0; w < LF_USED; w++) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.i32Load)
      .u32(2)
      .u32((LF_I32 + w) * 4)
      .byte(OP.localSet)
      .u32(L_LF + w);
  }
  e.xmmPrologue(pro);
  pro.bytes(e.code.take());
  e.xmmEpilogue(pro);
  for (const r of e.writeRegs) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.localGet)
      .u32(L_REG + r)
      .byte(OP.i64Store)
      .u32(3)
      .u32(r * 8);
  }
  // Flag words the region never writes still hold the mirror's values.
  for (let w = 0; w < LF_USED; w++) {
    if (!e.lfWritten.has(w)) continue;
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.localGet)
      .u32(L_LF + w)
      .byte(OP.i32Store)
      .u32(2)
      .u32((LF_I32 + w) * 4);
  }
  pro
    .byte(OP.i32Const)
    .s32(0)
    .byte(OP.localGet)
    .u32(L_EXIT)
    .byte(OP.i32Store)
    .u32(2)
    .u32(EXIT_WORD * 4);
  // Chaining: a branch out of the region (exit 0) continues in the region the hash holds for
  // its target, if any, by a tail call with the same budget and the count so far (chain.ts).
  pro.byte(OP.localGet).u32(L_EXIT).byte(OP.i32Eqz).byte(OP.if).byte(VOID);
  pro
    .byte(OP.i32Const)
    .s32(0)
    .byte(OP.i32Load)
    .u32(2)
    .u32(RIP_WORD * 4)
    .byte(OP.localSet)
    .u32(L_T32A);
  // The hash offset of the target rip (as chainSlotOffset computes it).
  pro
    .byte(OP.localGet)
    .u32(L_T32A)
    .byte(OP.localGet)
    .u32(L_T32A)
    .byte(OP.i32Const)
    .s32(12)
    .byte(OP.i32ShrU)
    .byte(OP.i32Xor)
    .byte(OP.i32Const)
    .s32(CHAIN_ENTRIES - 1)
    .byte(OP.i32And)
    .byte(OP.i32Const)
    .s32(3)
    .byte(OP.i32Shl)
    .byte(OP.localTee)
    .u32(L_T32B);
  pro.byte(OP.i32Load).u32(2).u32(CHAIN_HASH_BYTE).byte(OP.localGet).u32(L_T32A).byte(OP.i32Eq);
  pro.byte(OP.if).byte(VOID);
  pro
    .byte(OP.localGet)
    .u32(L_T32B)
    .byte(OP.i32Load)
    .u32(2)
    .u32(CHAIN_HASH_BYTE + 4)
    .byte(OP.localTee)
    .u32(L_T32C);
  pro.byte(OP.if).byte(VOID);
  pro.byte(OP.localGet).u32(0).byte(OP.localGet).u32(L_COUNT).byte(OP.localGet).u32(L_T32C);
  pro.byte(OP.returnCallIndirect).u32(0).u32(0);
  pro.byte(OP.end).byte(OP.end).byte(OP.end);
  pro.byte(OP.localGet).u32(L_COUNT);
  const types = [{ params: [I32, I32], results: [I32] }];
  const bin = assemble({
    types,
    table: true,
    imports: [],
    // The count (local L_COUNT = 1) is the second parameter: the first of LOCAL_TYPES.
    funcs: [{ type: 0, locals: LOCAL_TYPES.slice(1), code: pro, export: 'f' }],
  });
  const chain = chainFor(access);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), {
    e: { m: access, t: chain.table },
  });
  const fn = inst.exports.f as (budget: number, count: number) => number;
  jitStats.blocks++;
  jitStats.instructions += e.emitted;
  jitStats.bytes += bin.length;
  const block = { start, pages, indirect, length, blocks, loops, xmm: e.usesXmm, fn, slot: 0 };
  block.slot = installRegion(access, fn, block);
  return block;
}
