/**
 * `@cabi/kernel/testing`: run guest "programs" written as JavaScript generators on the kernel,
 * without an x86 CPU or an ELF file.
 *
 * A {@link ScriptCpu} implements the CPU contract. Its program is a generator that yields steps:
 * a syscall (registers set exactly as a raw `syscall` would set them, through the vDSO range or
 * the legacy path), a number of instructions to burn (so the scheduler preempts it), or a fault.
 * Guest memory is real {@link GuestMemory}; a program reads and writes it directly, which is
 * atomic with respect to other guest threads because only one runs at a time. This makes
 * scheduler, futex, fork and exec behaviour testable end to end, deterministically.
 *
 * @packageDocumentation
 */
import {
  CpuFault,
  type FaultKind,
  type GuestMemory,
  PROT_READ,
  PROT_WRITE,
  Reg,
  type RunResult,
  type X86Cpu,
  type X87State,
} from '@cabi/x86-core';
import type { CpuFactory, ImageLoader, LoadedImage } from './kernel.js';
import { syscallByName } from './syscall-table.js';

/** Where script images live in guest memory. */
const HEAP_BASE = 0x10_0000;
const HEAP_SIZE = 0x10_0000;
const STACK_TOP = 0x22_0000;
const STACK_SIZE = 0x1_0000;
const VDSO_BASE = 0x23_0000;
const VDSO_SIZE = 0x1000;
/** rip of a `syscall` outside the vDSO (legacy numbering). */
const LEGACY_RIP = 0x24_0002;

/** A step of a script program. */
export type ScriptStep =
  | { kind: 'syscall'; number: number; args: (number | bigint)[]; legacy: boolean; child?: ScriptFunction }
  | { kind: 'spin'; instructions: number }
  | { kind: 'fault'; fault: FaultKind; address?: number };

/** What a syscall step returns to the program. */
export interface ScriptReply {
  /** rax as a bigint. */
  rax: bigint;
  /** rdx as a bigint. */
  rdx: bigint;
  /** The carry flag: true on error. */
  cf: boolean;
  /** rax as an errno when `cf`, else 0. */
  errno: number;
  /** rax as a number (results below 2^53). */
  value: number;
}

/** A script program or thread body. */
export type ScriptFunction = (guest: ScriptGuest) => Generator<ScriptStep, void, ScriptReply>;

/** The helpers a script program gets. */
export class ScriptGuest {
  constructor(
    readonly cpu: ScriptCpu,
    /** First argument register at entry (rdi: auxv address, or the tid of a new thread). */
    readonly rdi: bigint,
    /** Second argument register at entry (rsi: the thread argument). */
    readonly rsi: bigint,
  ) {}
  /** The address space. */
  get memory(): GuestMemory {
    return this.cpu.memory;
  }
  /** A syscall by name through the vDSO path (final numbering). */
  sys(name: string, ...args: (number | bigint)[]): ScriptStep {
    const info = syscallByName(name);
    if (!info || info.number < 0) throw new Error(`no final syscall ${name}`);
    return { kind: 'syscall', number: info.number, args, legacy: false };
  }
  /** A syscall by name through a raw `syscall` outside the vDSO (legacy numbering). */
  legacy(name: string, ...args: (number | bigint)[]): ScriptStep {
    const info = syscallByName(name);
    if (!info || info.legacyNumber < 0) throw new Error(`no legacy syscall ${name}`);
    return { kind: 'syscall', number: info.legacyNumber, args, legacy: true };
  }
  /** A raw syscall with an arbitrary number and registers. */
  raw(number: number, args: (number | bigint)[], legacy = false): ScriptStep {
    return { kind: 'syscall', number, args, legacy };
  }
  /** proc_fork; the child runs `child` (the parent continues after the yield). */
  fork(child: ScriptFunction): ScriptStep {
    return { kind: 'syscall', number: syscallByName('proc_fork')!.number, args: [], legacy: false, child };
  }
  /** Burns `n` instructions. */
  spin(n: number): ScriptStep {
    return { kind: 'spin', instructions: n };
  }
  /** Raises a CPU fault. */
  fault(fault: FaultKind, address?: number): ScriptStep {
    return address === undefined ? { kind: 'fault', fault } : { kind: 'fault', fault, address };
  }
  /** Allocates zeroed guest memory from the process heap (8-byte aligned). */
  alloc(size: number): number {
    const dv = this.memory.dv;
    const next = dv.getUint32(HEAP_BASE, true) || HEAP_BASE + 16;
    const at = Math.ceil(next / 16) * 16;
    if (at + size > HEAP_BASE + HEAP_SIZE) throw new Error('script heap exhausted');
    dv.setUint32(HEAP_BASE, at + size, true);
    this.memory.u8.fill(0, at, at + size);
    return at;
  }
  /** Registers a thread entry point for thread_create; returns its address. */
  entry(fn: ScriptFunction): number {
    return this.cpu.program.register(fn);
  }
  u32(addr: number): number {
    return this.memory.dv.getUint32(addr, true);
  }
  setU32(addr: number, v: number): void {
    this.memory.dv.setUint32(addr, v >>> 0, true);
  }
  u64(addr: number): bigint {
    return this.memory.dv.getBigUint64(addr, true);
  }
  setU64(addr: number, v: bigint | number): void {
    this.memory.dv.setBigUint64(addr, BigInt(v), true);
  }
}

