/**
 * The x87 extension: opcode rows for D8–DF (SDM Vol. 2, Appendix A.4 "x87 FPU Instruction Opcode
 * Map"), FWAIT (9B) and FXSAVE/FXRSTOR (0F AE /0 and /1), each running {@link executeX87}.
 */
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { EA_BASE, EA_BASE_INDEX, EA_INDEX, type Insn, PFX_OPSIZE, PFX_W, SEG_FS, SEG_NONE } from '../insn.js';
import { MXCSR_WRITABLE } from '../sse/mxcsr.js';
import { FS_BASE_I32, GS_BASE_I32, MXCSR_I32, XMM_I32 } from '../state.js';
import type { CpuExtension, OpRow } from '../table.js';
import { executeX87, fxrstor, fxsave, type X87Host } from './execute.js';
import { X87 } from './fpu.js';

/** Arithmetic flags FCOMI/FUCOMI write (ZF, PF, CF set by the result; OF, SF, AF cleared). */
const COMI_FLAGS = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x800;

interface Unit {
  fpu: X87;
  host: X87Host;
}

/** The x87 unit of a CPU: its FPU view over the register file and the host adapter it uses. */
export function x87Of(cpu: Cpu): X87 {
  return unitOf(cpu).fpu;
}

/** The x87 unit of `cpu`, made on first use and kept on the CPU itself (no lookup per instruction). */
function unitOf(cpu: Cpu): Unit {
  const u = cpu.extState as Unit | null;
  if (u !== null) return u;
  const made: Unit = { fpu: new X87(cpu.state, false), host: hostFor(cpu) };
  cpu.extState = made;
  return made;
}

function hostFor(cpu: Cpu): X87Host {
  return {
    read8: (a) => cpu.read8(a),
    read16: (a) => cpu.read16(a),
    read32: (a) => cpu.read32(a) >>> 0,
    write8: (a, v) => cpu.write8(a, v),
    write16: (a, v) => cpu.write16(a, v),
    write32: (a, v) => cpu.write32(a, v | 0),
    getFlags: () => cpu.getRflags(),
    setCompareFlags: (zf, pf, cf) =>
      cpu.setArithFlags(COMI_FLAGS, (zf ? 0x40 : 0) | (pf ? 0x4 : 0) | (cf ? 0x1 : 0)),
    probeWrite: (a, n) => cpu.probeWrite(a, n),
    setAx: (v) => {
      cpu.w[0] = v;
    },
    getMxcsr: () => cpu.u32[MXCSR_I32]!,
    setMxcsr: (v) => {
      cpu.u32[MXCSR_I32] = v;
    },
    readXmm: (i, out) => {
      const u = cpu.u32;
      for (let k = 0; k < 4; k++) {
        const w = u[XMM_I32 + 4 * i + k]!;
        out[4 * k] = w & 0xff;
        out[4 * k + 1] = (w >>> 8) & 0xff;
        out[4 * k + 2] = (w >>> 16) & 0xff;
        out[4 * k + 3] = w >>> 24;
      }
    },
    writeXmm: (i, b) => {
      const u = cpu.u32;
      for (let k = 0; k < 4; k++) {
        u[XMM_I32 + 4 * i + k] =
          b[4 * k]! | (b[4 * k + 1]! << 8) | (b[4 * k + 2]! << 16) | (b[4 * k + 3]! << 24);
      }
    },
    mxcsrMask: MXCSR_WRITABLE,
  };
}

/** Runs the D8–DF instruction `insn`. */
function execEscape(cpu: Cpu, insn: Insn): void {
  const u = unitOf(cpu);
  const modrm = (insn.mod << 6) | ((insn.reg & 7) << 3) | (insn.rm & 7);
  const ea = insn.mod === 3 ? -1 : cpu.ea(insn);
  executeX87(u.fpu, u.host, insn.opcode, modrm, ea, insn.addr, (insn.pfx & PFX_OPSIZE) !== 0);
}

/** FWAIT: delivers a pending unmasked x87 exception (#MF). */
function execWait(cpu: Cpu): void {
  unitOf(cpu).fpu.checkPending();
}

/** The low four bits of the effective address, from its parts (no range checks). */
function eaLow4(cpu: Cpu, i: Insn): number {
  const r = cpu.r;
  let a = i.disp;
  if (i.eaKind === EA_BASE) a += r[i.base << 1]!;
  else if (i.eaKind === EA_BASE_INDEX) a += r[i.base << 1]! + (r[i.index << 1]! << i.scale);
  else if (i.eaKind === EA_INDEX) a += r[i.index << 1]! << i.scale;
  if (i.seg !== SEG_NONE) a += r[i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32]!;
  return a & 15;
}

