/**
 * Executes one x87 instruction given its escape opcode (D8–DF), its ModRM byte and, for memory
 * forms, the effective address (Intel SDM Vol. 2, Appendix A.4 "x87 FPU Instruction Opcode Map").
 * The decoder-facing handlers in ./table.ts and the native tests both go through
 * {@link executeX87}, so the instruction semantics are tested independently of decoding.
 */
import { CpuFault } from '../fault.js';
import { bcdToF80, f80ToBcd } from './bcd.js';
import { loadConstant } from './constants.js';
import {
  CMP_EQUAL,
  CMP_LESS,
  CMP_UNORDERED,
  type F80,
  type FpEnv,
  fromF32,
  fromF64,
  fromInt,
  fromInt64,
} from './float80.js';
import {
  OP_ADD,
  OP_DIV,
  OP_DIVR,
  OP_MUL,
  OP_SUB,
  OP_SUBR,
  STORE_F32,
  STORE_F64,
  STORE_TRUNCATE,
  type X87,
} from './fpu.js';
import { fprem, fscale, fxtract } from './misc-ops.js';
import { f2xm1, fcos, fpatan, fptan, fsin, fsincos, fyl2x, fyl2xp1 } from './transcendental.js';

/** What an x87 instruction needs from the rest of the CPU. Addresses are guest linear addresses. */
export interface X87Host {
  read8(addr: number): number;
  read16(addr: number): number;
  /** Unsigned 32-bit read. */
  read32(addr: number): number;
  write8(addr: number, v: number): void;
  write16(addr: number, v: number): void;
  write32(addr: number, v: number): void;
  /** RFLAGS as a number (FCMOVcc reads CF, ZF, PF). */
  getFlags(): number;
  /** FCOMI/FUCOMI: sets ZF, PF, CF as given and clears OF, SF, AF. */
  setCompareFlags(zf: boolean, pf: boolean, cf: boolean): void;
  /** Throws the fault a write of n bytes at addr would raise (stores check before anything changes). */
  probeWrite(addr: number, n: number): void;
  /** FNSTSW AX. */
  setAx(v: number): void;
  /** FXSAVE/FXRSTOR: MXCSR and the XMM file (16 bytes per register). */
  getMxcsr(): number;
  /** Sets MXCSR; throws #GP for reserved bits, as FXRSTOR does. */
  setMxcsr(v: number): void;
  readXmm(i: number, out: Uint8Array): void;
  writeXmm(i: number, bytes: Uint8Array): void;
  /** The MXCSR_MASK value FXSAVE reports. */
  readonly mxcsrMask: number;
}

const FL_CF = 0x1;
const FL_PF = 0x4;
const FL_ZF = 0x40;

function ud(): never {
  throw new CpuFault('invalid-opcode');
}

/** Scratch for FLD m80fp (the value is copied onto the stack at once). */
const M80: F80 = { sign: 0, exp: 0, hi: 0, lo: 0 };

function readF80(h: X87Host, a: number, out?: F80): F80 {
  // Bytes in address order, so a straddling operand faults at its first inaccessible byte.
  const lo = (h.read8(a) | (h.read8(a + 1) << 8) | (h.read8(a + 2) << 16) | (h.read8(a + 3) << 24)) >>> 0;
  const hi = (h.read8(a + 4) | (h.read8(a + 5) << 8) | (h.read8(a + 6) << 16) | (h.read8(a + 7) << 24)) >>> 0;
  const se = h.read16(a + 8);
  if (out === undefined) return { sign: se >> 15, exp: se & 0x7fff, hi, lo };
  out.sign = se >> 15;
  out.exp = se & 0x7fff;
  out.hi = hi;
  out.lo = lo;
  return out;
}

function writeF80(h: X87Host, a: number, v: F80): void {
  // Highest byte first, so a fault on the second page happens before any byte lands on the first.
  h.write16(a + 8, (v.sign << 15) | v.exp);
  h.write32(a + 4, v.hi);
  h.write32(a, v.lo);
}

