/**
 * Data movement: mov (all forms incl. moffs), movzx/movsx/movsxd, lea, xchg, cmpxchg, xadd,
 * cmpxchg8b/16b, cbw/cwde/cdqe, cwd/cdq/cqo, cmovcc, setcc, push/pop, enter/leave, pushf/popf,
 * lahf/sahf and the nop forms (Intel SDM Vol. 2 under each mnemonic).
 */
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { type Handler, type Insn, SEG_FS, SEG_NONE } from '../insn.js';
import { AF, CF, FS_BASE_I32, GS_BASE_I32, PF, SF, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import { alu, CC_NAMES, CMP, getG, getReg, ld, rmAddr, setG, setReg, sext, st } from './common.js';
import { eaWide } from './ea-wide.js';

const movEG =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const v = getG(cpu, i, size);
    st(cpu, i, rmAddr(cpu, i), size, v, cpu.hi);
  };
/** mov r/m32/64, r32/64 without the generic size dispatch (the most common store). */
const movEGv: Handler = (cpu, i) => {
  const r = cpu.r;
  const k = i.reg << 1;
  const size = i.opsize;
  if (size === 2) {
    cpu.setRm16(i, cpu.w[k << 1]!);
    return;
  }
  if (i.mod === 3) {
    const d = i.rm << 1;
    r[d] = r[k]!;
    r[d + 1] = size === 8 ? r[k + 1]! : 0;
    return;
  }
  const a = cpu.ea(i);
  if (size === 8) cpu.write64(a, r[k]!, r[k + 1]!);
  else cpu.memory.write32(a, r[k]!);
};
const movGE =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const v = ld(cpu, i, rmAddr(cpu, i), size);
    setG(cpu, i, size, v, cpu.hi);
  };
/** Fast register/memory forms of the most common instruction, mov r/m64 and r/m32. */
const movGEv: Handler = (cpu, i) => {
  const r = cpu.r;
  const k = i.reg << 1;
  const size = i.opsize;
  if (i.mod === 3) {
    const s = i.rm << 1;
    if (size === 8) {
      r[k] = r[s]!;
      r[k + 1] = r[s + 1]!;
    } else if (size === 4) {
      r[k] = r[s]!;
      r[k + 1] = 0;
    } else cpu.w[k << 1] = cpu.w[s << 1]!;
    return;
  }
  const a = cpu.ea(i);
  if (size === 8) {
    r[k] = cpu.read64(a);
    r[k + 1] = cpu.hi;
  } else if (size === 4) {
    r[k] = cpu.memory.read32(a);
    r[k + 1] = 0;
  } else cpu.w[k << 1] = cpu.memory.read16(a);
};
const movEI =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    st(
      cpu,
      i,
      rmAddr(cpu, i),
      size,
      size === 1 ? i.imm & 0xff : size === 2 ? i.imm & 0xffff : i.imm,
      i.immHi,
    );
  };
const movZI =
  (byte: boolean): Handler =>
  (cpu, i) => {
    if (byte) cpu.b[i.regB] = i.imm;
    else setReg(cpu, i.reg, i.opsize, i.opsize === 2 ? i.imm & 0xffff : i.imm, i.immHi);
  };

/** The moffs address plus an FS/GS base. */
function moffs(cpu: Cpu, i: Insn): number {
  let lo = i.imm >>> 0;
  let hi = i.immHi;
  if (i.seg !== SEG_NONE) {
    const s = i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32;
    lo += cpu.r[s]! >>> 0;
    hi += cpu.r[s + 1]!;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi++;
    }
  }
  if ((hi | 0) !== 0) {
    const top = (hi | 0) >> 15;
    if (top !== 0 && top !== -1) throw cpu.gp('non-canonical address');
    throw new CpuFault('page-not-present', hi * 4294967296 + lo, 'read');
  }
  return lo;
}
const movAO =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = moffs(cpu, i);
    let v: number;
    if (size === 1) v = cpu.read8(a);
    else if (size === 2) v = cpu.read16(a);
    else if (size === 4) v = cpu.read32(a);
    else v = cpu.read64(a);
    setReg(cpu, 0, size, v, cpu.hi);
  };