/**
 * The FXSAVE/FXRSTOR operand address (SDM Vol. 2A, FXSAVE: #GP(0) for an operand not aligned on
 * 16 bytes). Order measured on the host: a non-canonical address faults first (#GP, #SS for stack
 * references), then misalignment (#GP), then an operand above 4 GiB faults at its last byte, which
 * both instructions touch first.
 */
function fxEa(cpu: Cpu, insn: Insn, save: boolean): number {
  let ea: number;
  try {
    ea = cpu.ea(insn);
  } catch (e) {
    // Non-canonical: #GP (#SS for stack references) comes before the alignment check.
    if (!(e instanceof CpuFault) || e.kind !== 'page-not-present' || e.address === undefined) throw e;
    if (eaLow4(cpu, insn) !== 0) throw cpu.gp('misaligned FXSAVE/FXRSTOR operand');
    throw new CpuFault('page-not-present', e.address + 511, save ? 'write' : 'read');
  }
  if ((ea & 15) !== 0) throw cpu.gp('misaligned FXSAVE/FXRSTOR operand');
  return ea;
}

function execFxsave(cpu: Cpu, insn: Insn): void {
  const u = unitOf(cpu);
  fxsave(u.fpu, u.host, fxEa(cpu, insn, true), (insn.pfx & PFX_W) !== 0);
}

function execFxrstor(cpu: Cpu, insn: Insn): void {
  const u = unitOf(cpu);
  fxrstor(u.fpu, u.host, fxEa(cpu, insn, false), (insn.pfx & PFX_W) !== 0);
}

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
const ARITH_STI = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsubr', 'fsub', 'fdivr', 'fdiv'];

function mem(opcode: number, ext: number, mnemonic: string, operands: string): OpRow {
  return { map: 0, opcode, ext, mod: 'mem', mnemonic, operands, exec: execEscape };
}

function reg(opcode: number, ext: number, mnemonic: string, operands: string, rm?: number): OpRow {
  const row: OpRow = { map: 0, opcode, ext, mod: 'reg', mnemonic, operands, exec: execEscape };
  if (rm !== undefined) row.rm = rm;
  return row;
}