/** Writes the low `bits` of the two's-complement value hi:lo (high half first, as above). */
function writeInt(h: X87Host, a: number, lo: number, hi: number, bits: number): void {
  if (bits === 16) h.write16(a, lo & 0xffff);
  else if (bits === 32) h.write32(a, lo >>> 0);
  else {
    h.write32(a + 4, hi >>> 0);
    h.write32(a, lo >>> 0);
  }
}

function readIntF80(h: X87Host, a: number, bits: number): F80 {
  if (bits === 16) return fromInt((h.read16(a) << 16) >> 16);
  if (bits === 32) return fromInt(h.read32(a) | 0);
  const lo = h.read32(a);
  return fromInt64(lo, h.read32(a + 4));
}

/** Register-form D8/DC/DE reg-field → operation, DC/DE swapping the sub/div pairs (SDM Vol. 2, A.4.2). */
const REG_OP_ST0 = [OP_ADD, OP_MUL, -1, -1, OP_SUB, OP_SUBR, OP_DIV, OP_DIVR];
const REG_OP_STI = [OP_ADD, OP_MUL, -1, -1, OP_SUBR, OP_SUB, OP_DIVR, OP_DIV];

/**
 * Runs one x87 instruction. `rip` is the instruction's address (for FIP), `ea` the effective
 * address of a memory operand, `w` REX.W (FXSAVE64/FXRSTOR64), `opsize16` a 66 prefix (16-bit
 * FNSTENV/FLDENV/FNSAVE/FRSTOR layouts).
 */
export function executeX87(
  f: X87,
  h: X87Host,
  opcode: number,
  modrm: number,
  ea: number,
  rip: number,
  opsize16 = false,
): void {
  const mod = modrm >> 6;
  const reg = (modrm >> 3) & 7;
  const rm = modrm & 7;
  const esc = opcode & 7;
  if (mod !== 3) {
    memoryForm(f, h, esc, reg, ea, rip, modrm, opsize16);
    return;
  }
  registerForm(f, h, esc, reg, rm, rip, modrm);
}

/** Records FIP/FOP (and FDP for memory operands) for a non-control instruction. */
function track(f: X87, rip: number, esc: number, modrm: number, ea: number): void {
  f.fip = rip >>> 0;
  f.fop = (esc << 8) | modrm;
  if (ea >= 0) f.fdp = ea >>> 0;
}

