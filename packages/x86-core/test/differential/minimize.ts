/**
 * Shrinks a mismatching case: repeatedly tries simpler starting states (registers zeroed, XMM
 * cleared, default x87/MXCSR state, zeroed data) and keeps each simplification under which the
 * case still differs in at least one of the originally differing fields. The instruction itself
 * is already a single one.
 */
import { FX, runNative } from '../native/harness.js';
import { compareResults, type DiffCase } from './compare.js';
import type { EmulatorRunner } from './emulator.js';
import type { Mismatch } from './suite.js';

function variants(tc: DiffCase): DiffCase[] {
  const out: DiffCase[] = [];
  const clone = (): DiffCase => ({ ...tc, gpr: tc.gpr.slice(), fx: tc.fx.slice(), data: tc.data.slice() });
  for (let i = 0; i < 16; i++) {
    if (i === 4 || tc.gpr[i] === 0n) continue;
    const c = clone();
    c.gpr[i] = 0n;
    out.push(c);
  }
  if ((tc.rflags & 0xcd5) !== 0) out.push({ ...clone(), rflags: 0x202 });
  for (let i = 0; i < 16; i++) {
    const at = FX.XMM + 16 * i;
    if (tc.fx.subarray(at, at + 16).every((b) => b === 0)) continue;
    const c = clone();
    c.fx.fill(0, at, at + 16);
    out.push(c);
  }
  const dv = new DataView(tc.fx.buffer, tc.fx.byteOffset, 512);
  if (tc.fx[FX.FTW] !== 0 || dv.getUint16(FX.FSW, true) !== 0 || dv.getUint16(FX.FCW, true) !== 0x37f) {
    const c = clone();
    const cv = new DataView(c.fx.buffer, c.fx.byteOffset, 512);
    cv.setUint16(FX.FCW, 0x37f, true);
    cv.setUint16(FX.FSW, 0, true);
    c.fx[FX.FTW] = 0;
    out.push(c);
  }
  if (dv.getUint32(FX.MXCSR, true) !== 0x1f80) {
    const c = clone();
    new DataView(c.fx.buffer, c.fx.byteOffset, 512).setUint32(FX.MXCSR, 0x1f80, true);
    out.push(c);
  }
  if (tc.data.some((b) => b !== 0)) {
    const c = clone();
    c.data.fill(0);
    out.push(c);
  }
  return out;
}

/** Merges the simplifications of several variants of `base` (each differs from it in one part). */
function merge(base: DiffCase, parts: readonly DiffCase[]): DiffCase {
  const out: DiffCase = { ...base, gpr: base.gpr.slice(), fx: base.fx.slice(), data: base.data.slice() };
  for (const p of parts) {
    p.gpr.forEach((v, i) => {
      if (v !== base.gpr[i]) out.gpr[i] = v;
    });
    if (p.rflags !== base.rflags) out.rflags = p.rflags;
    p.fx.forEach((b, i) => {
      if (b !== base.fx[i]) out.fx[i] = b;
    });
    p.data.forEach((b, i) => {
      if (b !== base.data[i]) out.data[i] = b;
    });
  }
  return out;
}

/**
 * Returns a simpler variant of a mismatch: each round runs every one-part simplification, then
 * tries all that still mismatch at once, falling back to the first of them.
 */
export async function minimize(m: Mismatch, runner: EmulatorRunner, rounds = 8): Promise<Mismatch> {
  let best = m;
  const fields = new Set(m.diffs.map((d) => d.field));
  const check = (tc: DiffCase, native: Mismatch['native']): Mismatch | null => {
    const emu = runner.run(tc);
    const diffs = compareResults(tc, native, emu);
    return diffs.some((d) => fields.has(d.field)) ? { tc, native, emulator: emu, diffs } : null;
  };
  for (let round = 0; round < rounds; round++) {
    const cands = variants(best.tc);
    if (cands.length === 0) break;
    const native = await runNative(cands);
    const good: Mismatch[] = [];
    cands.forEach((c, i) => {
      const r = check(c, native[i]!);
      if (r) good.push(r);
    });
    if (good.length === 0) break;
    if (good.length > 1) {
      const merged = merge(
        best.tc,
        good.map((g) => g.tc),
      );
      const [nat] = await runNative([merged]);
      const r = check(merged, nat!);
      if (r) {
        best = r;
        continue;
      }
    }
    best = good[0]!;
  }
  return best;
}
