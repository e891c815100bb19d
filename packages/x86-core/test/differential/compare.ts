/**
 * Field-by-field comparison of a native result with the emulator's. Only what the architecture
 * leaves undefined is masked, and only as the case's form says: RFLAGS bits listed in the opcode
 * table row (`undefinedFlags`, `undefinedFlagsWhen`) and x87 condition-code bits the SDM's "FPU
 * Flags Affected" sections call undefined. FOP/FIP/FDP are not compared (AMD processors save them
 * only while an x87 exception is pending, Intel always; x86-core keeps its own values).
 */

import { gprName } from '../../src/disasm.js';
import { type CaseResult, FX, SIG, type TestCase, TRAP } from '../native/harness.js';

/** RFLAGS bits the tests compare: CF, PF, AF, ZF, SF, DF, OF (RF, TF, IF and reserved bits are not guest-visible state here). */
export const COMPARED_FLAGS = 0xcd5;

/**
 * Segment registers in Sreg order. Both sides present Linux's selectors and descriptor tables (the
 * emulator runs with the 'linux' segment model), so they are compared exactly.
 */
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** A test case plus what its instruction form leaves undefined. */
export interface DiffCase extends TestCase {
  /** RFLAGS bits to ignore. */
  undefinedFlags: number;
  /** FSW bits to ignore (x87 C0–C3 where the SDM calls them undefined). */
  undefinedFsw: number;
  /** Byte ranges [from, to) of the data page holding implementation-specific values (saved FIP/FDP/FOP). */
  undefinedData?: [number, number][];
  /** What is special about the case (e.g. 'far-branch', 'target:ro-straddle', 'count:0'), for filtering and reports. */
  tags?: string[];
}

/** One differing field. */
export interface Difference {
  field: string;
  native: string;
  emulator: string;
}

const hex = (v: number | bigint, width = 0) => `0x${v.toString(16).padStart(width, '0')}`;
const bytesHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Describes how a case ended, e.g. `SIGSEGV/#PF at 0x100000 addr 0x300000`. */
export function describeEnd(r: CaseResult): string {
  if (r.error !== undefined) return r.error;
  if (r.trapno === -3) return `syscall at ${hex(r.rip)}`;
  if (r.signo === 0) return 'timeout (no sentinel reached)';
  const sig = Object.entries(SIG).find(([, n]) => n === r.signo)?.[0] ?? `signal ${r.signo}`;
  const trap = Object.entries(TRAP).find(([, n]) => n === r.trapno)?.[0];
  const addr = r.trapno === TRAP.PF ? ` addr ${hex(r.faultAddr)}` : '';
  return `${sig}${trap ? `/#${trap}` : ''} at ${hex(r.rip)}${addr}`;
}

/** True when both results ended the same way (same signal, same trap class, same rip and address). */
function sameEnd(a: CaseResult, b: CaseResult): boolean {
  if (a.error !== undefined || b.error !== undefined) return false;
  if (a.signo !== b.signo) return false;
  if (a.signo === 0) return true;
  if (a.rip !== b.rip) return false;
  if (a.signo === SIG.SIGSEGV) {
    if (a.trapno !== b.trapno) return false;
    if (a.trapno === TRAP.PF && a.faultAddr !== b.faultAddr) return false;
  }
  if (a.signo === SIG.SIGFPE) {
    // #DE against #MF/#XM; x86-core does not say which floating-point exception it was.
    if ((a.trapno === TRAP.DE) !== (b.trapno === TRAP.DE)) return false;
  }
  return true;
}

