/**
 * SSE/SSE2 data movement (SDM Vol. 2: MOVAPS, MOVUPS, MOVSS, MOVSD, MOVAPD, MOVUPD, MOVDQA,
 * MOVDQU, MOVD/MOVQ, MOVLPS/MOVHPS/MOVLPD/MOVHPD, MOVLHPS/MOVHLPS, MOVNTI/MOVNTPS/MOVNTPD/
 * MOVNTDQ, MASKMOVDQU), MXCSR access (LDMXCSR/STMXCSR) and CLFLUSH. The fences and prefetch hints
 * belong to the core (CONTRACT.md).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { MXCSR_I32, XMM_I32 } from '../state.js';
import type { OpRow } from '../table.js';
import { Align, copy4, dst128, maskmovAddress, src128, xreg } from './access.js';
import { mxcsrReservedBitsSet } from './mxcsr.js';

/** Whole-register load (movaps/movapd/movdqa aligned; movups/movupd/movdqu/lddqu unaligned). */
function load128(align: Align) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, align);
    copy4(cpu.u32, xreg(i), s);
  };
}
/** Whole-register store to xmm/m128. */
function store128(align: Align) {
  return (cpu: Cpu, i: Insn): void => {
    const d = xreg(i);
    if (i.mod === 3) copy4(cpu.u32, XMM_I32 + (i.rm << 2), d);
    else cpu.write128(dst128(cpu, i, align), d);
  };
}
/** Memory-only store (movntps/movntpd/movntdq: always aligned). */
function storeNt(cpu: Cpu, i: Insn): void {
  cpu.write128(dst128(cpu, i, Align.Always), xreg(i));
}