function memoryForm(
  f: X87,
  h: X87Host,
  esc: number,
  reg: number,
  ea: number,
  rip: number,
  modrm: number,
  opsize16: boolean,
): void {
  // Control instructions: no pending-exception check (FN* forms, and the environment loads).
  if (esc === 1 && reg >= 4) {
    switch (reg) {
      case 4:
        loadEnv(f, h, ea, opsize16);
        return;
      case 5:
        f.checkPending();
        f.setControl(h.read16(ea));
        return;
      case 6:
        storeEnv(f, h, ea, opsize16);
        f.cw |= 0x3f;
        return;
      default:
        h.write16(ea, f.cw);
        return;
    }
  }
  if (esc === 5 && reg >= 4) {
    switch (reg) {
      case 4:
        frstor(f, h, ea, opsize16);
        return;
      case 6:
        fnsave(f, h, ea, opsize16);
        return;
      case 7:
        h.write16(ea, f.sw);
        return;
      default:
        ud();
    }
  }
  f.checkPending();
  switch (esc) {
    case 0:
    case 2:
    case 4:
    case 6: {
      // Arithmetic and compare with m32fp (D8), m32int (DA), m64fp (DC), m16int (DE).
      f.flags = 0;
      let v: F80;
      let convFlags = 0;
      if (esc === 0) {
        const e = convEnv(f);
        v = fromF32(e, h.read32(ea), true);
        convFlags = e.flags;
      } else if (esc === 4) {
        const e = convEnv(f);
        const lo = h.read32(ea);
        const hi = h.read32(ea + 4);
        v = fromF64(e, lo, hi, true);
        convFlags = e.flags;
      } else {
        v = readIntF80(h, ea, esc === 2 ? 32 : 16);
      }
      track(f, rip, esc, modrm, ea);
      if (reg === 2 || reg === 3) f.compareSt(v, 0, false, reg - 2, convFlags);
      else f.arithMem(reg, v, convFlags);
      return;
    }
    case 1:
      switch (reg) {
        case 0: {
          const e = convEnv(f);
          const v = fromF32(e, h.read32(ea));
          track(f, rip, esc, modrm, ea);
          f.load(v, e.flags);
          return;
        }
        case 2:
        case 3: {
          h.probeWrite(ea, 4);
          track(f, rip, esc, modrm, ea);
          f.snapshot();
          try {
            if (f.storeNum(STORE_F32, reg === 3)) h.write32(ea, f.storeLo);
          } catch (err) {
            f.restoreSnapshot();
            throw err;
          }
          return;
        }
        default:
          ud();
      }
      break;
    case 3:
      switch (reg) {
        case 0:
          loadInt(f, h, ea, 32, rip, esc, modrm);
          return;
        case 1:
        case 2:
        case 3:
          storeInt(f, h, ea, 32, reg !== 2, reg === 1, rip, esc, modrm);
          return;
        case 5: {
          const v = readF80(h, ea, M80);
          track(f, rip, esc, modrm, ea);
          f.load(v);
          return;
        }
        case 7:
          h.probeWrite(ea, 10);
          track(f, rip, esc, modrm, ea);
          f.snapshot();
          try {
            const r = f.store(identity, INDEFINITE_F80, true);
            if (r !== null) writeF80(h, ea, r);
          } catch (err) {
            f.restoreSnapshot();
            throw err;
          }
          return;
        default:
          ud();
      }
      break;
    case 5:
      switch (reg) {
        case 0: {
          const e = convEnv(f);
          const lo = h.read32(ea);
          const hi = h.read32(ea + 4);
          const v = fromF64(e, lo, hi);
          track(f, rip, esc, modrm, ea);
          f.load(v, e.flags);
          return;
        }
        case 1:
          storeInt(f, h, ea, 64, true, true, rip, esc, modrm);
          return;
        case 2:
        case 3:
          h.probeWrite(ea, 8);
          track(f, rip, esc, modrm, ea);
          f.snapshot();
          try {
            if (f.storeNum(STORE_F64, reg === 3)) writeInt(h, ea, f.storeLo, f.storeHi, 64);
          } catch (err) {
            f.restoreSnapshot();
            throw err;
          }
          return;
        default:
          ud();
      }
      break;
    default:
      // DF
      switch (reg) {
        case 0:
          loadInt(f, h, ea, 16, rip, esc, modrm);
          return;
        case 1:
        case 2:
        case 3:
          storeInt(f, h, ea, 16, reg !== 2, reg === 1, rip, esc, modrm);
          return;
        case 4: {
          const bytes = new Uint8Array(10);
          for (let i = 0; i < 10; i++) bytes[i] = h.read8(ea + i);
          track(f, rip, esc, modrm, ea);
          f.load(bcdToF80(bytes));
          return;
        }
        case 5:
          loadInt(f, h, ea, 64, rip, esc, modrm);
          return;
        case 6:
          h.probeWrite(ea, 10);
          track(f, rip, esc, modrm, ea);
          storeGuarded(f, () => {
            const r = f.store((v) => f80ToBcd(f, v), BCD_INDEFINITE, true);
            if (r !== null) for (let i = 9; i >= 0; i--) h.write8(ea + i, r[i]!);
          });
          return;
        default:
          storeInt(f, h, ea, 64, true, false, rip, esc, modrm);
          return;
      }
  }
}

