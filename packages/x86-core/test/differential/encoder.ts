/**
 * An instruction encoder driven by opcode-table rows: the inverse of the decoder, used by the case
 * generators and the fuzzer. Encoding rules: Intel SDM Vol. 2A, chapter 2 (legacy prefixes, REX,
 * ModRM/SIB, displacement, immediates) and §2.3.5 (VEX).
 */
import type { OpRow } from '../../src/table.js';

/** Parsed facts about a row's operand template. */
export interface RowShape {
  row: OpRow;
  ops: string[];
  /** The row has a ModRM byte. */
  modrm: boolean;
  /** Immediate operand kinds in encoding order. */
  imms: string[];
  /** Operand sizes worth generating (2, 4, 8). */
  sizes: (2 | 4 | 8)[];
  /** Register form allowed. */
  regForm: boolean;
  /** Memory form allowed. */
  memForm: boolean;
  /** Bytes the memory operand spans (0 when unknown: then 16 is assumed). */
  memBytes: number;
}

const IMM_OPS = new Set(['Ib', 'Ibs', 'Iw', 'Iz', 'Iv', 'Jb', 'Jz', 'Ob', 'Ov']);

/** Analyses a row's template (mirrors the decoder's rules for ModRM and immediates). */
export function shapeOf(row: OpRow): RowShape {
  const ops = row.operands === '' ? [] : row.operands.split(',').map((s) => s.trim());
  const modrm =
    row.modrm === true ||
    row.ext !== undefined ||
    ops.some((o) => /^[EGMRVWUNPQ]/.test(o) || o.startsWith('m') || o === 'STi');
  const imms = ops.filter((o) => IMM_OPS.has(o));
  let sizes: (2 | 4 | 8)[];
  const sizeSensitive = ops.some((o) => /^([EGMRZBO]?[vzy]|rAX|I[zv])$/.test(o));
  const yOnly =
    ops.some((o) => /^[EGMRB]y$/.test(o)) && !ops.some((o) => /^([EGMRZO]?[vz]|rAX|I[zv])$/.test(o));
  if (row.size === 'f64') sizes = [8];
  else if (row.size === 'd64') sizes = [8, 2];
  else if (row.w === 1) sizes = [8];
  else if (row.w === 0) sizes = sizeSensitive && row.prefix === undefined && !row.vex ? [4, 2] : [4];
  else if (yOnly || row.vex) sizes = [4, 8];
  else if (sizeSensitive || (ops.length === 0 && row.prefix === undefined && row.map === 0))
    sizes = [4, 2, 8];
  else sizes = [4];
  if (row.prefix === 0x66 && !row.vex) sizes = sizes.filter((s) => s !== 2);
  if (sizes.length === 0) sizes = [4];
  const memForm = modrm && row.mod !== 'reg' && !ops.some((o) => /^[RUN]/.test(o) || o === 'STi');
  const regForm = modrm ? row.mod !== 'mem' && !ops.some((o) => /^M/.test(o) || /^m/.test(o)) : true;
  return { row, ops, modrm, imms, sizes, regForm, memForm, memBytes: memBytesOf(ops) };
}

function memBytesOf(ops: readonly string[]): number {
  for (const o of ops) {
    if (!/^[EMW]|^m/.test(o)) continue;
    switch (o) {
      case 'm32fp':
      case 'm32int':
        return 4;
      case 'm64fp':
      case 'm64int':
        return 8;
      case 'm80fp':
      case 'm80bcd':
        return 10;
      case 'm16int':
      case 'm2byte':
        return 2;
      case 'm14/28byte':
        return 28;
      case 'm94/108byte':
        return 108;
      case 'm512byte':
        return 512;
    }
    const t = o.slice(1);
    if (t === 'b') return 1;
    if (t === 'w') return 2;
    if (t === 'd' || t === 'ss') return 4;
    if (t === 'q' || t === 'sd') return 8;
    if (t === 'x' || t === 'dq' || t === 'ps' || t === 'pd') return 16;
    if (t === 'v' || t === 'y' || t === 'z') return 8;
    return 16;
  }
  return 16;
}

/** A memory operand's addressing form. */
export interface MemOperand {
  kind: 'base' | 'base-index' | 'index' | 'abs' | 'rip';
  base: number;
  index: number;
  scale: number;
  /** Displacement (for 'rip', filled in by {@link encode} from the target). */
  disp: number;
  /** disp8 vs disp32 for base forms (ignored when the form needs none). */
  dispSize: 0 | 1 | 4;
  /** Use a 67 prefix (32-bit address computation). */
  addr32: boolean;
}

/** Everything needed to encode one instruction of a row. */
export interface Encoding {
  shape: RowShape;
  opsize: 2 | 4 | 8;
  /** ModRM.reg register (0–15) when the row has no /digit extension. */
  reg: number;
  /** ModRM.rm register (0–15) for the register form, or the +r register. */
  rm: number;
  /** The memory operand, or null for the register form. */
  mem: MemOperand | null;
  /** VEX.vvvv register. */
  vvvv: number;
  /** Emit a REX prefix even when no bit is needed (byte registers SPL–DIL instead of AH–BH). */
  forceRex: boolean;
  /** Immediate values in template order (raw unsigned bits of their width). */
  imms: bigint[];
  /** Extra legacy prefixes to put first (lock, segment, rep, lock-elision hints). */
  prefixes: number[];
  /** For 'rip' memory operands: the absolute target address. */
  ripTarget?: number;
}

