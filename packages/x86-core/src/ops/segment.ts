/**
 * Segment registers in 64-bit user mode: `mov r/m, Sreg` (8C), `mov Sreg, r/m16` (8E) and
 * `push`/`pop` of FS and GS (0F A0/A1/A8/A9). Intel SDM Vol. 2B, MOV (segment forms), PUSH, POP;
 * Vol. 3A §3.4 (selectors and descriptors) and §5.5–5.7 (privilege checks on data-segment loads).
 *
 * In 64-bit mode the segment registers have almost no effect (CS/DS/ES/SS bases are zero, FS/GS
 * carry a base of their own), but their selectors are visible and loading one is checked against
 * the operating system's descriptor tables. x86-core models that with a {@link SegmentModel}: the
 * selectors a process starts with and, per GDT slot, whether the descriptor may be loaded into a
 * data segment register at privilege level 3. Two models exist:
 *
 * - `freebsd` (the default): what a CloudABI process sees on FreeBSD/amd64. CS = 0x43 (64-bit user
 *   code, GDT slot 8), SS = DS = ES = 0x3b (user data, slot 7), FS = 0x13 and GS = 0x1b (the user
 *   32-bit FS/GS data descriptors, slots 2 and 3). Slot 6 is the 32-bit user code segment; slots
 *   0–1 are null, 4–5 kernel code/data, 9–12 the TSS and LDT system descriptors, the table ends at
 *   slot 12, and there is no LDT.
 * - `linux`: the host the differential tests run on. CS = 0x33, SS = 0x2b, DS = ES = FS = GS = 0;
 *   loadable slots 4 (32-bit user code), 5 (user data), 6 (64-bit user code) and 15 (the read-only
 *   per-CPU data segment), measured with every selector value on the host.
 *
 * Loading rules (SDM Vol. 2B MOV, "64-bit mode exceptions"): a null selector (0–3) loads into DS,
 * ES, FS or GS and faults (#GP) for SS at CPL 3. Otherwise the selector must lie inside the GDT (TI
 * = 0, no LDT), the descriptor must be a data or readable code segment with DPL 3 (every usable
 * user descriptor has DPL 3, so any RPL passes); SS further needs RPL 3 and a writable data
 * segment. Anything else is #GP (the error code is not modelled: Linux delivers SIGSEGV either way).
 * The selector reads back as written, RPL included. MOV to CS is #UD, as is Sreg 6 or 7.
 *
 * Bases: loading FS or GS, with a null selector too, sets that base to zero. Descriptor bases are
 * flat (the FreeBSD 32-bit FS/GS descriptors only matter to 32-bit processes), and a null selector
 * clears the base on Intel processors and on AMD processors that report "null selector clears base"
 * (CPUID 0x80000021 EAX bit 6, e.g. the Zen 4 host); older AMD processors kept the old base.
 *
 * State: bytes 680–695 of the register file (CONTRACT.md): six 16-bit selectors in Sreg order
 * (ES, CS, SS, DS, FS, GS), each stored XORed with the model's initial value so that a zeroed
 * register file (reset) is a process's initial state, and the model number at byte 692.
 */
import type { Cpu } from '../cpu.js';
import type { Handler } from '../insn.js';
import type { OpRow } from '../table.js';
import { getReg, setReg } from './common.js';

/** Byte offset of the selector words in the register file. */
export const SREG_OFFSET = 680;
/** Byte offset of the segment-model number. */
export const SEG_MODEL_OFFSET = 692;
const SREG_W = SREG_OFFSET >> 1;

/** Segment register numbers in ModRM.reg (Sreg) order. */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;

/** Which descriptor-table layout and initial selectors the CPU presents. */
export type SegmentModelName = 'freebsd' | 'linux';

/** Per GDT slot: 0 not loadable at CPL 3, 1 loadable into DS/ES/FS/GS, 2 also into SS. */
interface SegmentModel {
  initial: readonly number[];
  slots: Uint8Array;
}