/** A set of script functions addressable by fake code addresses; it is the "executable". */
export class ScriptProgram {
  private readonly functions = new Map<number, ScriptFunction>();
  private readonly byName = new Map<string, number>();
  private next = 0x1000_0000;

  /** Gives `fn` an address (idempotent). */
  register(fn: ScriptFunction): number {
    for (const [addr, f] of this.functions) if (f === fn) return addr;
    const addr = this.next;
    this.next += 16;
    this.functions.set(addr, fn);
    return addr;
  }
  /** The function at an address. */
  at(addr: number): ScriptFunction | undefined {
    return this.functions.get(addr);
  }
  /** Registers a main function under a name; the returned bytes are its "executable". */
  image(name: string, main: ScriptFunction): Uint8Array {
    this.byName.set(name, this.register(main));
    return new TextEncoder().encode(`script:${name}`);
  }
  /** The entry address of a named image. */
  entryOf(bytes: Uint8Array): number | undefined {
    const text = new TextDecoder().decode(bytes);
    return text.startsWith('script:') ? this.byName.get(text.slice(7)) : undefined;
  }
  /** The loader for this program's images: maps a stack, a heap and a vDSO page. */
  loader(): ImageLoader {
    return (memory, executable, options): LoadedImage => {
      const entry = this.entryOf(executable);
      if (entry === undefined) throw new Error('not a script image');
      memory.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE);
      memory.map(HEAP_BASE, HEAP_SIZE, PROT_READ | PROT_WRITE);
      memory.map(VDSO_BASE, VDSO_SIZE, PROT_READ);
      const argdata = HEAP_BASE + HEAP_SIZE - 0x10000;
      if (options.argdata.length > 0x10000 - 16) throw new Error('argdata too large');
      memory.u8.set(options.argdata, argdata);
      memory.dv.setUint32(HEAP_BASE + 4, argdata, true);
      memory.dv.setUint32(HEAP_BASE + 8, options.argdata.length, true);
      memory.dv.setUint32(HEAP_BASE + 12, options.tid, true);
      return {
        entry,
        rsp: STACK_TOP - 8,
        rdi: options.tid,
        fsBase: 0,
        vdsoBase: VDSO_BASE,
        vdsoEnd: VDSO_BASE + VDSO_SIZE,
      };
    };
  }
  /** The CPU factory for this program. */
  cpus(): CpuFactory {
    return (memory) => new ScriptCpu(memory, this);
  }
}

/** The argdata a script process was started with. */
export function scriptArgdata(memory: GuestMemory): Uint8Array {
  const at = memory.dv.getUint32(HEAP_BASE + 4, true);
  const len = memory.dv.getUint32(HEAP_BASE + 8, true);
  return memory.u8.slice(at, at + len);
}

const ARG_REGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9];

/** A CPU whose "instructions" are the steps of a generator (see module comment). */
export class ScriptCpu implements X86Cpu {
  rip = 0;
  fsBase = 0n;
  gsBase = 0n;
  mxcsr = 0x1f80;
  instructionCount = 0;
  private readonly regs: bigint[] = new Array(16).fill(0n);
  private rflags = 0x202;
  private gen: Generator<ScriptStep, void, ScriptReply> | null = null;
  private pending: ScriptStep | null = null;
  private spinLeft = 0;
  private stopRequested = false;
  private started = false;
  /** For a forked child: the function to run, entered with the fork's reply. */
  private forkChild: ScriptFunction | null = null;

  constructor(
    readonly memory: GuestMemory,
    readonly program: ScriptProgram,
  ) {}

