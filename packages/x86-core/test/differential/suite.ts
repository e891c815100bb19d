/**
 * Runs generated cases natively and in x86-core and collects mismatches. Native batches run in a
 * child process while the emulator works through the previous batch on this thread.
 */
import type { OpRow } from '../../src/table.js';
import { type CaseResult, runNative } from '../native/harness.js';
import { compareResults, type DiffCase, type Difference, formatDifferences } from './compare.js';
import { type CpuFactory, EmulatorRunner } from './emulator.js';
import { shapeOf } from './encoder.js';
import { type GenerateOptions, generateCase, rowKey, testableRow } from './generate.js';
import { Rng } from './random.js';

/** One case whose results differ. */
export interface Mismatch {
  tc: DiffCase;
  native: CaseResult;
  emulator: CaseResult;
  diffs: Difference[];
}

/** Totals of a differential run. */
export interface SuiteReport {
  cases: number;
  rows: number;
  mismatches: Mismatch[];
  /** Mismatch count per row key. */
  byRow: Map<string, number>;
  nativeMs: number;
  emulatorMs: number;
}

/**
 * Generates `perRow` cases for every testable row, deterministic for a seed. Cases `skip` rejects
 * are replaced by fresh ones (a row whose cases are all rejected contributes none).
 */
export function generateForRows(
  rows: readonly OpRow[],
  perRow: number,
  seed: number,
  skip?: (tc: DiffCase) => boolean,
  options: GenerateOptions = {},
): DiffCase[] {
  const out: DiffCase[] = [];
  rows.forEach((row, i) => {
    if (!testableRow(row)) return;
    const shape = shapeOf(row);
    const rng = new Rng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    let made = 0;
    for (let attempt = 0; made < perRow && attempt < perRow * 4; attempt++) {
      const { tc } = generateCase(shape, rng, options);
      if (skip?.(tc)) continue;
      out.push(tc);
      made++;
    }
  });
  return out;
}

/** Generates rounds of {@link generateForRows} (fresh seeds) until at least `min` cases exist. */
export function generateAtLeast(
  rows: readonly OpRow[],
  min: number,
  seed: number,
  skip?: (tc: DiffCase) => boolean,
): DiffCase[] {
  const out: DiffCase[] = [];
  for (let round = 0; out.length < min && round < 8; round++) {
    const perRow = Math.max(8, Math.ceil((min - out.length) / Math.max(1, rows.length)));
    for (const tc of generateForRows(rows, perRow, (seed + round * 0x2545f491) >>> 0, skip)) out.push(tc);
  }
  return out;
}

/** Runs cases on both sides and compares them. */
export async function runCases(
  cases: readonly DiffCase[],
  factory: CpuFactory,
  options: { batch?: number; keep?: number } = {},
): Promise<SuiteReport> {
  const batch = options.batch ?? 8000;
  const keep = options.keep ?? 50;
  const runner = new EmulatorRunner(factory);
  const report: SuiteReport = {
    cases: cases.length,
    rows: new Set(cases.map((c) => c.name)).size,
    mismatches: [],
    byRow: new Map(),
    nativeMs: 0,
    emulatorMs: 0,
  };
  const slices: DiffCase[][] = [];
  for (let i = 0; i < cases.length; i += batch) slices.push(cases.slice(i, i + batch));
  const startNative = (s: DiffCase[]) => {
    const t = performance.now();
    return runNative(s).then((r) => {
      report.nativeMs += performance.now() - t;
      return r;
    });
  };
  let pending = slices.length > 0 ? startNative(slices[0]!) : null;
  for (let k = 0; k < slices.length; k++) {
    const slice = slices[k]!;
    const t = performance.now();
    const emu = slice.map((tc) => runner.run(tc));
    report.emulatorMs += performance.now() - t;
    const native = await pending!;
    pending = k + 1 < slices.length ? startNative(slices[k + 1]!) : null;
    for (let i = 0; i < slice.length; i++) {
      const tc = slice[i]!;
      const diffs = compareResults(tc, native[i]!, emu[i]!);
      if (diffs.length === 0) continue;
      const key = tc.name ?? '?';
      report.byRow.set(key, (report.byRow.get(key) ?? 0) + 1);
      if (report.mismatches.length < keep)
        report.mismatches.push({ tc, native: native[i]!, emulator: emu[i]!, diffs });
    }
  }
  return report;
}

/** Formats a case's code bytes. */
export function codeHex(code: Uint8Array): string {
  return Array.from(code, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A readable description of a mismatch (instruction, disassembly if available, differing fields). */
export function describeMismatch(m: Mismatch, disassemble?: (code: Uint8Array) => string): string {
  const dis = disassemble ? `  ${disassemble(m.tc.code)}` : '';
  return `${m.tc.name}\n  bytes ${codeHex(m.tc.code)}${dis}\n${formatDifferences(m.diffs)}`;
}

export { rowKey };