const MODELS: readonly SegmentModel[] = [
  {
    initial: [0x3b, 0x43, 0x3b, 0x3b, 0x13, 0x1b],
    slots: Uint8Array.from([0, 0, 2, 2, 0, 0, 1, 2, 1, 0, 0, 0, 0]),
  },
  {
    initial: [0, 0x33, 0x2b, 0, 0, 0],
    slots: Uint8Array.from([0, 0, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
  },
];
const MODEL_NAMES: readonly SegmentModelName[] = ['freebsd', 'linux'];

function model(cpu: Cpu): SegmentModel {
  return MODELS[cpu.b[SEG_MODEL_OFFSET]!] ?? MODELS[0]!;
}

/** The segment model a CPU presents. */
export function segmentModel(cpu: Cpu): SegmentModelName {
  return MODEL_NAMES[cpu.b[SEG_MODEL_OFFSET]!] ?? 'freebsd';
}

/** Selects a segment model and puts every selector at that model's initial value. */
export function setSegmentModel(cpu: Cpu, name: SegmentModelName): void {
  cpu.b[SEG_MODEL_OFFSET] = MODEL_NAMES.indexOf(name);
  for (let s = 0; s < 6; s++) cpu.w[SREG_W + s] = 0;
}

/** The visible selector of segment register `sreg` (0–5: ES, CS, SS, DS, FS, GS). */
export function getSelector(cpu: Cpu, sreg: number): number {
  return (cpu.w[SREG_W + sreg]! ^ model(cpu).initial[sreg]!) & 0xffff;
}

function storeSelector(cpu: Cpu, sreg: number, sel: number): void {
  cpu.w[SREG_W + sreg] = sel ^ model(cpu).initial[sreg]!;
}

/**
 * Loads a data segment register (DS, ES, SS, FS, GS) as `mov`/`pop` do, after the checks of the
 * model's descriptor table; throws #GP without changing anything when the load is not allowed.
 */
export function loadSegment(cpu: Cpu, sreg: number, sel: number): void {
  sel &= 0xffff;
  const index = sel >> 3;
  if (index === 0 && (sel & 4) === 0) {
    if (sreg === SS) throw cpu.gp('null selector loaded into ss');
  } else {
    const kind = (sel & 4) === 0 ? (model(cpu).slots[index] ?? 0) : 0;
    if (kind === 0 || (sreg === SS && (kind !== 2 || (sel & 3) !== 3)))
      throw cpu.gp(`selector 0x${sel.toString(16)} not loadable into ${SREG_NAMES[sreg]}`);
  }
  storeSelector(cpu, sreg, sel);
  if (sreg === FS) {
    cpu.r[32] = 0;
    cpu.r[33] = 0;
  } else if (sreg === GS) {
    cpu.r[34] = 0;
    cpu.r[35] = 0;
  }
}

/** Names of the segment registers in Sreg order. */
export const SREG_NAMES: readonly string[] = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

/** The Sreg field of ModRM.reg; REX.R is ignored (SDM Vol. 2A §2.2.1.2, table 2-4 note). */
function sregOf(cpu: Cpu, reg: number): number {
  const s = reg & 7;
  if (s > 5) throw cpu.ud();
  return s;
}

/** 8C: mov r/m, Sreg. A memory destination is always 16 bits; a register gets the zero-extended selector. */
const movFromSreg: Handler = (cpu, i) => {
  const v = getSelector(cpu, sregOf(cpu, i.reg));
  if (i.mod !== 3) cpu.write16(cpu.ea(i), v);
  else setReg(cpu, i.rm, i.opsize, v, 0);
};

/** 8E: mov Sreg, r/m16 (the operand size does not matter). */
const movToSreg: Handler = (cpu, i) => {
  const s = sregOf(cpu, i.reg);
  if (s === CS) throw cpu.ud();
  const v = i.mod !== 3 ? cpu.read16(cpu.ea(i)) : getReg(cpu, i.rm, 2);
  loadSegment(cpu, s, v);
};

const pushSreg =
  (s: number): Handler =>
  (cpu, i) => {
    const v = getSelector(cpu, s);
    if (i.opsize === 2) cpu.push16(v);
    else cpu.push64(v, 0);
  };

const popSreg =
  (s: number): Handler =>
  (cpu, i) => {
    const r = cpu.r;
    const sp0 = r[8]!;
    const sp1 = r[9]!;
    const v = i.opsize === 2 ? cpu.pop16() : cpu.pop64();
    try {
      loadSegment(cpu, s, v);
    } catch (e) {
      r[8] = sp0;
      r[9] = sp1;
      throw e;
    }
  };

/** The segment-register rows (registered in opcodes.ts). */
export const segmentRows: readonly OpRow[] = [
  { map: 0, opcode: 0x8c, mnemonic: 'mov', operands: 'Ev,Sw', exec: movFromSreg },
  { map: 0, opcode: 0x8e, mnemonic: 'mov', operands: 'Sw,Ew', exec: movToSreg },
  { map: 1, opcode: 0xa0, mnemonic: 'push', operands: 'fs', size: 'd64', exec: pushSreg(FS) },
  { map: 1, opcode: 0xa1, mnemonic: 'pop', operands: 'fs', size: 'd64', exec: popSreg(FS) },
  { map: 1, opcode: 0xa8, mnemonic: 'push', operands: 'gs', size: 'd64', exec: pushSreg(GS) },
  { map: 1, opcode: 0xa9, mnemonic: 'pop', operands: 'gs', size: 'd64', exec: popSreg(GS) },
];