  getReg(reg: Reg): bigint {
    return this.regs[reg]!;
  }
  setReg(reg: Reg, value: bigint): void {
    this.regs[reg] = BigInt.asUintN(64, value);
  }
  getReg32(reg: Reg): number {
    return Number(this.regs[reg]! & 0xffffffffn);
  }
  getRegNumber(reg: Reg): number {
    return Number(this.regs[reg]!);
  }
  setRegNumber(reg: Reg, value: number): void {
    this.regs[reg] = BigInt.asUintN(64, BigInt(value));
  }
  getRflags(): number {
    return this.rflags;
  }
  setRflags(value: number): void {
    this.rflags = value;
  }
  getXmm(): Uint8Array {
    return new Uint8Array(16);
  }
  setXmm(): void {}
  getX87(): X87State {
    return { control: 0x37f, status: 0, tag: 0xffff, registers: [] };
  }
  setX87(): void {}
  requestStop(): void {
    this.stopRequested = true;
  }
  copyStateFrom(other: X86Cpu): void {
    for (let r = 0; r < 16; r++) this.regs[r] = other.getReg(r as Reg);
    this.rip = other.rip;
    this.fsBase = other.fsBase;
    this.gsBase = other.gsBase;
    this.rflags = other.getRflags();
    if (other instanceof ScriptCpu && other.pending?.kind === 'syscall' && other.pending.child) {
      this.forkChild = other.pending.child;
    }
  }
  disassemble(): { text: string; length: number } {
    return { text: 'script', length: 1 };
  }

  private reply(): ScriptReply {
    const rax = this.regs[Reg.RAX]!;
    const cf = (this.rflags & 1) !== 0;
    return { rax, rdx: this.regs[Reg.RDX]!, cf, errno: cf ? Number(rax) : 0, value: Number(rax) };
  }

  run(budget: number): RunResult {
    let executed = 0;
    if (this.stopRequested) {
      this.stopRequested = false;
      return { reason: 'stopped', executed };
    }
    if (!this.started) {
      this.started = true;
      if (this.forkChild) {
        // The child starts where proc_fork returned: rdi/rsi of its guest are the fork results.
        this.gen = this.forkChild(new ScriptGuest(this, this.regs[Reg.RAX]!, this.regs[Reg.RDX]!));
        return this.handle(this.gen.next(undefined as unknown as ScriptReply), executed, budget);
      }
      const fn = this.program.at(this.rip);
      if (!fn) return this.faultResult('invalid-opcode', executed);
      this.gen = fn(new ScriptGuest(this, this.regs[Reg.RDI]!, this.regs[Reg.RSI]!));
      return this.handle(this.gen.next(undefined as unknown as ScriptReply), executed, budget);
    }
    if (this.spinLeft > 0) {
      const n = Math.min(this.spinLeft, budget);
      this.spinLeft -= n;
      executed += n;
      this.instructionCount += n;
      if (this.spinLeft > 0) return { reason: 'budget', executed };
      return this.handle(this.gen!.next(this.reply()), executed, budget);
    }
    return this.handle(this.gen!.next(this.reply()), executed, budget);
  }

  private handle(r: IteratorResult<ScriptStep, void>, executed: number, budget: number): RunResult {
    for (;;) {
      if (r.done) return this.faultResult('invalid-opcode', executed);
      const step = r.value;
      this.pending = step;
      if (step.kind === 'syscall') {
        this.regs[Reg.RAX] = BigInt(step.number);
        step.args.forEach((v, i) => {
          this.regs[ARG_REGS[i]!] = BigInt.asUintN(64, BigInt(v));
        });
        this.rip = step.legacy ? LEGACY_RIP : VDSO_BASE + 0x12;
        executed++;
        this.instructionCount++;
        return { reason: 'syscall', executed };
      }
      if (step.kind === 'fault') {
        const fault = new CpuFault(step.fault, step.address);
        fault.rip = this.rip;
        return { reason: 'fault', executed, fault };
      }
      const n = Math.min(step.instructions, Math.max(0, budget - executed));
      executed += n;
      this.instructionCount += n;
      if (n < step.instructions) {
        this.spinLeft = step.instructions - n;
        return { reason: 'budget', executed };
      }
      // A spin that used up the budget exactly resumes with the next step on the following run.
      if (executed >= budget) return { reason: 'budget', executed };
      r = this.gen!.next(this.reply());
    }
  }

  private faultResult(kind: FaultKind, executed: number): RunResult {
    const fault = new CpuFault(kind);
    fault.rip = this.rip;
    return { reason: 'fault', executed, fault };
  }
}
export * from './testing-fs.js';
