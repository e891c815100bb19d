/**
 * Intel-syntax disassembly driven by the opcode table: the row's mnemonic and operand template
 * plus the decoded fields give the text, so every form the decoder knows can be shown.
 */
import { EA_ABS, EA_BASE, EA_BASE_INDEX, EA_INDEX, type Insn, PFX_LOCK, SEG_FS, SEG_GS } from './insn.js';
import type { GuestMemory } from './memory.js';

const R64 = [
  'rax',
  'rcx',
  'rdx',
  'rbx',
  'rsp',
  'rbp',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
];
const R32 = [
  'eax',
  'ecx',
  'edx',
  'ebx',
  'esp',
  'ebp',
  'esi',
  'edi',
  'r8d',
  'r9d',
  'r10d',
  'r11d',
  'r12d',
  'r13d',
  'r14d',
  'r15d',
];
const R16 = [
  'ax',
  'cx',
  'dx',
  'bx',
  'sp',
  'bp',
  'si',
  'di',
  'r8w',
  'r9w',
  'r10w',
  'r11w',
  'r12w',
  'r13w',
  'r14w',
  'r15w',
];
const R8 = [
  'al',
  'cl',
  'dl',
  'bl',
  'spl',
  'bpl',
  'sil',
  'dil',
  'r8b',
  'r9b',
  'r10b',
  'r11b',
  'r12b',
  'r13b',
  'r14b',
  'r15b',
];
const R8H = ['ah', 'ch', 'dh', 'bh'];

/** Name of GPR `n` at `size` bytes; `byteOffset` picks AH–BH for legacy 8-bit encodings. */
export function gprName(n: number, size: number, byteOffset = n * 8): string {
  switch (size) {
    case 1:
      return byteOffset & 1 ? R8H[byteOffset >> 3]! : R8[n]!;
    case 2:
      return R16[n]!;
    case 4:
      return R32[n]!;
    default:
      return R64[n]!;
  }
}

function hex(v: number): string {
  return `0x${v.toString(16)}`;
}

const PTR: Record<number, string> = {
  1: 'byte ptr ',
  2: 'word ptr ',
  4: 'dword ptr ',
  8: 'qword ptr ',
  10: 'tbyte ptr ',
  16: 'xmmword ptr ',
};

/** Operand size in bytes of a template's size suffix (0 = no size keyword). */
function sizeOf(code: string, insn: Insn): number {
  switch (code) {
    case 'b':
      return 1;
    case 'w':
      return 2;
    case 'd':
    case 'ss':
      return 4;
    case 'q':
    case 'sd':
      return 8;
    case 'v':
    case 'z':
    case 'y':
      return insn.opsize;
    case 'x':
    case 'dq':
    case 'ps':
    case 'pd':
      return 16;
    default:
      return 0;
  }
}

function memText(insn: Insn, size: number): string {
  const parts: string[] = [];
  const names = insn.adsize === 4 ? R32 : R64;
  let text: string;
  if (insn.eaKind === EA_ABS) {
    if (insn.ripRel) {
      const d = insn.disp - insn.next;
      text = d === 0 ? '[rip]' : d < 0 ? `[rip-${hex(-d)}]` : `[rip+${hex(d)}]`;
    } else text = `[${hex(insn.disp >>> 0)}]`;
  } else {
    if (insn.eaKind === EA_BASE || insn.eaKind === EA_BASE_INDEX) parts.push(names[insn.base]!);
    if (insn.eaKind === EA_BASE_INDEX || insn.eaKind === EA_INDEX) {
      parts.push(insn.scale === 0 ? names[insn.index]! : `${names[insn.index]}*${1 << insn.scale}`);
    }
    let s = parts.join('+');
    const d = insn.disp;
    if (d !== 0 || s === '') s += s === '' ? hex(d >>> 0) : d < 0 ? `-${hex(-d)}` : `+${hex(d)}`;
    text = `[${s}]`;
  }
  const seg = insn.seg === SEG_FS ? 'fs:' : insn.seg === SEG_GS ? 'gs:' : '';
  return `${PTR[size] ?? ''}${seg}${text}`;
}

function immText(v: number, hi: number, size: number): string {
  if (size === 8) {
    if (hi === 0) return hex(v >>> 0);
    return `0x${(hi >>> 0).toString(16)}${(v >>> 0).toString(16).padStart(8, '0')}`;
  }
  const mask = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  return hex((v & mask) >>> 0);
}

const X87_MEM: Record<string, number> = {
  m32fp: 4,
  m64fp: 8,
  m80fp: 10,
  m16int: 2,
  m32int: 4,
  m64int: 8,
  m80bcd: 10,
  m2byte: 2,
};