const INDEFINITE_F80: F80 = { sign: 1, exp: 0x7fff, hi: 0xc0000000, lo: 0 };
const ZERO_F80: F80 = { sign: 0, exp: 0, hi: 0, lo: 0 };
/** The packed-BCD indefinite (SDM Vol. 1, table 4-4). */
const BCD_INDEFINITE = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);

/**
 * Runs a store whose memory write may fault; on a fault the stack and status word are restored,
 * so the instruction has no effect, as on hardware.
 */
function storeGuarded(f: X87, body: () => void): void {
  f.snapshot();
  try {
    body();
  } catch (e) {
    f.restoreSnapshot();
    throw e;
  }
}

/** FSTP m80fp stores the register as it is. */
function identity(v: F80): F80 {
  return v;
}

/** One reusable environment for the conversions of memory operands (their flags are read at once). */
const CONV_ENV: FpEnv = { cw: 0, flags: 0, c1: 0 };

function convEnv(f: X87): FpEnv {
  CONV_ENV.cw = f.cw;
  CONV_ENV.flags = 0;
  CONV_ENV.c1 = 0;
  return CONV_ENV;
}

function loadInt(
  f: X87,
  h: X87Host,
  ea: number,
  bits: number,
  rip: number,
  esc: number,
  modrm: number,
): void {
  const v = readIntF80(h, ea, bits);
  track(f, rip, esc, modrm, ea);
  f.load(v);
}

function storeInt(
  f: X87,
  h: X87Host,
  ea: number,
  bits: number,
  popAfter: boolean,
  truncate: boolean,
  rip: number,
  esc: number,
  modrm: number,
): void {
  h.probeWrite(ea, bits / 8);
  track(f, rip, esc, modrm, ea);
  f.snapshot();
  try {
    if (f.storeNum(bits | (truncate ? STORE_TRUNCATE : 0), popAfter))
      writeInt(h, ea, f.storeLo, f.storeHi, bits);
  } catch (err) {
    f.restoreSnapshot();
    throw err;
  }
}