const movOA =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = moffs(cpu, i);
    const v = getReg(cpu, 0, size);
    if (size === 1) cpu.write8(a, v);
    else if (size === 2) cpu.write16(a, v);
    else if (size === 4) cpu.write32(a, v);
    else cpu.write64(a, v, cpu.hi);
  };

/** lea: the effective address without segment base, truncated to the operand size. */
const lea: Handler = (cpu, i) => {
  const r = cpu.r;
  let lo: number;
  let hi: number;
  switch (i.eaKind) {
    case 2: {
      const b = i.base << 1;
      lo = (r[b]! >>> 0) + i.disp;
      hi = r[b + 1]!;
      break;
    }
    case 3: {
      const b = i.base << 1;
      const x = i.index << 1;
      lo = (r[b]! >>> 0) + (r[x]! >>> 0) * (1 << i.scale) + i.disp;
      hi = r[b + 1]! + (r[x + 1]! << i.scale);
      break;
    }
    case 4: {
      const x = i.index << 1;
      lo = (r[x]! >>> 0) * (1 << i.scale) + i.disp;
      hi = r[x + 1]! << i.scale;
      break;
    }
    default:
      // An absolute or rip-relative address (disp holds the whole address, possibly negative):
      // the carry below sign-extends it, so the high half starts at 0.
      lo = i.disp;
      hi = 0;
  }
  const carry = Math.floor(lo / 4294967296);
  lo -= carry * 4294967296;
  hi = (hi + carry) | 0;
  if (i.adsize === 4) hi = 0;
  setG(cpu, i, i.opsize, i.opsize === 2 ? lo & 0xffff : lo | 0, hi);
};

const movx =
  (signed: boolean, from: 1 | 2): Handler =>
  (cpu, i) => {
    let v = from === 1 ? cpu.getRm8(i) : cpu.getRm16(i);
    if (signed) v = sext(v, from);
    const size = i.opsize;
    setG(cpu, i, size, size === 2 ? v & 0xffff : v, v >> 31);
  };
const movsxd: Handler = (cpu, i) => {
  const v = cpu.getRm32(i);
  if (i.opsize === 8) setG(cpu, i, 8, v, v >> 31);
  else setG(cpu, i, i.opsize, i.opsize === 2 ? v & 0xffff : v, 0);
};

const xchgEG =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    const s = getG(cpu, i, size);
    st(cpu, i, a, size, s, cpu.hi);
    setG(cpu, i, size, d, dh);
  };
/** 90+r: xchg rAX with a register; plain 90 (without REX.B) is nop, F3 90 pause. */
const xchgAZ: Handler = (cpu, i) => {
  const size = i.opsize;
  if (i.reg === 0) {
    // xchg eax, eax is still a 32-bit write only in the 87 /r form; 90 is a true nop.
    return;
  }
  const a = getReg(cpu, 0, size);
  const ah = cpu.hi;
  const z = getReg(cpu, i.reg, size);
  setReg(cpu, 0, size, z, cpu.hi);
  setReg(cpu, i.reg, size, a, ah);
};

const cmpxchg =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    const acc = getReg(cpu, 0, size);
    const acch = cpu.hi;
    alu(cpu, CMP, size, acc, acch, d, dh);
    if (cpu.getZF()) {
      const s = getG(cpu, i, size);
      st(cpu, i, a, size, s, cpu.hi);
    } else {
      // The destination is written back unchanged for memory (a locked RMW always writes).
      if (a >= 0) st(cpu, i, a, size, d, dh);
      setReg(cpu, 0, size, d, dh);
    }
  };

const xadd =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    const s = getG(cpu, i, size);
    const sh = cpu.hi;
    const r = alu(cpu, 0, size, d, dh, s, sh);
    const rh = cpu.hi;
    setG(cpu, i, size, d, dh);
    st(cpu, i, a, size, r, rh);
  };

