/**
 * Chaining of translated regions. Every region of one guest memory is installed in a slot of one
 * funcref `WebAssembly.Table` that all its region modules import, and a hash table in the mirror
 * maps a rip to the slot of the live region starting there. A region that leaves through a branch
 * (direct, `ret` or an indirect jump) looks the target up in that hash inside WebAssembly and, on
 * a hit, continues there with `return_call_indirect` (the tail-call proposal), so a chain of
 * regions runs without returning to JavaScript. The budget and the count of retired instructions
 * travel as the two parameters of every region; each region checks on entry that its first block
 * fits and otherwise returns at once, so budgets stay exact. Registers travel through the mirror.
 *
 * Only JitCpu writes the hash: it inserts a region when it enters it, and empties the whole table
 * whenever the code cache dropped any instruction since the last emptying (which is the only way
 * a translation becomes stale) before it enters WebAssembly again. Code is never written while
 * WebAssembly runs (translated stores never reach pages holding decoded code), so no stale region
 * can be reached through the hash.
 */

/** Byte offset of the rip → slot hash in the mirror: CHAIN_ENTRIES pairs of words (rip, slot). */
export const CHAIN_HASH_BYTE = 0x8000;
export const CHAIN_ENTRIES = 4096;
/**
 * A mirror word that is 1 while the XMM registers and MXCSR in the mirror are the CPU's current
 * ones: a region using them refuses to be entered through the hash otherwise.
 */
export const XMM_OK_WORD = 992 / 4;

/**
 * A mirror word counting the indirect-branch exits of regions to targets outside them; every
 * (TargetSource.sampleMask + 1)-th returns to JavaScript so that JitCpu sees its target.
 */
export const IND_SAMPLE_WORD = 0x7ff0 / 4;

/** The byte offset of `rip`'s hash entry relative to CHAIN_HASH_BYTE. */
export function chainSlotOffset(rip: number): number {
  return ((rip ^ (rip >>> 12)) & (CHAIN_ENTRIES - 1)) << 3;
}

/** The region table of one guest memory (shared by the CPUs of its threads). */
export interface ChainState {
  readonly table: WebAssembly.Table;
  /** Slots released by collected regions. */
  readonly free: number[];
  /** Next never-used slot (slot 0 stays empty: a hash value of 0 means no region). */
  next: number;
  /** CodeCache.dropped when the hash was last emptied; -1 forces emptying it before the next entry. */
  droppedSeen: number;
}

const states = new WeakMap<WebAssembly.Memory, ChainState>();

/** Frees the table slot of a region once its Block is collected (its code was dropped). */
const registry = new FinalizationRegistry<{ state: ChainState; slot: number }>(({ state, slot }) => {
  state.table.set(slot, null);
  state.free.push(slot);
});

/** The chaining state of `memory`, created on first use. */
export function chainFor(memory: WebAssembly.Memory): ChainState {
  let s = states.get(memory);
  if (s === undefined) {
    s = {
      table: new WebAssembly.Table({ element: 'anyfunc', initial: 64 }),
      free: [],
      next: 1,
      droppedSeen: -1,
    };
    states.set(memory, s);
  }
  return s;
}

/**
 * Puts the region function `fn` into a free slot of `memory`'s table and returns the slot; the
 * slot is released when `owner` (the region's Block) is garbage-collected. A region can only be
 * collected after its code was dropped, and then the hash is emptied before WebAssembly runs
 * again, so a released slot is never reached.
 */
export function installRegion(memory: WebAssembly.Memory, fn: unknown, owner: object): number {
  const s = chainFor(memory);
  let slot = s.free.pop();
  if (slot === undefined) {
    slot = s.next++;
    if (slot >= s.table.length) s.table.grow(s.table.length);
  }
  s.table.set(slot, fn as (...args: unknown[]) => unknown);
  registry.register(owner, { state: s, slot });
  return slot;
}