function registerForm(
  f: X87,
  h: X87Host,
  esc: number,
  reg: number,
  i: number,
  rip: number,
  modrm: number,
): void {
  // Non-waiting register forms first: FNSTSW AX, FNCLEX, FNINIT and the legacy no-ops.
  if (esc === 7 && reg === 4) {
    if (i !== 0) ud();
    h.setAx(f.sw);
    return;
  }
  if (esc === 3 && reg === 4) {
    switch (i) {
      case 0: // FNENI (8087 only; a no-op since the 80287)
      case 1: // FNDISI
      case 4: // FNSETPM (80287 only; a no-op)
        return;
      case 2:
        f.clearExceptions();
        return;
      case 3:
        f.init();
        return;
      default:
        ud();
    }
  }
  if (esc === 1 && reg === 2 && i === 0) {
    // FNOP is a waiting instruction that still updates FIP/FOP.
    f.checkPending();
    track(f, rip, esc, modrm, -1);
    return;
  }
  f.checkPending();
  switch (esc) {
    case 0:
      track(f, rip, esc, modrm, -1);
      if (reg === 2 || reg === 3) f.compareSt(null, i, false, reg - 2);
      else f.arithSt(REG_OP_ST0[reg]!, 0, i, false);
      return;
    case 1:
      d9Register(f, reg, i, rip, modrm);
      return;
    case 2:
      if (reg < 4) {
        track(f, rip, esc, modrm, -1);
        const fl = h.getFlags();
        const cond =
          reg === 0
            ? (fl & FL_CF) !== 0
            : reg === 1
              ? (fl & FL_ZF) !== 0
              : reg === 2
                ? (fl & (FL_CF | FL_ZF)) !== 0
                : (fl & FL_PF) !== 0;
        f.fcmov(i, cond);
        return;
      }
      if (reg === 5 && i === 1) {
        track(f, rip, esc, modrm, -1);
        f.compareSt(null, 1, true, 2);
        return;
      }
      ud();
      break;
    case 3:
      if (reg < 4) {
        track(f, rip, esc, modrm, -1);
        const fl = h.getFlags();
        const cond =
          reg === 0
            ? (fl & FL_CF) === 0
            : reg === 1
              ? (fl & FL_ZF) === 0
              : reg === 2
                ? (fl & (FL_CF | FL_ZF)) === 0
                : (fl & FL_PF) === 0;
        f.fcmov(i, cond);
        return;
      }
      if (reg === 5 || reg === 6) {
        track(f, rip, esc, modrm, -1);
        comi(f, h, i, reg === 5, false);
        return;
      }
      ud();
      break;
    case 4:
      track(f, rip, esc, modrm, -1);
      // DC D0+i / D8+i are undocumented aliases of FCOM/FCOMP that hardware executes.
      if (reg === 2 || reg === 3) f.compareSt(null, i, false, reg - 2);
      else f.arithSt(REG_OP_STI[reg]!, i, 0, false);
      return;
    case 5:
      track(f, rip, esc, modrm, -1);
      switch (reg) {
        case 0:
          f.free(i);
          return;
        case 1:
          f.exchange(i);
          return;
        case 2:
        case 3:
          f.storeSt(i, reg === 3);
          return;
        case 4:
        case 5:
          f.compareSt(null, i, true, reg - 4);
          return;
        default:
          ud();
      }
      break;
    case 6:
      if (reg === 3) {
        if (i !== 1) ud();
        track(f, rip, esc, modrm, -1);
        f.compareSt(null, 1, false, 2);
        return;
      }
      track(f, rip, esc, modrm, -1);
      if (reg === 2) f.compareSt(null, i, false, 1);
      else f.arithSt(REG_OP_STI[reg]!, i, 0, true);
      return;
    default:
      track(f, rip, esc, modrm, -1);
      switch (reg) {
        case 0:
          // FFREEP (undocumented): free ST(i), then pop.
          f.free(i);
          f.pop();
          return;
        case 1:
          f.exchange(i);
          return;
        case 2:
        case 3:
          f.storeSt(i, true);
          return;
        case 5:
        case 6:
          comi(f, h, i, reg === 5, true);
          return;
        default:
          ud();
      }
  }
}

function comi(f: X87, h: X87Host, i: number, quietNaN: boolean, popAfter: boolean): void {
  const r = f.compareToFlags(i, quietNaN, popAfter);
  if (r < 0) return;
  h.setCompareFlags(
    r === CMP_EQUAL || r === CMP_UNORDERED,
    r === CMP_UNORDERED,
    r === CMP_LESS || r === CMP_UNORDERED,
  );
}

function d9Register(f: X87, reg: number, i: number, rip: number, modrm: number): void {
  track(f, rip, 1, modrm, -1);
  switch (reg) {
    case 0:
      f.loadSt(i);
      return;
    case 1:
      f.exchange(i);
      return;
    case 2:
      ud();
      break;
    case 3:
      // D9 D8+i: undocumented alias of FSTP ST(i).
      f.storeSt(i, true, true);
      return;
    case 4:
      switch (i) {
        case 0:
          f.fchs();
          return;
        case 1:
          f.fabs();
          return;
        case 4:
          f.compareSt(ZERO_F80, 0, false, 0);
          return;
        case 5:
          f.fxam();
          return;
        default:
          ud();
      }
      break;
    case 5:
      if (i === 7) ud();
      f.loadConst(i, loadConstant);
      return;
    case 6:
      switch (i) {
        case 0:
          f.unaryOp(f2xm1);
          return;
        case 1:
          f.binaryPop(fyl2x);
          return;
        case 2:
          f.pushPair(fptan);
          return;
        case 3:
          f.binaryPop(fpatan);
          return;
        case 4:
          f.pushPair(fxtract);
          return;
        case 5:
          f.remainder(fprem, true);
          return;
        case 6:
          f.rotate(-1);
          return;
        default:
          f.rotate(1);
          return;
      }
    default:
      switch (i) {
        case 0:
          f.remainder(fprem, false);
          return;
        case 1:
          f.binaryPop(fyl2xp1);
          return;
        case 2:
          f.fsqrt();
          return;
        case 3:
          f.pushPair(fsincos);
          return;
        case 4:
          f.frndint();
          return;
        case 5:
          f.binaryKeep(fscale);
          return;
        case 6:
          f.unaryOp(fsin);
          return;
        default:
          f.unaryOp(fcos);
          return;
      }
  }
}