/** MOVSS load: from memory zero-extends; between registers only the low dword moves. */
function movssLoad(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  if (i.mod === 3) {
    u[d] = u[XMM_I32 + (i.rm << 2)]!;
    return;
  }
  u[d] = cpu.memory.read32(cpu.ea(i));
  u[d + 1] = 0;
  u[d + 2] = 0;
  u[d + 3] = 0;
}
function movssStore(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = xreg(i);
  if (i.mod === 3) u[XMM_I32 + (i.rm << 2)] = u[s]!;
  else cpu.memory.write32(cpu.ea(i), u[s]!);
}
/** MOVSD (F2 0F 10) load: from memory zero-extends; register form moves the low quadword. */
function movsdLoad(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  if (i.mod === 3) {
    const s = XMM_I32 + (i.rm << 2);
    u[d] = u[s]!;
    u[d + 1] = u[s + 1]!;
    return;
  }
  u[d] = cpu.read64(cpu.ea(i));
  u[d + 1] = cpu.hi;
  u[d + 2] = 0;
  u[d + 3] = 0;
}
/** Stores the low quadword of xmm (reg operand) to xmm/m64 (register destination: low quadword only). */
function movsdStore(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = xreg(i);
  if (i.mod === 3) {
    const d = XMM_I32 + (i.rm << 2);
    u[d] = u[s]!;
    u[d + 1] = u[s + 1]!;
  } else cpu.write64(cpu.ea(i), u[s]!, u[s + 1]!);
}
/** MOVQ xmm, xmm/m64 (F3 0F 7E): low quadword, upper quadword zeroed. */
function movqLoad(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  let lo: number;
  let hi: number;
  if (i.mod === 3) {
    const s = XMM_I32 + (i.rm << 2);
    lo = u[s]!;
    hi = u[s + 1]!;
  } else {
    lo = cpu.read64(cpu.ea(i));
    hi = cpu.hi;
  }
  u[d] = lo;
  u[d + 1] = hi;
  u[d + 2] = 0;
  u[d + 3] = 0;
}
/** MOVQ xmm/m64, xmm (66 0F D6): a register destination gets its upper quadword zeroed. */
function movqStore(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = xreg(i);
  if (i.mod === 3) {
    const d = XMM_I32 + (i.rm << 2);
    u[d] = u[s]!;
    u[d + 1] = u[s + 1]!;
    u[d + 2] = 0;
    u[d + 3] = 0;
  } else cpu.write64(cpu.ea(i), u[s]!, u[s + 1]!);
}
/** MOVD/MOVQ xmm, r/m32 or r/m64 (66 [REX.W] 0F 6E): zero-extends into the whole register. */
function movdToXmm(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  if (i.opsize === 8) {
    u[d] = cpu.getRm64(i);
    u[d + 1] = cpu.hi;
  } else {
    u[d] = cpu.getRm32(i);
    u[d + 1] = 0;
  }
  u[d + 2] = 0;
  u[d + 3] = 0;
}
/** MOVD/MOVQ r/m32 or r/m64, xmm (66 [REX.W] 0F 7E). */
function movdFromXmm(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = xreg(i);
  if (i.opsize === 8) cpu.setRm64(i, u[s]!, u[s + 1]!);
  else cpu.setRm32(i, u[s]!);
}
/** movlps/movlpd load (memory only): replaces the low quadword. */
function movlpLoad(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  const lo = cpu.read64(cpu.ea(i));
  u[d] = lo;
  u[d + 1] = cpu.hi;
}
/** movhps/movhpd load (memory only): replaces the high quadword. */
function movhpLoad(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  const lo = cpu.read64(cpu.ea(i));
  u[d + 2] = lo;
  u[d + 3] = cpu.hi;
}
function movlpStore(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = xreg(i);
  cpu.write64(cpu.ea(i), u[s]!, u[s + 1]!);
}
function movhpStore(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = xreg(i);
  cpu.write64(cpu.ea(i), u[s + 2]!, u[s + 3]!);
}
/** MOVHLPS: low quadword of destination ← high quadword of source. */
function movhlps(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  const s = XMM_I32 + (i.rm << 2);
  u[d] = u[s + 2]!;
  u[d + 1] = u[s + 3]!;
}
/** MOVLHPS: high quadword of destination ← low quadword of source. */
function movlhps(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const d = xreg(i);
  const s = XMM_I32 + (i.rm << 2);
  u[d + 2] = u[s]!;
  u[d + 3] = u[s + 1]!;
}
/** MOVNTI m32/m64, r32/r64 (a plain store for an in-order interpreter). */
function movnti(cpu: Cpu, i: Insn): void {
  const r = cpu.r;
  const g = i.reg << 1;
  if (i.opsize === 8) cpu.write64(cpu.ea(i), r[g]!, r[g + 1]!);
  else cpu.memory.write32(cpu.ea(i), r[g]!);
}
/**
 * MASKMOVDQU xmm1, xmm2: stores the bytes of xmm1 whose mask byte (in xmm2) has bit 7 set to
 * [RDI] (DS:RDI; an address-size prefix selects EDI). Bytes with a clear mask are not written.
 */
function maskmovdqu(cpu: Cpu, i: Insn): void {
  const b = cpu.b;
  const src = (XMM_I32 << 2) + (i.reg << 4);
  const mask = (XMM_I32 << 2) + (i.rm << 4);
  const base = maskmovAddress(cpu, i);
  // The host CPU checks the whole 16-byte destination whatever the mask (the SDM leaves faults
  // on masked-off bytes implementation-dependent).
  cpu.memory.checkWrite(base, 16);
  for (let k = 0; k < 16; k++) if (b[mask + k]! & 0x80) cpu.memory.write8(base + k, b[src + k]!);
}

/**
 * LDMXCSR m32: reserved bits set raise #GP (SDM Vol. 2A, LDMXCSR). DAZ is supported (it is part of
 * the MXCSR_MASK this CPU reports).
 */
function ldmxcsr(cpu: Cpu, i: Insn): void {
  const v = cpu.memory.read32(cpu.ea(i)) >>> 0;
  if (mxcsrReservedBitsSet(v)) throw cpu.gp(`ldmxcsr: reserved bits in 0x${v.toString(16)}`);
  cpu.u32[MXCSR_I32] = v;
}
function stmxcsr(cpu: Cpu, i: Insn): void {
  cpu.memory.write32(cpu.ea(i), cpu.u32[MXCSR_I32]! | 0);
}
/**
 * CLFLUSH m8 / CLFLUSHOPT m8 (66 0F AE /7): no cache is modelled, so only the access check of a
 * byte read remains (SDM Vol. 2A, CLFLUSH: faults as a byte load).
 */