/** cmpxchg8b m64 / cmpxchg16b m128 (SDM Vol. 2A, CMPXCHG8B/CMPXCHG16B). */
const cmpxchgWide =
  (sixteen: boolean): Handler =>
  (cpu, i) => {
    // Alignment #GP comes before canonicality and paging faults (SDM Vol. 3A §6.15).
    if (sixteen && (eaWide(cpu, i) & 15) !== 0) throw cpu.gp('cmpxchg16b operand not 16-byte aligned');
    const a = cpu.ea(i);
    const r = cpu.r;
    if (sixteen) {
      cpu.memory.checkWrite(a, 16);
      const m0 = cpu.read32(a);
      const m1 = cpu.read32(a + 4);
      const m2 = cpu.read32(a + 8);
      const m3 = cpu.read32(a + 12);
      if (m0 === r[0] && m1 === r[1] && m2 === r[4] && m3 === r[5]) {
        cpu.write64(a, r[6]!, r[7]!);
        cpu.write64(a + 8, r[2]!, r[3]!);
        cpu.setArithFlags(ZF, ZF);
      } else {
        cpu.write64(a, m0, m1);
        cpu.write64(a + 8, m2, m3);
        r[0] = m0;
        r[1] = m1;
        r[4] = m2;
        r[5] = m3;
        cpu.setArithFlags(ZF, 0);
      }
      return;
    }
    cpu.memory.checkWrite(a, 8);
    const m0 = cpu.read32(a);
    const m1 = cpu.read32(a + 4);
    if (m0 === r[0] && m1 === r[4]) {
      cpu.write64(a, r[6]!, r[2]!);
      cpu.setArithFlags(ZF, ZF);
    } else {
      cpu.write64(a, m0, m1);
      r[0] = m0;
      r[1] = 0;
      r[4] = m1;
      r[5] = 0;
      cpu.setArithFlags(ZF, 0);
    }
  };

/** cbw/cwde/cdqe: sign-extend the lower half of rAX into rAX. */
const cbw: Handler = (cpu, i) => {
  const r = cpu.r;
  if (i.opsize === 2) cpu.w[0] = (cpu.b[0]! << 24) >> 24;
  else if (i.opsize === 4) {
    r[0] = (cpu.w[0]! << 16) >> 16;
    r[1] = 0;
  } else r[1] = r[0]! >> 31;
};
/** cwd/cdq/cqo: sign-extend rAX into rDX. */
const cwd: Handler = (cpu, i) => {
  const r = cpu.r;
  if (i.opsize === 2) cpu.w[8] = cpu.w[0]! & 0x8000 ? 0xffff : 0;
  else if (i.opsize === 4) {
    r[4] = r[0]! >> 31;
    r[5] = 0;
  } else {
    r[4] = r[1]! >> 31;
    r[5] = r[4]!;
  }
};

const cmov =
  (cc: number): Handler =>
  (cpu, i) => {
    const size = i.opsize;
    const v = ld(cpu, i, rmAddr(cpu, i), size);
    const vh = cpu.hi;
    if (cpu.cond(cc)) setG(cpu, i, size, v, vh);
    else if (size === 4) cpu.r[(i.reg << 1) + 1] = 0;
  };
const setcc =
  (cc: number): Handler =>
  (cpu, i) => {
    cpu.setRm8(i, cpu.cond(cc) ? 1 : 0);
  };

