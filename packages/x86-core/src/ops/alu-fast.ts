/**
 * Register fast paths for the most frequent ALU forms (add/or/and/sub/xor/cmp/test at 32 and 64
 * bits with register or immediate sources). Each handler is its own function literal so the
 * engine sees one small, monomorphic body per opcode and inlines the arithmetic; memory operands,
 * 8/16-bit operands and adc/sbb take the generic handlers in alu.ts. Semantics are identical to
 * `alu()` in common.ts (Intel SDM Vol. 2, ADD/OR/AND/SUB/XOR/CMP/TEST).
 */
import type { Cpu } from '../cpu.js';
import {
  LF_ADD,
  LF_BITS,
  LF_DST,
  LF_DSTH,
  LF_LOGIC,
  LF_OP,
  LF_RES,
  LF_RESH,
  LF_SRC,
  LF_SRCH,
  LF_SUB,
} from '../flags.js';
import type { Handler } from '../insn.js';

// The flag record is written directly (not through Cpu methods) so that no int32 argument is
// boxed on a call the engine declines to inline.
function add64(cpu: Cpu, dl: number, dh: number, sl: number, sh: number): number {
  const t = (dl >>> 0) + (sl >>> 0);
  const rl = t | 0;
  const rh = (dh + sh + (t > 0xffffffff ? 1 : 0)) | 0;
  const lf = cpu.lf;
  lf[LF_OP] = LF_ADD;
  lf[LF_BITS] = 64;
  lf[LF_DST] = dl;
  lf[LF_DSTH] = dh;
  lf[LF_SRC] = sl;
  lf[LF_SRCH] = sh;
  lf[LF_RES] = rl;
  lf[LF_RESH] = rh;
  cpu.hi = rh;
  return rl;
}
function sub64(cpu: Cpu, dl: number, dh: number, sl: number, sh: number): number {
  const t = (dl >>> 0) - (sl >>> 0);
  const rl = t | 0;
  const rh = (dh - sh - (t < 0 ? 1 : 0)) | 0;
  const lf = cpu.lf;
  lf[LF_OP] = LF_SUB;
  lf[LF_BITS] = 64;
  lf[LF_DST] = dl;
  lf[LF_DSTH] = dh;
  lf[LF_SRC] = sl;
  lf[LF_SRCH] = sh;
  lf[LF_RES] = rl;
  lf[LF_RESH] = rh;
  cpu.hi = rh;
  return rl;
}
function add32(cpu: Cpu, d: number, s: number): number {
  const r = (d + s) | 0;
  const lf = cpu.lf;
  lf[LF_OP] = LF_ADD;
  lf[LF_BITS] = 32;
  lf[LF_DST] = d;
  lf[LF_DSTH] = 0;
  lf[LF_SRC] = s;
  lf[LF_SRCH] = 0;
  lf[LF_RES] = r;
  lf[LF_RESH] = 0;
  return r;
}
function sub32(cpu: Cpu, d: number, s: number): number {
  const r = (d - s) | 0;
  const lf = cpu.lf;
  lf[LF_OP] = LF_SUB;
  lf[LF_BITS] = 32;
  lf[LF_DST] = d;
  lf[LF_DSTH] = 0;
  lf[LF_SRC] = s;
  lf[LF_SRCH] = 0;
  lf[LF_RES] = r;
  lf[LF_RESH] = 0;
  return r;
}
/** Records a logical result (CF = OF = AF = 0). */
function logic(cpu: Cpu, bits: number, lo: number, hi: number): void {
  const lf = cpu.lf;
  lf[LF_OP] = LF_LOGIC;
  lf[LF_BITS] = bits;
  lf[LF_RES] = lo;
  lf[LF_RESH] = hi;
}

/** Fast EG handlers by ALU operation number (the /digit), falling back to `generic`. */
export function fastEG(op: number, generic: Handler): Handler {
  switch (op) {
    case 0:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.reg << 1;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          r[d] = add64(cpu, r[d]!, r[d + 1]!, r[s]!, r[s + 1]!);
          r[d + 1] = cpu.hi;
        } else {
          r[d] = add32(cpu, r[d]!, r[s]!);
          r[d + 1] = 0;
        }
      };
    case 1:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.reg << 1;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          const lo = r[d]! | r[s]!;
          const hi = r[d + 1]! | r[s + 1]!;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! | r[s]!;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 4:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.reg << 1;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          const lo = r[d]! & r[s]!;
          const hi = r[d + 1]! & r[s + 1]!;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! & r[s]!;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 5:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.reg << 1;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          r[d] = sub64(cpu, r[d]!, r[d + 1]!, r[s]!, r[s + 1]!);
          r[d + 1] = cpu.hi;
        } else {
          r[d] = sub32(cpu, r[d]!, r[s]!);
          r[d + 1] = 0;
        }
      };
    case 6:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.reg << 1;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          const lo = r[d]! ^ r[s]!;
          const hi = r[d + 1]! ^ r[s + 1]!;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! ^ r[s]!;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 7:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.reg << 1;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          sub64(cpu, r[d]!, r[d + 1]!, r[s]!, r[s + 1]!);
        } else {
          sub32(cpu, r[d]!, r[s]!);
        }
      };
    default:
      return generic;
  }
}