function clflush(cpu: Cpu, i: Insn): void {
  cpu.memory.read8(cpu.ea(i));
}
/** The SSE/SSE2 data-movement and MXCSR rows. */
export const moveRows: readonly OpRow[] = [
  { map: 1, opcode: 0x10, prefix: 0, mnemonic: 'movups', operands: 'Vps, Wps', exec: load128(Align.None) },
  { map: 1, opcode: 0x10, prefix: 0x66, mnemonic: 'movupd', operands: 'Vpd, Wpd', exec: load128(Align.None) },
  { map: 1, opcode: 0x10, prefix: 0xf3, mnemonic: 'movss', operands: 'Vss, Wss', exec: movssLoad },
  { map: 1, opcode: 0x10, prefix: 0xf2, mnemonic: 'movsd', operands: 'Vsd, Wsd', exec: movsdLoad },
  { map: 1, opcode: 0x11, prefix: 0, mnemonic: 'movups', operands: 'Wps, Vps', exec: store128(Align.None) },
  {
    map: 1,
    opcode: 0x11,
    prefix: 0x66,
    mnemonic: 'movupd',
    operands: 'Wpd, Vpd',
    exec: store128(Align.None),
  },
  { map: 1, opcode: 0x11, prefix: 0xf3, mnemonic: 'movss', operands: 'Wss, Vss', exec: movssStore },
  { map: 1, opcode: 0x11, prefix: 0xf2, mnemonic: 'movsd', operands: 'Wsd, Vsd', exec: movsdStore },
  { map: 1, opcode: 0x12, prefix: 0, mod: 'mem', mnemonic: 'movlps', operands: 'Vq, Mq', exec: movlpLoad },
  { map: 1, opcode: 0x12, prefix: 0, mod: 'reg', mnemonic: 'movhlps', operands: 'Vq, Uq', exec: movhlps },
  { map: 1, opcode: 0x12, prefix: 0x66, mod: 'mem', mnemonic: 'movlpd', operands: 'Vq, Mq', exec: movlpLoad },
  { map: 1, opcode: 0x13, prefix: 0, mod: 'mem', mnemonic: 'movlps', operands: 'Mq, Vq', exec: movlpStore },
  {
    map: 1,
    opcode: 0x13,
    prefix: 0x66,
    mod: 'mem',
    mnemonic: 'movlpd',
    operands: 'Mq, Vq',
    exec: movlpStore,
  },
  { map: 1, opcode: 0x16, prefix: 0, mod: 'mem', mnemonic: 'movhps', operands: 'Vq, Mq', exec: movhpLoad },
  { map: 1, opcode: 0x16, prefix: 0, mod: 'reg', mnemonic: 'movlhps', operands: 'Vq, Uq', exec: movlhps },
  { map: 1, opcode: 0x16, prefix: 0x66, mod: 'mem', mnemonic: 'movhpd', operands: 'Vq, Mq', exec: movhpLoad },
  { map: 1, opcode: 0x17, prefix: 0, mod: 'mem', mnemonic: 'movhps', operands: 'Mq, Vq', exec: movhpStore },
  {
    map: 1,
    opcode: 0x17,
    prefix: 0x66,
    mod: 'mem',
    mnemonic: 'movhpd',
    operands: 'Mq, Vq',
    exec: movhpStore,
  },
  { map: 1, opcode: 0x28, prefix: 0, mnemonic: 'movaps', operands: 'Vps, Wps', exec: load128(Align.Always) },
  {
    map: 1,
    opcode: 0x28,
    prefix: 0x66,
    mnemonic: 'movapd',
    operands: 'Vpd, Wpd',
    exec: load128(Align.Always),
  },
  { map: 1, opcode: 0x29, prefix: 0, mnemonic: 'movaps', operands: 'Wps, Vps', exec: store128(Align.Always) },
  {
    map: 1,
    opcode: 0x29,
    prefix: 0x66,
    mnemonic: 'movapd',
    operands: 'Wpd, Vpd',
    exec: store128(Align.Always),
  },
  { map: 1, opcode: 0x2b, prefix: 0, mod: 'mem', mnemonic: 'movntps', operands: 'Mps, Vps', exec: storeNt },
  // AMD's SSE4a non-temporal scalar stores (the host CPU runs them; SSE4A is not advertised, since
  // extrq/insertq are not implemented): the same stores as movss/movsd to memory.
  {
    map: 1,
    opcode: 0x2b,
    prefix: 0xf3,
    mod: 'mem',
    mnemonic: 'movntss',
    operands: 'Md, Vss',
    exec: movssStore,
  },
  {
    map: 1,
    opcode: 0x2b,
    prefix: 0xf2,
    mod: 'mem',
    mnemonic: 'movntsd',
    operands: 'Mq, Vsd',
    exec: movsdStore,
  },
  {
    map: 1,
    opcode: 0x2b,
    prefix: 0x66,
    mod: 'mem',
    mnemonic: 'movntpd',
    operands: 'Mpd, Vpd',
    exec: storeNt,
  },
  {
    map: 1,
    opcode: 0x6f,
    prefix: 0x66,
    mnemonic: 'movdqa',
    operands: 'Vdq, Wdq',
    exec: load128(Align.Always),
  },
  { map: 1, opcode: 0x6f, prefix: 0xf3, mnemonic: 'movdqu', operands: 'Vdq, Wdq', exec: load128(Align.None) },
  {
    map: 1,
    opcode: 0x7f,
    prefix: 0x66,
    mnemonic: 'movdqa',
    operands: 'Wdq, Vdq',
    exec: store128(Align.Always),
  },
  {
    map: 1,
    opcode: 0x7f,
    prefix: 0xf3,
    mnemonic: 'movdqu',
    operands: 'Wdq, Vdq',
    exec: store128(Align.None),
  },
  {
    map: 1,
    opcode: 0xe7,
    prefix: 0x66,
    mod: 'mem',
    mnemonic: 'movntdq',
    operands: 'Mdq, Vdq',
    exec: storeNt,
  },
  { map: 1, opcode: 0x6e, prefix: 0x66, mnemonic: 'movd', operands: 'Vdq, Ey', exec: movdToXmm },
  { map: 1, opcode: 0x7e, prefix: 0x66, mnemonic: 'movd', operands: 'Ey, Vdq', exec: movdFromXmm },
  { map: 1, opcode: 0x7e, prefix: 0xf3, mnemonic: 'movq', operands: 'Vq, Wq', exec: movqLoad },
  { map: 1, opcode: 0xd6, prefix: 0x66, mnemonic: 'movq', operands: 'Wq, Vq', exec: movqStore },
  { map: 1, opcode: 0xc3, prefix: 0, mod: 'mem', mnemonic: 'movnti', operands: 'My, Gy', exec: movnti },
  {
    map: 1,
    opcode: 0xf7,
    prefix: 0x66,
    mod: 'reg',
    mnemonic: 'maskmovdqu',
    operands: 'Vdq, Udq',
    exec: maskmovdqu,
  },
  { map: 1, opcode: 0xae, ext: 2, mod: 'mem', prefix: 0, mnemonic: 'ldmxcsr', operands: 'Md', exec: ldmxcsr },
  { map: 1, opcode: 0xae, ext: 3, mod: 'mem', prefix: 0, mnemonic: 'stmxcsr', operands: 'Md', exec: stmxcsr },
  { map: 1, opcode: 0xae, ext: 7, mod: 'mem', prefix: 0, mnemonic: 'clflush', operands: 'Mb', exec: clflush },
  {
    map: 1,
    opcode: 0xae,
    ext: 7,
    mod: 'mem',
    prefix: 0x66,
    mnemonic: 'clflushopt',
    operands: 'Mb',
    exec: clflush,
  },
];
