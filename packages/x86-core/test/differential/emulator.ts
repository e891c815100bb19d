/**
 * Runs differential test cases in x86-core with exactly the address-space layout the native harness
 * uses (code page R+X at CODE_ADDR filled with int3, data page R+W, read-only page with the fixed
 * pattern, everything else unmapped) and reports the final state in the harness's result format.
 */
import type { X86Cpu } from '../../src/api.js';
import { Cpu } from '../../src/cpu.js';
import type { CpuFault, FaultKind } from '../../src/fault.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';
import { getSelector, setSegmentModel } from '../../src/ops/segment.js';
import {
  type CaseResult,
  CODE_ADDR,
  DATA_ADDR,
  PAGE,
  RO_ADDR,
  roPageByte,
  SIG,
  type TestCase,
  TRAP,
} from '../native/harness.js';
import { fxFromCpu, loadFx } from './fx.js';

/** Creates the CPU under test over a memory. */
export type CpuFactory = (memory: GuestMemory) => X86Cpu;

/** Signal number and trap number a fault kind corresponds to on Linux x86-64. */
const FAULT_CODES: Record<FaultKind, [number, number]> = {
  'invalid-opcode': [SIG.SIGILL, TRAP.UD],
  'divide-error': [SIG.SIGFPE, TRAP.DE],
  'page-not-present': [SIG.SIGSEGV, TRAP.PF],
  protection: [SIG.SIGSEGV, TRAP.PF],
  'general-protection': [SIG.SIGSEGV, TRAP.GP],
  'stack-fault': [SIG.SIGBUS, TRAP.SS],
  breakpoint: [SIG.SIGTRAP, TRAP.BP],
  'floating-point': [SIG.SIGFPE, -2],
};

/**
 * A selector as the native harness reads it. A null selector keeps the RPL it was loaded with
 * (a later `mov r, Sreg` in the same snippet reads it back, also on the host), but the host's
 * kernel entry and exit on the way to the harness's signal handler turn it into plain 0.
 */
function hostVisibleSelector(sel: number): number {
  return (sel & 0xfffc) === 0 ? 0 : sel;
}

/** Instruction budget after which a case counts as not terminating (the harness's timeout). */
export const EMULATOR_BUDGET = 200_000;

/** One CPU and address space reused for many cases. */
export class EmulatorRunner {
  readonly memory: GuestMemory;
  readonly cpu: X86Cpu;
  private readonly code = new Uint8Array(PAGE).fill(0xcc);
  private codeUsed = PAGE;

  constructor(factory: CpuFactory) {
    this.memory = new GuestMemory({ maxBytes: 16 << 20 });
    this.memory.map(CODE_ADDR, PAGE, PROT_READ | PROT_EXEC);
    this.memory.map(DATA_ADDR, PAGE, PROT_READ | PROT_WRITE);
    this.memory.map(RO_ADDR, PAGE, PROT_READ);
    const ro = new Uint8Array(PAGE);
    for (let i = 0; i < PAGE; i++) ro[i] = roPageByte(i);
    this.memory.poke(RO_ADDR, ro);
    this.cpu = factory(this.memory);
  }

  /** Loads a case's starting state into the CPU and memory. */
  load(tc: TestCase): void {
    const { memory, cpu } = this;
    // Rewrite only the part of the code page the previous case used (poke drops decoded code).
    const code = this.code;
    code.fill(0xcc, 0, this.codeUsed);
    code.set(tc.code);
    const used = Math.min(PAGE, Math.max(this.codeUsed, tc.code.length + 1));
    memory.poke(CODE_ADDR, code.subarray(0, used));
    this.codeUsed = tc.code.length + 1;
    // The data page is never executable, so it can be rewritten directly.
    memory.refresh();
    memory.u8.fill(0, DATA_ADDR, DATA_ADDR + PAGE);
    memory.u8.set(tc.data, DATA_ADDR);
    for (let i = 0; i < 16; i++) cpu.setReg(i as 0, tc.gpr[i] ?? 0n);
    // The host's descriptor tables and initial selectors (x86-core defaults to FreeBSD's).
    if (cpu instanceof Cpu) setSegmentModel(cpu, 'linux');
    cpu.fsBase = BigInt.asUintN(64, tc.fsBase ?? 0n);
    cpu.gsBase = BigInt.asUintN(64, tc.gsBase ?? 0n);
    cpu.setRflags(tc.rflags);
    loadFx(cpu, tc.fx);
    cpu.rip = CODE_ADDR;
  }

  /** Runs one case to its sentinel (or fault, or budget) and returns the final state. */
  run(tc: TestCase, budget = EMULATOR_BUDGET): CaseResult {
    this.load(tc);
    const { cpu, memory } = this;
    let signo = 0;
    let trapno = -1;
    let faultAddr = 0n;
    let err = 0;
    let rip = cpu.rip;
    let result: ReturnType<X86Cpu['run']>;
    let error: string | undefined;
    // Faults are Error objects; their stack traces are not needed here and dominate the cost.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      result = cpu.run(budget);
    } catch (e) {
      // run() must report guest faults as results; an escaping exception is a CPU bug.
      error = `run() threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      result = { reason: 'stopped', executed: 0 };
      signo = -1;
      trapno = -4;
    } finally {
      Error.stackTraceLimit = limit;
    }
    rip = cpu.rip;
    if (result.reason === 'fault' && result.fault) {
      const f: CpuFault = result.fault;
      [signo, trapno] = FAULT_CODES[f.kind];
      rip = f.rip;
      if (f.kind === 'page-not-present' || f.kind === 'protection') {
        faultAddr = BigInt.asUintN(64, BigInt(f.address ?? 0));
        err = (f.kind === 'protection' ? 1 : 0) | (f.access === 'write' ? 2 : 0) | 4;
      }
    } else if (result.reason === 'syscall') {
      signo = -1;
      trapno = -3;
    }
    const gpr: bigint[] = [];
    for (let i = 0; i < 16; i++) gpr.push(cpu.getReg(i as 0));
    memory.refresh();
    const page = memory.u8.subarray(DATA_ADDR, DATA_ADDR + PAGE);
    let tailSum = 0;
    for (let i = tc.data.length; i < PAGE; i++) tailSum = (tailSum + page[i]! * (i + 1)) >>> 0;
    return {
      signo,
      trapno,
      // rip as an unsigned 64-bit value (a branch to a non-canonical target leaves it outside [0, 2^53)).
      rip: BigInt.asUintN(64, BigInt(rip)),
      rflags: cpu.getRflags(),
      faultAddr,
      err,
      gpr,
      fx: fxFromCpu(cpu),
      data: page.slice(0, tc.data.length),
      tailSum,
      sreg: [0, 1, 2, 3, 4, 5].map((k) =>
        cpu instanceof Cpu ? hostVisibleSelector(getSelector(cpu, k)) : -1,
      ),
      fsBase: BigInt.asUintN(64, cpu.fsBase),
      gsBase: BigInt.asUintN(64, cpu.gsBase),
      ...(error === undefined ? {} : { error }),
    };
  }
}