/** Fast GE handlers by ALU operation number (the /digit), falling back to `generic`. */
export function fastGE(op: number, generic: Handler): Handler {
  switch (op) {
    case 0:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.rm << 1;
        const d = i.reg << 1;
        if (i.opsize === 8) {
          r[d] = add64(cpu, r[d]!, r[d + 1]!, r[s]!, r[s + 1]!);
          r[d + 1] = cpu.hi;
        } else {
          r[d] = add32(cpu, r[d]!, r[s]!);
          r[d + 1] = 0;
        }
      };
    case 1:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.rm << 1;
        const d = i.reg << 1;
        if (i.opsize === 8) {
          const lo = r[d]! | r[s]!;
          const hi = r[d + 1]! | r[s + 1]!;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! | r[s]!;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 4:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.rm << 1;
        const d = i.reg << 1;
        if (i.opsize === 8) {
          const lo = r[d]! & r[s]!;
          const hi = r[d + 1]! & r[s + 1]!;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! & r[s]!;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 5:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.rm << 1;
        const d = i.reg << 1;
        if (i.opsize === 8) {
          r[d] = sub64(cpu, r[d]!, r[d + 1]!, r[s]!, r[s + 1]!);
          r[d + 1] = cpu.hi;
        } else {
          r[d] = sub32(cpu, r[d]!, r[s]!);
          r[d + 1] = 0;
        }
      };
    case 6:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.rm << 1;
        const d = i.reg << 1;
        if (i.opsize === 8) {
          const lo = r[d]! ^ r[s]!;
          const hi = r[d + 1]! ^ r[s + 1]!;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! ^ r[s]!;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 7:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const s = i.rm << 1;
        const d = i.reg << 1;
        if (i.opsize === 8) {
          sub64(cpu, r[d]!, r[d + 1]!, r[s]!, r[s + 1]!);
        } else {
          sub32(cpu, r[d]!, r[s]!);
        }
      };
    default:
      return generic;
  }
}

/** Fast EI handlers by ALU operation number (the /digit), falling back to `generic`. */
export function fastEI(op: number, generic: Handler): Handler {
  switch (op) {
    case 0:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          r[d] = add64(cpu, r[d]!, r[d + 1]!, i.imm, i.immHi);
          r[d + 1] = cpu.hi;
        } else {
          r[d] = add32(cpu, r[d]!, i.imm);
          r[d + 1] = 0;
        }
      };
    case 1:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          const lo = r[d]! | i.imm;
          const hi = r[d + 1]! | i.immHi;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! | i.imm;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 4:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          const lo = r[d]! & i.imm;
          const hi = r[d + 1]! & i.immHi;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! & i.imm;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 5:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          r[d] = sub64(cpu, r[d]!, r[d + 1]!, i.imm, i.immHi);
          r[d + 1] = cpu.hi;
        } else {
          r[d] = sub32(cpu, r[d]!, i.imm);
          r[d + 1] = 0;
        }
      };
    case 6:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          const lo = r[d]! ^ i.imm;
          const hi = r[d + 1]! ^ i.immHi;
          r[d] = lo;
          r[d + 1] = hi;
          logic(cpu, 64, lo, hi);
        } else {
          const v = r[d]! ^ i.imm;
          r[d] = v;
          r[d + 1] = 0;
          logic(cpu, 32, v, 0);
        }
      };
    case 7:
      return (cpu, i) => {
        if (i.mod !== 3 || i.opsize === 2) {
          generic(cpu, i);
          return;
        }
        const r = cpu.r;
        const d = i.rm << 1;
        if (i.opsize === 8) {
          sub64(cpu, r[d]!, r[d + 1]!, i.imm, i.immHi);
        } else {
          sub32(cpu, r[d]!, i.imm);
        }
      };
    default:
      return generic;
  }
}

/** test E, G with register operands. */
export function fastTest(generic: Handler): Handler {
  return (cpu, i) => {
    if (i.mod !== 3 || i.opsize === 2) {
      generic(cpu, i);
      return;
    }
    const r = cpu.r;
    const d = i.rm << 1;
    const s = i.reg << 1;
    if (i.opsize === 8) logic(cpu, 64, r[d]! & r[s]!, r[d + 1]! & r[s + 1]!);
    else logic(cpu, 32, r[d]! & r[s]!, 0);
  };
}