// ---------------------------------------------------------------------------------------------
// Environment and state images (SDM Vol. 1, 8.1.10 figures 8-9/8-10; Vol. 2A FXSAVE table 3-53)

/**
 * Checks a state-image store before anything is written, touching the bytes in the host's order:
 * the first dword, then the last byte, then the rest (so a straddling image faults where the
 * host's does).
 */
function probeImage(h: X87Host, ea: number, n: number): void {
  h.probeWrite(ea, 4);
  h.probeWrite(ea + n - 1, 1);
  h.probeWrite(ea, n);
}

/** Like {@link probeImage} for loads: the first dword, the last byte, then one byte per page. */
function probeRead(h: X87Host, ea: number, n: number): void {
  for (let i = 0; i < 4; i++) h.read8(ea + i);
  h.read8(ea + n - 1);
  for (let a = (ea | 0xfff) + 1; a < ea + n; a += 0x1000) h.read8(a);
}

function storeEnv(f: X87, h: X87Host, ea: number, opsize16: boolean): void {
  probeImage(h, ea, opsize16 ? 14 : 28);
  if (opsize16) {
    h.write16(ea, f.cw);
    h.write16(ea + 2, f.sw);
    h.write16(ea + 4, f.tagWord);
    h.write16(ea + 6, f.fip & 0xffff);
    h.write16(ea + 8, f.fcs);
    h.write16(ea + 10, f.fdp & 0xffff);
    h.write16(ea + 12, f.fds);
    return;
  }
  h.write32(ea, (0xffff0000 | f.cw) >>> 0);
  h.write32(ea + 4, (0xffff0000 | f.sw) >>> 0);
  h.write32(ea + 8, (0xffff0000 | f.tagWord) >>> 0);
  h.write32(ea + 12, f.fip);
  h.write32(ea + 16, (f.fcs | (f.fop << 16)) >>> 0);
  h.write32(ea + 20, f.fdp);
  h.write32(ea + 24, (0xffff0000 | f.fds) >>> 0);
}

function loadEnv(f: X87, h: X87Host, ea: number, opsize16: boolean): void {
  const s = opsize16 ? 2 : 4;
  probeRead(h, ea, opsize16 ? 14 : 28);
  const cw = h.read16(ea);
  const sw = h.read16(ea + s);
  const tw = h.read16(ea + 2 * s);
  const fip = opsize16 ? h.read16(ea + 6) : h.read32(ea + 12);
  const fop = opsize16 ? 0 : h.read32(ea + 16) >>> 16;
  const fdp = opsize16 ? h.read16(ea + 10) : h.read32(ea + 20);
  f.cw = (cw & 0x1f7f) | 0x40;
  f.sw = sw;
  f.loadTagWord(tw);
  f.fip = fip;
  f.fop = fop;
  f.fdp = fdp;
  f.refreshSummary();
}

function fnsave(f: X87, h: X87Host, ea: number, opsize16: boolean): void {
  probeImage(h, ea, opsize16 ? 94 : 108);
  const base = ea + (opsize16 ? 14 : 28);
  // Registers in ST order; write the last one first so a fault leaves the state untouched.
  for (let i = 7; i >= 0; i--) writeF80(h, base + 10 * i, f.st(i));
  storeEnv(f, h, ea, opsize16);
  f.init();
}

