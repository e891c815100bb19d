/**
 * The generated differential suite: every instruction form the opcode table implements, with
 * edge-biased operands and random state, run on the host CPU and in x86-core; all defined state
 * must match bit for bit. At least 200,000 cases per run, deterministic for the seed below.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { allRows } from '../../src/opcodes.js';
import { EmulatorRunner } from './emulator.js';
import { testableRow } from './generate.js';
import { knownOpenFor } from './known-open.js';
import { formatMismatch } from './report.js';
import { generateAtLeast, generateForRows, runCases } from './suite.js';

const SEED = 0x5eed_cab1;
const MIN_CASES = 200_000;
/** Cases per form with prefix noise (`pnpm fuzz:cpu` draws them at random too). */
const WILD_PER_ROW = 16;

describe('x86-core against the host CPU', () => {
  it(`matches on at least ${MIN_CASES} generated cases`, async () => {
    const rows = allRows().filter(testableRow);
    expect(rows.length).toBeGreaterThan(0);
    const cases = generateAtLeast(rows, MIN_CASES, SEED, (tc) => knownOpenFor(tc) !== undefined);
    expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES);
    const report = await runCases(cases, (m) => new Cpu(m), { keep: 20 });
    if (report.mismatches.length > 0) {
      const runner = new EmulatorRunner((m) => new Cpu(m));
      const forms = [...report.byRow].map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`).join('\n');
      const shown = report.mismatches.slice(0, 10).map((m) => formatMismatch(m, runner));
      expect.fail(`mismatching forms:\n${forms}\n\n${shown.join('\n\n')}`);
    }
    expect(report.cases).toBeGreaterThanOrEqual(MIN_CASES);
  }, 600_000);

  it('matches with prefix noise (segment overrides, stray F2/F3/66 and REX bytes)', async () => {
    const rows = allRows().filter(testableRow);
    const cases = generateForRows(rows, WILD_PER_ROW, SEED ^ 0x3141, (tc) => knownOpenFor(tc) !== undefined, {
      wild: true,
    });
    expect(cases.filter((c) => c.tags?.includes('wild')).length).toBeGreaterThan(cases.length / 3);
    const report = await runCases(cases, (m) => new Cpu(m), { keep: 20 });
    if (report.mismatches.length > 0) {
      const runner = new EmulatorRunner((m) => new Cpu(m));
      const forms = [...report.byRow].map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`).join('\n');
      const shown = report.mismatches.slice(0, 10).map((m) => formatMismatch(m, runner));
      expect.fail(`mismatching forms:\n${forms}\n\n${shown.join('\n\n')}`);
    }
  }, 600_000);
});