function operandText(op: string, insn: Insn, memory: GuestMemory | null): string {
  void memory;
  const size = insn.opsize;
  switch (op) {
    case 'AL':
      return 'al';
    case 'CL':
      return 'cl';
    case 'DX':
      return 'dx';
    case 'eAX':
      return size === 2 ? 'ax' : 'eax';
    case 'rAX':
      return gprName(0, size);
    case '1':
      return '1';
    case 'ST0':
      return 'st(0)';
    case 'STi':
      return `st(${insn.rm & 7})`;
    case 'Ib':
      return hex(insn.imm & 0xff);
    case 'Ibs':
      return immText(insn.imm, insn.immHi, size);
    case 'Iw':
      return hex(insn.imm & 0xffff);
    case 'Iz':
      return immText(insn.imm, insn.immHi, size);
    case 'Iv':
      return immText(insn.imm, insn.immHi, size);
    case 'Jb':
    case 'Jz':
      return hex(insn.target);
    case 'Ob':
    case 'Ov': {
      const seg = insn.seg === SEG_FS ? 'fs:' : insn.seg === SEG_GS ? 'gs:' : '';
      return `${PTR[op === 'Ob' ? 1 : size]}${seg}[${immText(insn.imm, insn.immHi, 8)}]`;
    }
    case 'M':
      return memText(insn, 0);
  }
  const kind = op[0]!;
  const suffix = op.slice(1);
  if (op in X87_MEM) return memText(insn, X87_MEM[op]!);
  if (op.startsWith('m')) return memText(insn, 0);
  switch (kind) {
    case 'E':
    case 'R': {
      const sz = sizeOf(suffix, insn);
      if (insn.mod !== 3) return memText(insn, sz);
      return gprName(insn.rm, sz, insn.rmB);
    }
    case 'M':
      return memText(insn, sizeOf(suffix, insn));
    case 'G':
      return gprName(insn.reg, sizeOf(suffix, insn), insn.regB);
    case 'Z':
      return gprName(insn.reg, suffix === 'b' ? 1 : size, insn.regB);
    case 'B':
      return gprName(insn.vvvv, size);
    case 'V':
      return `xmm${insn.reg}`;
    case 'H':
      return `xmm${insn.vvvv}`;
    case 'U':
      return `xmm${insn.rm}`;
    case 'W':
      return insn.mod === 3 ? `xmm${insn.rm}` : memText(insn, sizeOf(suffix, insn));
    case 'N':
      return `mm${insn.rm & 7}`;
    case 'P':
      return `mm${insn.reg & 7}`;
    case 'Q':
      return insn.mod === 3 ? `mm${insn.rm & 7}` : memText(insn, 8);
    case 'C':
      return `cr${insn.reg}`;
    case 'D':
      return `dr${insn.reg}`;
    case 'S':
      return ['es', 'cs', 'ss', 'ds', 'fs', 'gs'][insn.reg & 7] ?? `sreg${insn.reg & 7}`;
    default:
      return op;
  }
}

/** The Intel-syntax text of a decoded instruction ("(bad)" for undecodable bytes). */
export function formatInsn(insn: Insn, memory: GuestMemory | null = null): string {
  const row = insn.row;
  if (row === null) return '(bad)';
  let mnemonic = row.mnemonic;
  if (mnemonic.includes('/')) {
    const forms = mnemonic.split('/');
    mnemonic = forms[insn.opsize === 2 ? 0 : insn.opsize === 4 ? 1 : 2] ?? forms[0]!;
  }
  if (row.opcode === 0x90 && row.map === 0 && insn.reg === 0)
    mnemonic = insn.lastRep === 0xf3 ? 'pause' : 'nop';
  let prefix = '';
  if (insn.pfx & PFX_LOCK) prefix += 'lock ';
  if (row.map === 0 && row.opcode >= 0xa4 && row.opcode <= 0xaf && insn.lastRep !== 0) {
    const compare = row.opcode === 0xa6 || row.opcode === 0xa7 || row.opcode === 0xae || row.opcode === 0xaf;
    prefix += compare ? (insn.lastRep === 0xf3 ? 'repe ' : 'repne ') : 'rep ';
  }
  if (mnemonic === 'nop' || mnemonic === 'pause') return prefix + mnemonic;
  let immSeen = false;
  const ops =
    row.operands === ''
      ? []
      : row.operands.split(',').map((raw) => {
          const o = raw.trim();
          // A second immediate (enter's Ib) lives in imm2.
          if (o === 'Ib' && immSeen) return hex(insn.imm2 & 0xff);
          if (o.startsWith('I')) immSeen = true;
          return operandText(o, insn, memory);
        });
  return ops.length === 0 ? prefix + mnemonic : `${prefix}${mnemonic} ${ops.join(', ')}`;
}
