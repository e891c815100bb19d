/**
 * The embedder-facing contract of the CPU. The interpreter (and later the JIT) implements
 * {@link X86Cpu}; the loader and the kernel program against this interface only.
 */
import type { CpuFault } from './fault.js';
import type { GuestMemory } from './memory.js';

/** General-purpose register numbers in encoding order (Intel SDM Vol. 2A, table 2-2). */
export const Reg = {
  RAX: 0,
  RCX: 1,
  RDX: 2,
  RBX: 3,
  RSP: 4,
  RBP: 5,
  RSI: 6,
  RDI: 7,
  R8: 8,
  R9: 9,
  R10: 10,
  R11: 11,
  R12: 12,
  R13: 13,
  R14: 14,
  R15: 15,
} as const;
/** A general-purpose register number, 0–15. */
export type Reg = (typeof Reg)[keyof typeof Reg];

/** Why {@link X86Cpu.run} returned. */
export type StopReason =
  /** A `syscall` instruction executed; rip already points after it. The embedder services it and calls run again. */
  | 'syscall'
  /** An instruction faulted; rip points at it (or after it, for int3) and `fault` says why. */
  | 'fault'
  /** The instruction budget was used up; the next instruction has not started. */
  | 'budget'
  /** The embedder asked the CPU to stop early ({@link X86Cpu.requestStop}). */
  | 'stopped';

/** The outcome of one {@link X86Cpu.run} call. */
export interface RunResult {
  /** Why the run ended. */
  reason: StopReason;
  /** Instructions retired during this run (each REP iteration counts as one). */
  executed: number;
  /** The fault, when `reason` is `'fault'`. */
  fault?: CpuFault;
}

/** One x87 data register in its 80-bit double-extended form. */
export interface X87Register {
  /** Sign bit. */
  sign: boolean;
  /** Biased 15-bit exponent. */
  exponent: number;
  /** 64-bit significand including the explicit integer bit. */
  significand: bigint;
}

/** The architecturally visible x87 state. */
export interface X87State {
  /** FPU control word (FCW). */
  control: number;
  /** FPU status word (FSW), including TOP in bits 11–13. */
  status: number;
  /** Full 16-bit tag word (2 bits per physical register). */
  tag: number;
  /** Physical registers R0–R7 (ST(i) is R((TOP+i) mod 8)). */
  registers: X87Register[];
}

/**
 * An x86-64 user-mode CPU over a {@link GuestMemory}. Register accessors use bigint at this edge;
 * the execution loop itself never does.
 */
export interface X86Cpu {
  /** The address space instructions run in. */
  readonly memory: GuestMemory;
  /** Address of the next instruction. */
  rip: number;
  /** FS segment base (the thread pointer slot on CloudABI). */
  fsBase: bigint;
  /** GS segment base. */
  gsBase: bigint;
  /** MXCSR, the SSE control and status register. */
  mxcsr: number;
  /** Total instructions retired since creation. */
  readonly instructionCount: number;

  /** Reads a 64-bit general-purpose register. */
  getReg(reg: Reg): bigint;
  /** Writes a 64-bit general-purpose register (the value is taken modulo 2^64). */
  setReg(reg: Reg, value: bigint): void;
  /** Reads the low 32 bits of a register as an unsigned number (fast, for syscall arguments). */
  getReg32(reg: Reg): number;
  /** Reads a register as an unsigned number; exact below 2^53, larger values lose low bits. */
  getRegNumber(reg: Reg): number;
  /** Writes a register from a non-negative integer below 2^53 (fast, for syscall results). */
  setRegNumber(reg: Reg, value: number): void;
  /** The full RFLAGS value (lazy flags materialised). */
  getRflags(): number;
  /** Replaces RFLAGS (only the user-writable bits take effect). */
  setRflags(value: number): void;
  /** Copies out XMM register `index` (16 bytes, little-endian). */
  getXmm(index: number): Uint8Array;
  /** Replaces XMM register `index` with 16 bytes. */
  setXmm(index: number, bytes: Uint8Array): void;
  /** A snapshot of the x87 state. */
  getX87(): X87State;
  /** Replaces the x87 state. */
  setX87(state: X87State): void;

  /**
   * Executes instructions until a `syscall`, a fault, or `budget` retired instructions.
   * Never throws for anything the guest does; guest faults come back as results.
   */
  run(budget: number): RunResult;
  /** Makes a run in progress return with reason `'stopped'` at the next instruction boundary. */
  requestStop(): void;
  /** Copies the whole register state (GPRs, flags, rip, segment bases, SSE, x87) from another CPU. */
  copyStateFrom(other: X86Cpu): void;
  /** Disassembles the instruction at `address` (Intel syntax) without executing it. */
  disassemble(address: number): { text: string; length: number };
}