const pushZ: Handler = (cpu, i) => {
  const k = i.reg << 1;
  if (i.opsize === 2) cpu.push16(cpu.w[k << 1]!);
  else cpu.push64(cpu.r[k]!, cpu.r[k + 1]!);
};
const popZ: Handler = (cpu, i) => {
  const k = i.reg << 1;
  if (i.opsize === 2) cpu.w[k << 1] = cpu.pop16();
  else {
    const lo = cpu.pop64();
    cpu.r[k] = lo;
    cpu.r[k + 1] = cpu.hi;
  }
};
const pushI: Handler = (cpu, i) => {
  if (i.opsize === 2) cpu.push16(i.imm & 0xffff);
  else cpu.push64(i.imm, i.immHi);
};
const pushE: Handler = (cpu, i) => {
  if (i.opsize === 2) cpu.push16(cpu.getRm16(i));
  else {
    const lo = cpu.getRm64(i);
    cpu.push64(lo, cpu.hi);
  }
};
const popE: Handler = (cpu, i) => {
  const saved0 = cpu.r[8]!;
  const saved1 = cpu.r[9]!;
  try {
    if (i.opsize === 2) cpu.setRm16(i, cpu.pop16());
    else {
      const lo = cpu.pop64();
      cpu.setRm64(i, lo, cpu.hi);
    }
  } catch (e) {
    cpu.r[8] = saved0;
    cpu.r[9] = saved1;
    throw e;
  }
};

/** enter imm16, imm8 (SDM Vol. 2A, ENTER); 66 selects 16-bit pushes and a 16-bit BP. */
const enter: Handler = (cpu, i) => {
  const r = cpu.r;
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const wide16 = i.opsize === 2;
  const sp0 = r[8]!;
  const sp1 = r[9]!;
  const bp0 = r[10]!;
  const bp1 = r[11]!;
  try {
    if (wide16) cpu.push16(cpu.w[20]!);
    else cpu.push64(bp0, bp1);
    const frame0 = r[8]!;
    const frame1 = r[9]!;
    if (level > 0) {
      let bp = bp0 >>> 0;
      for (let k = 1; k < level; k++) {
        if (wide16) {
          bp -= 2;
          cpu.push16(cpu.read16(bp));
        } else {
          bp -= 8;
          const lo = cpu.read64(bp);
          cpu.push64(lo, cpu.hi);
        }
      }
      if (wide16) cpu.push16(frame0 & 0xffff);
      else cpu.push64(frame0, frame1);
    }
    if (wide16) cpu.w[20] = frame0 & 0xffff;
    else {
      r[10] = frame0;
      r[11] = frame1;
    }
    const t = (r[8]! >>> 0) - size;
    r[8] = t | 0;
    if (t < 0) r[9] = (r[9]! - 1) | 0;
  } catch (e) {
    r[8] = sp0;
    r[9] = sp1;
    r[10] = bp0;
    r[11] = bp1;
    throw e;
  }
};
/** leave: RSP = RBP, then pop (R)BP (16 bits with 66). */
const leave: Handler = (cpu, i) => {
  const r = cpu.r;
  const sp0 = r[8]!;
  const sp1 = r[9]!;
  r[8] = r[10]!;
  r[9] = r[11]!;
  try {
    if (i.opsize === 2) cpu.w[20] = cpu.pop16();
    else {
      const lo = cpu.pop64();
      r[10] = lo;
      r[11] = cpu.hi;
    }
  } catch (e) {
    r[8] = sp0;
    r[9] = sp1;
    throw e;
  }
};

const pushf: Handler = (cpu, i) => {
  // VM and RF are never set in the image pushf stores (SDM Vol. 2B, PUSHF).
  const f = cpu.getRflags() & 0xfcffff;
  if (i.opsize === 2) cpu.push16(f & 0xffff);
  else cpu.push64(f, 0);
};
const popf: Handler = (cpu, i) => {
  if (i.opsize === 2) {
    const v = cpu.pop16();
    cpu.setRflags((cpu.getRflags() & ~0xffff) | v);
  } else {
    const v = cpu.pop64();
    cpu.setRflags(v);
  }
};
const lahf: Handler = (cpu) => {
  cpu.b[1] = (cpu.getRflags() & (SF | ZF | AF | PF | CF)) | 2;
};
const sahf: Handler = (cpu) => {
  const M = SF | ZF | AF | PF | CF;
  cpu.setArithFlags(M, cpu.b[1]!);
};
const nop: Handler = () => {};

