/**
 * Human-readable reports of mismatching cases: the instruction (bytes and x86-core's disassembly),
 * the non-default parts of its starting state, how each side ended and the differing fields.
 */

import { gprName } from '../../src/disasm.js';
import { CODE_ADDR, FX } from '../native/harness.js';
import { describeEnd, f80Hex, formatDifferences, xmmHex } from './compare.js';
import type { EmulatorRunner } from './emulator.js';
import type { Mismatch } from './suite.js';

/** The starting state of a case, listing only what differs from the zero/default state. */
export function describeState(m: Mismatch): string {
  const tc = m.tc;
  const lines: string[] = [];
  const regs = tc.gpr
    .map((v, i) => (v !== 0n ? `${gprName(i, 8)}=0x${v.toString(16)}` : ''))
    .filter(Boolean)
    .join(' ');
  lines.push(`  regs     ${regs || '(all zero)'}  rflags=0x${tc.rflags.toString(16)}`);
  const dv = new DataView(tc.fx.buffer, tc.fx.byteOffset, 512);
  const fcw = dv.getUint16(FX.FCW, true);
  const fsw = dv.getUint16(FX.FSW, true);
  const ftw = tc.fx[FX.FTW]!;
  lines.push(
    `  fpu      fcw=0x${fcw.toString(16)} fsw=0x${fsw.toString(16)} ftw=0x${ftw.toString(16)} mxcsr=0x${dv.getUint32(FX.MXCSR, true).toString(16)}`,
  );
  const top = (fsw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    if (!(ftw & (1 << ((top + i) & 7)))) continue;
    lines.push(`  st${i}      ${f80Hex(tc.fx.subarray(FX.ST + 16 * i, FX.ST + 16 * i + 10))}`);
  }
  for (let i = 0; i < 16; i++) {
    const x = tc.fx.subarray(FX.XMM + 16 * i, FX.XMM + 16 * i + 16);
    if (x.some((b) => b !== 0)) lines.push(`  xmm${i}`.padEnd(11) + xmmHex(x));
  }
  const nz = tc.data.findIndex((b) => b !== 0);
  if (nz >= 0) {
    const hex = Array.from(tc.data.subarray(0, 64), (b) => b.toString(16).padStart(2, '0')).join('');
    lines.push(`  data     ${hex}${tc.data.length > 64 ? '…' : ''} (${tc.data.length} bytes)`);
  }
  return lines.join('\n');
}

/** A full report of one mismatch. */
export function formatMismatch(m: Mismatch, runner: EmulatorRunner): string {
  runner.load(m.tc);
  // Every instruction of the snippet (a flag-producing prefix instruction may precede the one under test).
  const parts: string[] = [];
  try {
    for (let at = CODE_ADDR; at < CODE_ADDR + m.tc.code.length && parts.length < 8; ) {
      const d = runner.cpu.disassemble(at);
      parts.push(d.text);
      at += Math.max(1, d.length);
    }
  } catch (e) {
    parts.push(`(disassembler failed: ${String(e)})`);
  }
  const dis = parts.join('; ');
  const bytes = Array.from(m.tc.code, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return [
    `${m.tc.name ?? 'case'}`,
    `  insn     ${dis}    [${bytes}]`,
    describeState(m),
    `  end      native ${describeEnd(m.native)}  emulator ${describeEnd(m.emulator)}`,
    formatDifferences(m.diffs.filter((d) => d.field !== 'end')),
  ].join('\n');
}