function frstor(f: X87, h: X87Host, ea: number, opsize16: boolean): void {
  probeRead(h, ea, opsize16 ? 94 : 108);
  const base = ea + (opsize16 ? 14 : 28);
  const regs: F80[] = [];
  for (let i = 0; i < 8; i++) regs.push(readF80(h, base + 10 * i));
  const sw = h.read16(ea + (opsize16 ? 2 : 4));
  const top = (sw >> 11) & 7;
  for (let i = 0; i < 8; i++) f.setPhysRaw((top + i) & 7, regs[i]!);
  loadEnv(f, h, ea, opsize16);
}

/**
 * FXSAVE: the 512-byte image. FIP/FDP/FOP are stored only while an unmasked exception is pending
 * (ES = 1), which is what the host (AMD) does; Intel CPUs store them always. `w` selects the
 * 64-bit pointer layout (FXSAVE64).
 */
export function fxsave(f: X87, h: X87Host, ea: number, w: boolean): void {
  if (ea % 16 !== 0) throw new CpuFault('general-protection', ea);
  // FXSAVE touches its last byte first on the host.
  h.probeWrite(ea + 511, 1);
  h.probeWrite(ea, 512);
  const regBytes = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    h.readXmm(i, regBytes);
    for (let b = 15; b >= 0; b--) h.write8(ea + 160 + 16 * i + b, regBytes[b]!);
  }
  for (let i = 7; i >= 0; i--) {
    const a = ea + 32 + 16 * i;
    h.write16(a + 14, 0);
    h.write32(a + 10, 0);
    writeF80(h, a, f.st(i));
  }
  h.write32(ea + 28, h.mxcsrMask);
  h.write32(ea + 24, h.getMxcsr());
  const pending = (f.sw & 0x80) !== 0;
  const fip = pending ? f.fip : 0;
  const fdp = pending ? f.fdp : 0;
  h.write16(ea, f.cw);
  h.write16(ea + 2, f.sw);
  h.write16(ea + 4, f.abridgedTag);
  h.write16(ea + 6, pending ? f.fop : 0);
  h.write32(ea + 8, fip);
  h.write32(ea + 12, w ? 0 : pending ? f.fcs : 0);
  h.write32(ea + 16, fdp);
  h.write32(ea + 20, w ? 0 : pending ? f.fds : 0);
}

/** FXRSTOR: loads the 512-byte image (#GP for a misaligned operand or reserved MXCSR bits). */
export function fxrstor(f: X87, h: X87Host, ea: number, w: boolean): void {
  if (ea % 16 !== 0) throw new CpuFault('general-protection', ea);
  // FXRSTOR, like FXSAVE, touches its last byte first on the host.
  h.read8(ea + 511);
  for (let a = ea; a < ea + 512; a = (a | 0xfff) + 1) h.read8(a);
  const mxcsr = h.read32(ea + 24);
  if (mxcsr & ~h.mxcsrMask) throw new CpuFault('general-protection', ea);
  const regs: F80[] = [];
  for (let i = 0; i < 8; i++) regs.push(readF80(h, ea + 32 + 16 * i));
  const xmm: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) {
    const b = new Uint8Array(16);
    for (let k = 0; k < 16; k++) b[k] = h.read8(ea + 160 + 16 * i + k);
    xmm.push(b);
  }
  const cw = h.read16(ea);
  const sw = h.read16(ea + 2);
  const ftw = h.read8(ea + 4);
  f.fop = h.read16(ea + 6);
  f.fip = h.read32(ea + 8) + (w ? h.read32(ea + 12) * 2 ** 32 : 0);
  f.fdp = h.read32(ea + 16) + (w ? h.read32(ea + 20) * 2 ** 32 : 0);
  f.cw = (cw & 0x1f7f) | 0x40;
  f.sw = sw;
  const top = (sw >> 11) & 7;
  for (let i = 0; i < 8; i++) f.setPhysRaw((top + i) & 7, regs[i]!);
  f.abridgedTag = ftw;
  f.refreshSummary();
  h.setMxcsr(mxcsr);
  for (let i = 0; i < 16; i++) h.writeXmm(i, xmm[i]!);
}
