/**
 * Conversions between the 512-byte FXSAVE image the native harness uses for x87/SSE state and the
 * {@link X86Cpu} accessors (Intel SDM Vol. 1, §10.5.1 "FXSAVE Area"; tag encodings: Vol. 1, §8.1.7).
 */
import type { X86Cpu, X87Register, X87State } from '../../src/api.js';
import { FX } from '../native/harness.js';

/** Full 2-bit tag of an x87 register's contents: 0 valid, 1 zero, 2 special (NaN, ∞, denormal, unsupported). */
export function tagOf(reg: X87Register): number {
  if (reg.exponent === 0x7fff) return 2;
  if (reg.exponent === 0) return reg.significand === 0n ? 1 : 2;
  return reg.significand >> 63n ? 0 : 2;
}

function readReg(fx: Uint8Array, slot: number): X87Register {
  const dv = new DataView(fx.buffer, fx.byteOffset, fx.byteLength);
  const se = dv.getUint16(FX.ST + 16 * slot + 8, true);
  return {
    sign: (se & 0x8000) !== 0,
    exponent: se & 0x7fff,
    significand: dv.getBigUint64(FX.ST + 16 * slot, true),
  };
}

/** The x87 state an FXSAVE image describes (registers in physical order, full tag word). */
export function x87FromFx(fx: Uint8Array): X87State {
  const dv = new DataView(fx.buffer, fx.byteOffset, fx.byteLength);
  const status = dv.getUint16(FX.FSW, true);
  const top = (status >> 11) & 7;
  const abridged = fx[FX.FTW]!;
  const registers: X87Register[] = [];
  let tag = 0;
  for (let p = 0; p < 8; p++) {
    const reg = readReg(fx, (p - top + 8) & 7);
    registers.push(reg);
    const t = abridged & (1 << p) ? tagOf(reg) : 3;
    tag |= t << (2 * p);
  }
  return { control: dv.getUint16(FX.FCW, true), status, tag, registers };
}

/** Loads the x87, MXCSR and XMM parts of an FXSAVE image into a CPU. */
export function loadFx(cpu: X86Cpu, fx: Uint8Array): void {
  const dv = new DataView(fx.buffer, fx.byteOffset, fx.byteLength);
  cpu.mxcsr = dv.getUint32(FX.MXCSR, true);
  for (let i = 0; i < 16; i++) cpu.setXmm(i, fx.slice(FX.XMM + 16 * i, FX.XMM + 16 * i + 16));
  cpu.setX87(x87FromFx(fx));
}

/** Builds the FXSAVE image of a CPU's state (FOP/FIP/FDP left zero: they are not compared). */
export function fxFromCpu(cpu: X86Cpu): Uint8Array {
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  const x = cpu.getX87();
  dv.setUint16(FX.FCW, x.control, true);
  dv.setUint16(FX.FSW, x.status, true);
  let abridged = 0;
  for (let p = 0; p < 8; p++) if (((x.tag >> (2 * p)) & 3) !== 3) abridged |= 1 << p;
  fx[FX.FTW] = abridged;
  const top = (x.status >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const reg = x.registers[(top + i) & 7];
    if (!reg) continue;
    dv.setBigUint64(FX.ST + 16 * i, BigInt.asUintN(64, reg.significand), true);
    dv.setUint16(FX.ST + 16 * i + 8, (reg.sign ? 0x8000 : 0) | (reg.exponent & 0x7fff), true);
  }
  dv.setUint32(FX.MXCSR, cpu.mxcsr >>> 0, true);
  for (let i = 0; i < 16; i++) fx.set(cpu.getXmm(i), FX.XMM + 16 * i);
  return fx;
}