/** Width in bytes of an immediate kind at an operand size. */
export function immWidth(kind: string, opsize: number, addr32: boolean): number {
  switch (kind) {
    case 'Ib':
    case 'Ibs':
    case 'Jb':
      return 1;
    case 'Iw':
      return 2;
    case 'Iz':
      return opsize === 2 ? 2 : 4;
    case 'Iv':
      return opsize;
    case 'Jz':
      return 4;
    default:
      return addr32 ? 4 : 8; // Ob/Ov moffs
  }
}

/** Encodes one instruction; `at` is its address (for RIP-relative displacements). */
export function encode(e: Encoding, at: number): Uint8Array {
  const { row } = e.shape;
  const out: number[] = [...e.prefixes];
  const hasW = e.opsize === 8 && row.size !== 'd64' && row.size !== 'f64';
  const w = row.w !== undefined ? row.w === 1 : hasW;
  if (e.opsize === 2 && row.prefix !== 0x66) out.push(0x66);
  if (e.mem?.addr32) out.push(0x67);
  const modrm = e.shape.modrm;
  const regNum = row.ext !== undefined ? row.ext : e.reg;
  let rexR = 0;
  let rexX = 0;
  let rexB = 0;
  if (modrm) {
    rexR = (regNum >> 3) & 1;
    if (e.mem) {
      if (e.mem.kind === 'base' || e.mem.kind === 'base-index') rexB = (e.mem.base >> 3) & 1;
      if (e.mem.kind === 'base-index' || e.mem.kind === 'index') rexX = (e.mem.index >> 3) & 1;
    } else rexB = (e.rm >> 3) & 1;
  } else if (row.plusReg) rexB = (e.rm >> 3) & 1;

  if (row.vex) {
    const pp = row.prefix === 0x66 ? 1 : row.prefix === 0xf3 ? 2 : row.prefix === 0xf2 ? 3 : 0;
    const vvvv = (~e.vvvv & 15) << 3;
    out.push(0xc4, ((rexR ? 0 : 0x80) | (rexX ? 0 : 0x40) | (rexB ? 0 : 0x20) | row.map) & 0xff);
    out.push((w ? 0x80 : 0) | vvvv | (row.vex.l << 2) | pp);
  } else {
    if (row.prefix !== undefined && row.prefix !== 0) out.push(row.prefix);
    const rex = 0x40 | (w ? 8 : 0) | (rexR << 2) | (rexX << 1) | rexB;
    if (rex !== 0x40 || e.forceRex) out.push(rex);
    if (row.map >= 1) out.push(0x0f);
    if (row.map === 2) out.push(0x38);
    if (row.map === 3) out.push(0x3a);
  }
  out.push(row.plusReg ? row.opcode | (e.rm & 7) : row.opcode);

  let ripFixup = -1;
  if (modrm) {
    const reg3 = regNum & 7;
    if (!e.mem) {
      const rm = row.rm !== undefined ? row.rm : e.rm & 7;
      out.push(0xc0 | (reg3 << 3) | rm);
    } else {
      const m = e.mem;
      const d8 = m.disp >= -128 && m.disp <= 127;
      switch (m.kind) {
        case 'rip':
          out.push((reg3 << 3) | 5);
          ripFixup = out.length;
          out.push(0, 0, 0, 0);
          break;
        case 'abs':
          out.push((reg3 << 3) | 4, 0x25);
          pushLe(out, BigInt(m.disp), 4);
          break;
        case 'index':
          out.push((reg3 << 3) | 4, (m.scale << 6) | ((m.index & 7) << 3) | 5);
          pushLe(out, BigInt(m.disp), 4);
          break;
        default: {
          const base3 = m.base & 7;
          let mod = m.dispSize === 4 || !d8 ? 2 : m.dispSize === 1 || m.disp !== 0 ? 1 : 0;
          if (mod === 0 && base3 === 5) mod = 1; // rbp/r13 need a displacement
          const sib = m.kind === 'base-index' || base3 === 4;
          out.push((mod << 6) | (reg3 << 3) | (sib ? 4 : base3));
          if (sib) {
            const idx = m.kind === 'base-index' ? m.index & 7 : 4;
            out.push((m.kind === 'base-index' ? m.scale << 6 : 0) | (idx << 3) | base3);
          }
          if (mod === 1) out.push(m.disp & 0xff);
          if (mod === 2) pushLe(out, BigInt(m.disp), 4);
        }
      }
    }
  }
  const addr32 = e.mem?.addr32 ?? false;
  e.shape.imms.forEach((kind, i) => {
    pushLe(out, e.imms[i] ?? 0n, immWidth(kind, e.opsize, addr32));
  });
  if (ripFixup >= 0) {
    const next = at + out.length;
    const disp = (e.ripTarget ?? 0) - next;
    const v = BigInt(disp);
    for (let k = 0; k < 4; k++) out[ripFixup + k] = Number((BigInt.asUintN(32, v) >> BigInt(8 * k)) & 0xffn);
  }
  return Uint8Array.from(out);
}

function pushLe(out: number[], v: bigint, n: number): void {
  const u = BigInt.asUintN(8 * n, v);
  for (let k = 0; k < n; k++) out.push(Number((u >> BigInt(8 * k)) & 0xffn));
}