/** Compares a native result with the emulator's; returns the differing fields (empty when equal). */
export function compareResults(tc: DiffCase, native: CaseResult, emu: CaseResult): Difference[] {
  const out: Difference[] = [];
  if (!sameEnd(native, emu))
    out.push({ field: 'end', native: describeEnd(native), emulator: describeEnd(emu) });
  // A case that never terminated has no defined final state to compare.
  if (native.signo === 0 || emu.signo === 0) return out;
  for (let i = 0; i < 16; i++) {
    if (native.gpr[i] !== emu.gpr[i]) {
      out.push({ field: gprName(i, 8), native: hex(native.gpr[i]!, 16), emulator: hex(emu.gpr[i]!, 16) });
    }
  }
  for (let k = 0; k < 6; k++) {
    if (native.sreg[k] !== emu.sreg[k])
      out.push({ field: SREG[k]!, native: hex(native.sreg[k]!, 4), emulator: hex(emu.sreg[k]!, 4) });
  }
  if (native.fsBase !== emu.fsBase)
    out.push({ field: 'fs base', native: hex(native.fsBase, 16), emulator: hex(emu.fsBase, 16) });
  if (native.gsBase !== emu.gsBase)
    out.push({ field: 'gs base', native: hex(native.gsBase, 16), emulator: hex(emu.gsBase, 16) });
  const fmask = COMPARED_FLAGS & ~tc.undefinedFlags;
  if ((native.rflags & fmask) !== (emu.rflags & fmask)) {
    out.push({
      field: 'rflags',
      native: `${hex(native.rflags & fmask, 3)} (${flagNames(native.rflags & fmask)})`,
      emulator: `${hex(emu.rflags & fmask, 3)} (${flagNames(emu.rflags & fmask)})`,
    });
  }
  const nd = new DataView(native.fx.buffer, native.fx.byteOffset, 512);
  const ed = new DataView(emu.fx.buffer, emu.fx.byteOffset, 512);
  const fcw = [nd.getUint16(FX.FCW, true), ed.getUint16(FX.FCW, true)] as const;
  if (fcw[0] !== fcw[1]) out.push({ field: 'fcw', native: hex(fcw[0], 4), emulator: hex(fcw[1], 4) });
  const swMask = 0xffff & ~tc.undefinedFsw;
  const fsw = [nd.getUint16(FX.FSW, true) & swMask, ed.getUint16(FX.FSW, true) & swMask] as const;
  if (fsw[0] !== fsw[1]) out.push({ field: 'fsw', native: hex(fsw[0], 4), emulator: hex(fsw[1], 4) });
  const ftw = [native.fx[FX.FTW]!, emu.fx[FX.FTW]!] as const;
  if (ftw[0] !== ftw[1])
    out.push({ field: 'ftw (abridged)', native: hex(ftw[0], 2), emulator: hex(ftw[1], 2) });
  // Register contents are compared for slots that are in use on both sides.
  const top = (nd.getUint16(FX.FSW, true) >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const phys = (top + i) & 7;
    if (!(ftw[0] & ftw[1] & (1 << phys))) continue;
    const a = native.fx.subarray(FX.ST + 16 * i, FX.ST + 16 * i + 10);
    const b = emu.fx.subarray(FX.ST + 16 * i, FX.ST + 16 * i + 10);
    if (!a.every((x, j) => x === b[j])) out.push({ field: `st${i}`, native: f80Hex(a), emulator: f80Hex(b) });
  }
  const mx = [nd.getUint32(FX.MXCSR, true), ed.getUint32(FX.MXCSR, true)] as const;
  if (mx[0] !== mx[1]) out.push({ field: 'mxcsr', native: hex(mx[0], 4), emulator: hex(mx[1], 4) });
  for (let i = 0; i < 16; i++) {
    const a = native.fx.subarray(FX.XMM + 16 * i, FX.XMM + 16 * i + 16);
    const b = emu.fx.subarray(FX.XMM + 16 * i, FX.XMM + 16 * i + 16);
    if (!a.every((x, j) => x === b[j]))
      out.push({ field: `xmm${i}`, native: xmmHex(a), emulator: xmmHex(b) });
  }
  const ignored = (j: number) => tc.undefinedData?.some(([a, b]) => j >= a && j < b) ?? false;
  const differs = (x: number, j: number) => x !== emu.data[j] && !ignored(j);
  if (native.data.some(differs)) {
    const first = native.data.findIndex(differs);
    const from = first & ~15;
    out.push({
      field: `data[${hex(from)}..]`,
      native: bytesHex(native.data.subarray(from, from + 16)),
      emulator: bytesHex(emu.data.subarray(from, from + 16)),
    });
  }
  if (native.tailSum !== emu.tailSum) {
    out.push({
      field: 'data page beyond the case bytes (checksum)',
      native: hex(native.tailSum),
      emulator: hex(emu.tailSum),
    });
  }
  return out;
}

function flagNames(f: number): string {
  const names: string[] = [];
  for (const [bit, n] of [
    [0x800, 'OF'],
    [0x400, 'DF'],
    [0x80, 'SF'],
    [0x40, 'ZF'],
    [0x10, 'AF'],
    [0x4, 'PF'],
    [0x1, 'CF'],
  ] as const) {
    if (f & bit) names.push(n);
  }
  return names.join(' ') || '-';
}

/** An 80-bit value as `sign/exponent significand`, e.g. `+3fff 8000000000000000`. */
export function f80Hex(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, 10);
  const se = dv.getUint16(8, true);
  return `${se & 0x8000 ? '-' : '+'}${hex(se & 0x7fff, 4).slice(2)} ${dv.getBigUint64(0, true).toString(16).padStart(16, '0')}`;
}

/** An XMM register as two 64-bit halves, high first. */
export function xmmHex(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  return `${dv.getBigUint64(8, true).toString(16).padStart(16, '0')}:${dv.getBigUint64(0, true).toString(16).padStart(16, '0')}`;
}

/** Formats a list of differences, one per line. */
export function formatDifferences(diffs: readonly Difference[]): string {
  return diffs.map((d) => `  ${d.field.padEnd(10)} native ${d.native}  emulator ${d.emulator}`).join('\n');
}