function buildRows(): OpRow[] {
  const rows: OpRow[] = [];
  // D8, DC, DA, DE: arithmetic and compares with memory operands.
  const memTypes: [number, string, string][] = [
    [0xd8, 'm32fp', ''],
    [0xdc, 'm64fp', ''],
    [0xda, 'm32int', 'i'],
    [0xde, 'm16int', 'i'],
  ];
  for (const [op, type, prefix] of memTypes) {
    ARITH.forEach((m, ext) => {
      rows.push(mem(op, ext, `f${prefix}${m.slice(1)}`, type));
    });
  }
  ARITH.forEach((m, ext) => {
    rows.push(reg(0xd8, ext, m, ext === 2 || ext === 3 ? 'STi' : 'ST0,STi'));
  });
  ARITH_STI.forEach((m, ext) => {
    // DC D0+i / D8+i are undocumented aliases of FCOM/FCOMP.
    rows.push(reg(0xdc, ext, m, ext === 2 || ext === 3 ? 'STi' : 'STi,ST0'));
    if (ext === 3) rows.push(reg(0xde, ext, 'fcompp', '', 1));
    else if (ext === 2) rows.push(reg(0xde, ext, 'fcomp', 'STi'));
    else rows.push(reg(0xde, ext, `${m}p`, 'STi,ST0'));
  });
  // D9
  rows.push(
    mem(0xd9, 0, 'fld', 'm32fp'),
    mem(0xd9, 2, 'fst', 'm32fp'),
    mem(0xd9, 3, 'fstp', 'm32fp'),
    mem(0xd9, 4, 'fldenv', 'm14/28byte'),
    mem(0xd9, 5, 'fldcw', 'm2byte'),
    mem(0xd9, 6, 'fnstenv', 'm14/28byte'),
    mem(0xd9, 7, 'fnstcw', 'm2byte'),
    reg(0xd9, 0, 'fld', 'STi'),
    reg(0xd9, 1, 'fxch', 'STi'),
    reg(0xd9, 2, 'fnop', '', 0),
    reg(0xd9, 3, 'fstp', 'STi'),
    reg(0xd9, 4, 'fchs', '', 0),
    reg(0xd9, 4, 'fabs', '', 1),
    reg(0xd9, 4, 'ftst', '', 4),
    reg(0xd9, 4, 'fxam', '', 5),
  );
  ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'].forEach((m, i) => {
    rows.push(reg(0xd9, 5, m, '', i));
  });
  ['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp'].forEach((m, i) => {
    rows.push(reg(0xd9, 6, m, '', i));
  });
  ['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos'].forEach((m, i) => {
    rows.push(reg(0xd9, 7, m, '', i));
  });
  // DA
  ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'].forEach((m, ext) => {
    rows.push(reg(0xda, ext, m, 'ST0,STi'));
  });
  rows.push(reg(0xda, 5, 'fucompp', '', 1));
  // DB
  rows.push(
    mem(0xdb, 0, 'fild', 'm32int'),
    mem(0xdb, 1, 'fisttp', 'm32int'),
    mem(0xdb, 2, 'fist', 'm32int'),
    mem(0xdb, 3, 'fistp', 'm32int'),
    mem(0xdb, 5, 'fld', 'm80fp'),
    mem(0xdb, 7, 'fstp', 'm80fp'),
  );
  ['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'].forEach((m, ext) => {
    rows.push(reg(0xdb, ext, m, 'ST0,STi'));
  });
  ['fneni', 'fndisi', 'fnclex', 'fninit', 'fnsetpm'].forEach((m, i) => {
    rows.push(reg(0xdb, 4, m, '', i));
  });
  rows.push(reg(0xdb, 5, 'fucomi', 'ST0,STi'), reg(0xdb, 6, 'fcomi', 'ST0,STi'));
  // DD
  rows.push(
    mem(0xdd, 0, 'fld', 'm64fp'),
    mem(0xdd, 1, 'fisttp', 'm64int'),
    mem(0xdd, 2, 'fst', 'm64fp'),
    mem(0xdd, 3, 'fstp', 'm64fp'),
    mem(0xdd, 4, 'frstor', 'm94/108byte'),
    mem(0xdd, 6, 'fnsave', 'm94/108byte'),
    mem(0xdd, 7, 'fnstsw', 'm2byte'),
    reg(0xdd, 0, 'ffree', 'STi'),
    reg(0xdd, 1, 'fxch', 'STi'),
    reg(0xdd, 2, 'fst', 'STi'),
    reg(0xdd, 3, 'fstp', 'STi'),
    reg(0xdd, 4, 'fucom', 'STi'),
    reg(0xdd, 5, 'fucomp', 'STi'),
  );
  // DF
  rows.push(
    mem(0xdf, 0, 'fild', 'm16int'),
    mem(0xdf, 1, 'fisttp', 'm16int'),
    mem(0xdf, 2, 'fist', 'm16int'),
    mem(0xdf, 3, 'fistp', 'm16int'),
    mem(0xdf, 4, 'fbld', 'm80bcd'),
    mem(0xdf, 5, 'fild', 'm64int'),
    mem(0xdf, 6, 'fbstp', 'm80bcd'),
    mem(0xdf, 7, 'fistp', 'm64int'),
    reg(0xdf, 0, 'ffreep', 'STi'),
    reg(0xdf, 1, 'fxch', 'STi'),
    reg(0xdf, 2, 'fstp', 'STi'),
    reg(0xdf, 3, 'fstp', 'STi'),
    reg(0xdf, 4, 'fnstsw', 'ax', 0),
    reg(0xdf, 5, 'fucomip', 'ST0,STi'),
    reg(0xdf, 6, 'fcomip', 'ST0,STi'),
  );
  rows.push(
    { map: 0, opcode: 0x9b, mnemonic: 'fwait', operands: '', exec: execWait },
    {
      map: 1,
      opcode: 0xae,
      ext: 0,
      mod: 'mem',
      prefix: 0,
      w: 0,
      mnemonic: 'fxsave',
      operands: 'm512byte',
      exec: execFxsave,
    },
    {
      map: 1,
      opcode: 0xae,
      ext: 0,
      mod: 'mem',
      prefix: 0,
      w: 1,
      mnemonic: 'fxsave64',
      operands: 'm512byte',
      exec: execFxsave,
    },
    {
      map: 1,
      opcode: 0xae,
      ext: 1,
      mod: 'mem',
      prefix: 0,
      w: 0,
      mnemonic: 'fxrstor',
      operands: 'm512byte',
      exec: execFxrstor,
    },
    {
      map: 1,
      opcode: 0xae,
      ext: 1,
      mod: 'mem',
      prefix: 0,
      w: 1,
      mnemonic: 'fxrstor64',
      operands: 'm512byte',
      exec: execFxrstor,
    },
  );
  return rows;
}

/** CPUID.1:EDX bits for the x87 FPU (bit 0), CMOV/FCMOV (bit 15, shared with the core) and FXSR (bit 24). */
const LEAF1_EDX = (1 << 0) | (1 << 24);

/** The x87 extension module. */
export const x87Extension: CpuExtension = {
  name: 'x87',
  rows: buildRows(),
  cpuid: { leaf1Edx: LEAF1_EDX },
};