/** xlat: AL = [seg:rBX + AL] (SDM Vol. 2B, XLAT/XLATB). */
const xlat: Handler = (cpu, i) => {
  const r = cpu.r;
  let lo = (r[6]! >>> 0) + cpu.b[0]!;
  let hi = i.adsize === 4 ? 0 : r[7]!;
  if (i.adsize === 4) lo = lo >>> 0;
  if (i.seg !== SEG_NONE) {
    const s = i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32;
    lo += r[s]! >>> 0;
    hi += r[s + 1]!;
  }
  if (lo >= 4294967296) {
    lo -= 4294967296;
    hi++;
  }
  if ((hi | 0) !== 0) {
    const top = (hi | 0) >> 15;
    if (top !== 0 && top !== -1) throw cpu.gp('non-canonical address');
    throw new CpuFault('page-not-present', hi * 4294967296 + lo, 'read');
  }
  cpu.b[0] = cpu.read8(lo);
};

const rows: OpRow[] = [
  { map: 0, opcode: 0x88, mnemonic: 'mov', operands: 'Eb,Gb', exec: movEG(true) },
  { map: 0, opcode: 0x89, mnemonic: 'mov', operands: 'Ev,Gv', exec: movEGv },
  { map: 0, opcode: 0x8a, mnemonic: 'mov', operands: 'Gb,Eb', exec: movGE(true) },
  { map: 0, opcode: 0x8b, mnemonic: 'mov', operands: 'Gv,Ev', exec: movGEv },
  { map: 0, opcode: 0xc6, ext: 0, mnemonic: 'mov', operands: 'Eb,Ib', exec: movEI(true) },
  { map: 0, opcode: 0xc7, ext: 0, mnemonic: 'mov', operands: 'Ev,Iz', exec: movEI(false) },
  { map: 0, opcode: 0xb0, plusReg: true, mnemonic: 'mov', operands: 'Zb,Ib', exec: movZI(true) },
  { map: 0, opcode: 0xb8, plusReg: true, mnemonic: 'mov', operands: 'Zv,Iv', exec: movZI(false) },
  { map: 0, opcode: 0xa0, mnemonic: 'mov', operands: 'AL,Ob', exec: movAO(true) },
  { map: 0, opcode: 0xa1, mnemonic: 'mov', operands: 'rAX,Ov', exec: movAO(false) },
  { map: 0, opcode: 0xa2, mnemonic: 'mov', operands: 'Ob,AL', exec: movOA(true) },
  { map: 0, opcode: 0xa3, mnemonic: 'mov', operands: 'Ov,rAX', exec: movOA(false) },
  { map: 0, opcode: 0x8d, mod: 'mem', mnemonic: 'lea', operands: 'Gv,M', exec: lea },
  { map: 1, opcode: 0xb6, mnemonic: 'movzx', operands: 'Gv,Eb', exec: movx(false, 1) },
  { map: 1, opcode: 0xb7, mnemonic: 'movzx', operands: 'Gv,Ew', exec: movx(false, 2) },
  { map: 1, opcode: 0xbe, mnemonic: 'movsx', operands: 'Gv,Eb', exec: movx(true, 1) },
  { map: 1, opcode: 0xbf, mnemonic: 'movsx', operands: 'Gv,Ew', exec: movx(true, 2) },
  { map: 0, opcode: 0x63, mnemonic: 'movsxd', operands: 'Gv,Ed', exec: movsxd },
  { map: 0, opcode: 0x86, mnemonic: 'xchg', operands: 'Eb,Gb', exec: xchgEG(true), lock: true },
  { map: 0, opcode: 0x87, mnemonic: 'xchg', operands: 'Ev,Gv', exec: xchgEG(false), lock: true },
  { map: 0, opcode: 0x90, plusReg: true, mnemonic: 'xchg', operands: 'Zv,rAX', exec: xchgAZ },
  { map: 1, opcode: 0xb0, mnemonic: 'cmpxchg', operands: 'Eb,Gb', exec: cmpxchg(true), lock: true },
  { map: 1, opcode: 0xb1, mnemonic: 'cmpxchg', operands: 'Ev,Gv', exec: cmpxchg(false), lock: true },
  { map: 1, opcode: 0xc0, mnemonic: 'xadd', operands: 'Eb,Gb', exec: xadd(true), lock: true },
  { map: 1, opcode: 0xc1, mnemonic: 'xadd', operands: 'Ev,Gv', exec: xadd(false), lock: true },
  {
    map: 1,
    opcode: 0xc7,
    ext: 1,
    mod: 'mem',
    w: 0,
    mnemonic: 'cmpxchg8b',
    operands: 'Mq',
    exec: cmpxchgWide(false),
    lock: true,
  },
  {
    map: 1,
    opcode: 0xc7,
    ext: 1,
    mod: 'mem',
    w: 1,
    mnemonic: 'cmpxchg16b',
    operands: 'Mdq',
    exec: cmpxchgWide(true),
    lock: true,
  },
  { map: 0, opcode: 0x98, mnemonic: 'cbw/cwde/cdqe', operands: '', exec: cbw },
  { map: 0, opcode: 0x99, mnemonic: 'cwd/cdq/cqo', operands: '', exec: cwd },
  { map: 0, opcode: 0x50, plusReg: true, size: 'd64', mnemonic: 'push', operands: 'Zv', exec: pushZ },
  { map: 0, opcode: 0x58, plusReg: true, size: 'd64', mnemonic: 'pop', operands: 'Zv', exec: popZ },
  { map: 0, opcode: 0x6a, size: 'd64', mnemonic: 'push', operands: 'Ibs', exec: pushI },
  { map: 0, opcode: 0x68, size: 'd64', mnemonic: 'push', operands: 'Iz', exec: pushI },
  { map: 0, opcode: 0xff, ext: 6, size: 'd64', mnemonic: 'push', operands: 'Ev', exec: pushE },
  { map: 0, opcode: 0x8f, ext: 0, size: 'd64', mnemonic: 'pop', operands: 'Ev', exec: popE },
  { map: 0, opcode: 0xc8, size: 'd64', mnemonic: 'enter', operands: 'Iw,Ib', exec: enter, noDiffTest: true },
  { map: 0, opcode: 0xc9, size: 'd64', mnemonic: 'leave', operands: '', exec: leave },
  { map: 0, opcode: 0x9c, size: 'd64', mnemonic: 'pushf/pushfq/pushfq', operands: '', exec: pushf },
  { map: 0, opcode: 0x9d, size: 'd64', mnemonic: 'popf/popfq/popfq', operands: '', exec: popf },
  { map: 0, opcode: 0x9f, mnemonic: 'lahf', operands: '', exec: lahf },
  { map: 0, opcode: 0xd7, mnemonic: 'xlatb', operands: '', exec: xlat },
  { map: 0, opcode: 0x9e, mnemonic: 'sahf', operands: '', exec: sahf },
  { map: 1, opcode: 0x1f, mnemonic: 'nop', operands: 'Ev', exec: nop },
  // 0F 18–0F 1E: prefetch hints and reserved-NOP space (endbr64 is F3 0F 1E FA); all execute as nops.
  ...[0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e].map(
    (opcode): OpRow => ({
      map: 1,
      opcode,
      mnemonic: opcode === 0x18 ? 'prefetch' : 'nop',
      operands: 'Ev',
      exec: nop,
    }),
  ),
  { map: 1, opcode: 0x0d, mnemonic: 'prefetchw', operands: 'Ev', exec: nop, mod: 'mem' },
];
for (let cc = 0; cc < 16; cc++) {
  const name = CC_NAMES[cc]!;
  rows.push(
    { map: 1, opcode: 0x40 + cc, mnemonic: `cmov${name}`, operands: 'Gv,Ev', exec: cmov(cc) },
    { map: 1, opcode: 0x90 + cc, mnemonic: `set${name}`, operands: 'Eb', exec: setcc(cc) },
  );
}

/** Data-movement rows. */
export const moveRows: readonly OpRow[] = rows;
