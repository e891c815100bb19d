/**
 * The MMX-register forms against the host CPU. The generated differential suite skips MMX operands,
 * so this test encodes every MMX row itself (register and memory forms, REX.W variants, random
 * immediates) over random x87/MMX, XMM and general-purpose state, and compares the complete final
 * state (including the x87 TOP and tag word an MMX instruction changes) through the native harness.
 */
import { describe, expect, it } from 'vitest';
import { compareResults, type DiffCase } from '../../test/differential/compare.js';
import { EmulatorRunner } from '../../test/differential/emulator.js';
import { DATA_ADDR, defaultFx, FX, runNative } from '../../test/native/harness.js';
import { Cpu } from '../cpu.js';
import type { OpRow } from '../table.js';
import { mmxRows } from './mmx-rows.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const INTERESTING = [
  0, 0xffffffff, 0x80000000, 0x7fffffff, 0x00ff00ff, 0x80008000, 0x7fff7fff, 0x01010101, 0x3f800000,
];

function word(r: () => number): number {
  return r() % 3 === 0 ? INTERESTING[r() % INTERESTING.length]! : r();
}

function makeCase(row: OpRow, r: () => number): DiffCase {
  const ops = row.operands.split(',').map((s) => s.trim());
  const fx = defaultFx();
  const dv = new DataView(fx.buffer);
  // Random x87/MMX registers, TOP and abridged tags; XMM registers; occasionally a non-default MXCSR.
  for (let k = 0; k < 8; k++) {
    dv.setUint32(FX.ST + 16 * k, word(r), true);
    dv.setUint32(FX.ST + 16 * k + 4, word(r), true);
    dv.setUint16(FX.ST + 16 * k + 8, r() & 0xffff, true);
  }
  // Sometimes an IE flag is set, with ES (and B, which mirrors it) as the control word implies:
  // unmasked, it is a pending exception and the MMX instruction raises #MF.
  const flagged = r() % 12 === 0;
  const unmasked = flagged && r() % 2 === 0;
  dv.setUint16(FX.FSW, ((r() & 7) << 11) | (flagged ? 1 : 0) | (unmasked ? 0x8080 : 0), true);
  if (unmasked) dv.setUint16(FX.FCW, 0x037e, true);
  fx[FX.FTW] = r() & 0xff;
  for (let k = 0; k < 64; k++) dv.setUint32(FX.XMM + 4 * k, word(r), true);
  if (r() % 4 === 0) dv.setUint32(FX.MXCSR, 0x1f80 | ((r() & 3) << 13) | (r() % 8 === 0 ? 0 : 0), true);
  const gpr: bigint[] = [];
  for (let k = 0; k < 16; k++) gpr.push((BigInt(word(r)) << 32n) | BigInt(word(r)));
  gpr[4] = BigInt(DATA_ADDR + 0xc0);
  const data = new Uint8Array(256);
  for (let k = 0; k < 256; k++) data[k] = r() & 0xff;

  const rmKind = ops[1] ?? ops[0] ?? '';
  const memAllowed = /^[QEWM]|\/M/.test(rmKind) || /^[QEM]/.test(ops[0] ?? '');
  const regOnly = row.mod === 'reg' || /^[NU]/.test(rmKind) || (/^R/.test(rmKind) && !rmKind.includes('/M'));
  const useMem = row.mod === 'mem' || (!regOnly && memAllowed && r() % 3 === 0);
  const regField = row.ext ?? r() & 7;
  const bytes: number[] = [];
  if (row.prefix) bytes.push(row.prefix);
  if (/E[yv]/.test(row.operands) && r() % 2 === 0) bytes.push(0x48);
  bytes.push(0x0f);
  if (row.map === 2) bytes.push(0x38);
  if (row.map === 3) bytes.push(0x3a);
  bytes.push(row.opcode);
  if (row.operands !== '') {
    if (useMem) {
      // [rsi], with rsi inside the data page; 16-byte forms sometimes misaligned.
      bytes.push((regField << 3) | 6);
      gpr[6] = BigInt(DATA_ADDR + (r() % 4 === 0 ? 8 : 16) * (r() % 8));
    } else bytes.push(0xc0 | (regField << 3) | (r() & 7));
  }
  if (row.operands.endsWith('Ib')) bytes.push(r() & 0xff);
  gpr[7] = BigInt(DATA_ADDR + (r() % 16) * 8); // maskmovq destination
  return {
    code: Uint8Array.from(bytes),
    data,
    gpr,
    rflags: 0x202,
    fx,
    name: `${row.mnemonic} ${row.operands}${row.prefix ? ` [${row.prefix.toString(16)}]` : ''}`,
    undefinedFlags: 0,
    undefinedFsw: 0,
  };
}

describe('MMX-register forms', () => {
  it('match the host CPU bit for bit', async () => {
    const r = rng(Number(process.env.MMX_SEED ?? 0x6d6d78));
    const cases: DiffCase[] = [];
    for (const row of mmxRows) for (let k = 0; k < 120; k++) cases.push(makeCase(row, r));
    const native = await runNative(cases);
    const runner = new EmulatorRunner((m) => new Cpu(m));
    const bad: string[] = [];
    const seen = new Set<string>();
    cases.forEach((tc, k) => {
      const diffs = compareResults(tc, native[k]!, runner.run(tc));
      if (diffs.length > 0 && !seen.has(tc.name!)) {
        seen.add(tc.name!);
        bad.push(`${tc.name} ${Buffer.from(tc.code).toString('hex')}: ${JSON.stringify(diffs)}`);
      }
    });
    expect(bad).toEqual([]);
    expect(cases.length).toBeGreaterThan(8000);
  }, 120_000);
});
