/**
 * String instructions movs/cmps/stos/lods/scas with rep/repe/repne (Intel SDM Vol. 2B, "REP/REPE/
 * REPZ/REPNE/REPNZ" and each mnemonic). A REP-prefixed instruction performs one iteration per
 * execution and re-executes itself until done, so every iteration retires as one instruction, an
 * instruction budget can end the run between iterations with all registers consistent, and a
 * fault leaves rCX/rSI/rDI describing the remaining work, as on hardware.
 */
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { LF_FLAGS } from '../flags.js';
import { type Handler, type Insn, PFX_REP, PFX_REPNE, SEG_FS, SEG_NONE } from '../insn.js';
import { DF, FS_BASE_I32, GS_BASE_I32 } from '../state.js';
import type { OpRow } from '../table.js';
import { alu, CMP, getReg, setReg } from './common.js';

const RSI = 6;
const RDI = 7;

/** Linear address of [seg:reg] (the source may take an FS/GS override; ES:rDI never does). */
function strAddr(cpu: Cpu, i: Insn, reg: number, allowSeg: boolean): number {
  const r = cpu.r;
  let lo = r[reg << 1]! >>> 0;
  let hi = i.adsize === 4 ? 0 : r[(reg << 1) + 1]!;
  if (allowSeg && i.seg !== SEG_NONE) {
    const s = i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32;
    lo += r[s]! >>> 0;
    hi += r[s + 1]!;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi++;
    }
  }
  if ((hi | 0) !== 0) {
    const top = (hi | 0) >> 15;
    if (top !== 0 && top !== -1) throw cpu.gp('non-canonical string address');
    throw new CpuFault('page-not-present', hi * 4294967296 + lo, 'read');
  }
  return lo;
}

/** Adds `delta` to the index register (32-bit wrap with a 67 prefix). */
function advance(cpu: Cpu, i: Insn, reg: number, delta: number): void {
  const r = cpu.r;
  const k = reg << 1;
  if (i.adsize === 4) {
    r[k] = (r[k]! + delta) | 0;
    r[k + 1] = 0;
    return;
  }
  const t = (r[k]! >>> 0) + delta;
  r[k] = t | 0;
  if (t > 0xffffffff) r[k + 1] = (r[k + 1]! + 1) | 0;
  else if (t < 0) r[k + 1] = (r[k + 1]! - 1) | 0;
}

function countZero(cpu: Cpu, i: Insn): boolean {
  const r = cpu.r;
  return i.adsize === 4 ? r[2] === 0 : (r[2]! | r[3]!) === 0;
}
/** Decrements rCX; true when it is still non-zero. */
function countDown(cpu: Cpu, i: Insn): boolean {
  const r = cpu.r;
  if (i.adsize === 4) {
    r[2] = (r[2]! - 1) | 0;
    r[3] = 0;
    return r[2] !== 0;
  }
  const lo = r[2]!;
  r[2] = (lo - 1) | 0;
  if (lo === 0) r[3] = (r[3]! - 1) | 0;
  return (r[2]! | r[3]!) !== 0;
}

function load(cpu: Cpu, a: number, size: number): number {
  switch (size) {
    case 1:
      return cpu.read8(a);
    case 2:
      return cpu.read16(a);
    case 4:
      return cpu.read32(a);
    default:
      return cpu.read64(a);
  }
}
function store(cpu: Cpu, a: number, size: number, v: number, hi: number): void {
  switch (size) {
    case 1:
      cpu.write8(a, v);
      return;
    case 2:
      cpu.write16(a, v);
      return;
    case 4:
      cpu.write32(a, v);
      return;
    default:
      cpu.write64(a, v, hi);
  }
}

const MOVS = 0;
const CMPS = 1;
const STOS = 2;
const LODS = 3;
const SCAS = 4;

function stringOp(kind: number, byte: boolean): Handler {
  return (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const rep = (i.pfx & (PFX_REP | PFX_REPNE)) !== 0;
    if (rep && countZero(cpu, i)) return;
    const delta = cpu.lf[LF_FLAGS]! & DF ? -size : size;
    // With a REP prefix, up to cpu.repBudget iterations run in this call; completed iterations
    // beyond the first are reported in cpu.repExtra (each iteration retires as one instruction).
    const max = rep ? cpu.repBudget : 1;
    for (let done = 1; ; done++) {
      let again = true;
      switch (kind) {
        case MOVS: {
          const v = load(cpu, strAddr(cpu, i, RSI, true), size);
          store(cpu, strAddr(cpu, i, RDI, false), size, v, cpu.hi);
          advance(cpu, i, RSI, delta);
          advance(cpu, i, RDI, delta);
          break;
        }
        case STOS: {
          const v = getReg(cpu, 0, size);
          store(cpu, strAddr(cpu, i, RDI, false), size, v, cpu.hi);
          advance(cpu, i, RDI, delta);
          break;
        }
        case LODS: {
          const v = load(cpu, strAddr(cpu, i, RSI, true), size);
          setReg(cpu, 0, size, v, cpu.hi);
          advance(cpu, i, RSI, delta);
          break;
        }
        case CMPS: {
          const s = load(cpu, strAddr(cpu, i, RSI, true), size);
          const sh = cpu.hi;
          const d = load(cpu, strAddr(cpu, i, RDI, false), size);
          // cmps compares [rSI] − [rDI] (SDM Vol. 2A, CMPS).
          alu(cpu, CMP, size, s, sh, d, cpu.hi);
          advance(cpu, i, RSI, delta);
          advance(cpu, i, RDI, delta);
          again = (cpu.getZF() === 1) === (i.lastRep === 0xf3);
          break;
        }
        default: {
          const d = load(cpu, strAddr(cpu, i, RDI, false), size);
          const dh = cpu.hi;
          const a = getReg(cpu, 0, size);
          alu(cpu, CMP, size, a, cpu.hi, d, dh);
          advance(cpu, i, RDI, delta);
          again = (cpu.getZF() === 1) === (i.lastRep === 0xf3);
        }
      }
      if (!rep || !countDown(cpu, i) || !again) return;
      if (done >= max) {
        // Budget used up with work left: resume here on the next run, as after an interrupt.
        cpu.rip = i.addr;
        return;
      }
      cpu.repExtra = done;
    }
  };
}

const names: [number, string][] = [
  [MOVS, 'movs'],
  [CMPS, 'cmps'],
  [STOS, 'stos'],
  [LODS, 'lods'],
  [SCAS, 'scas'],
];
const opcodes = [0xa4, 0xa6, 0xaa, 0xac, 0xae];
const rows: OpRow[] = [];
for (const [kind, name] of names) {
  const opcode = opcodes[kind]!;
  rows.push(
    { map: 0, opcode, mnemonic: `${name}b`, operands: '', exec: stringOp(kind, true), repBatch: true },
    {
      map: 0,
      opcode: opcode + 1,
      mnemonic: `${name}w/${name}d/${name}q`,
      operands: '',
      exec: stringOp(kind, false),
      repBatch: true,
    },
  );
}

/** String-instruction rows. */
export const stringRows: readonly OpRow[] = rows;
