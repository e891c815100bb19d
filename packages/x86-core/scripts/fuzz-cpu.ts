/**
 * `pnpm fuzz:cpu [--seconds N] [--seed S] [--batch B] [--rows REGEX] [--skip-known]`: an unbounded randomized
 * comparison of x86-core against the host CPU. Each batch draws random rows of the opcode table
 * (every implemented form), random encodings (operand sizes, addressing forms, prefixes) and random
 * starting state, runs them natively and in the emulator and prints every new divergence, minimised
 * and disassembled, once per instruction form. Runs until the time is up (default: forever).
 * `--skip-known` leaves out the cases of mismatches already listed in test/differential/known-open.ts.
 */
import { Cpu } from '../src/cpu.js';
import { allRows } from '../src/opcodes.js';
import { compareResults, type DiffCase } from '../test/differential/compare.js';
import { EmulatorRunner } from '../test/differential/emulator.js';
import { type RowShape, shapeOf } from '../test/differential/encoder.js';
import { generateCase, rowKey, testableRow } from '../test/differential/generate.js';
import { knownOpenFor } from '../test/differential/known-open.js';
import { minimize } from '../test/differential/minimize.js';
import { Rng } from '../test/differential/random.js';
import { formatMismatch } from '../test/differential/report.js';
import { runNative } from '../test/native/harness.js';

interface Options {
  seconds: number;
  seed: number;
  batch: number;
  rows: RegExp | null;
  skipKnown: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = {
    seconds: Number.POSITIVE_INFINITY,
    seed: (Date.now() ^ (process.pid << 16)) >>> 0,
    batch: 4000,
    rows: null,
    skipKnown: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--') continue;
    if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--seed') opts.seed = Number(value()) >>> 0;
    else if (a === '--batch') opts.batch = Math.max(1, Number(value()) | 0);
    else if (a === '--rows') opts.rows = new RegExp(value());
    else if (a === '--skip-known') opts.skipKnown = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: fuzz-cpu [--seconds N] [--seed S] [--batch B] [--rows REGEX] [--skip-known]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!(opts.seconds > 0)) throw new Error('--seconds must be positive');
  return opts;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const shapes: RowShape[] = allRows()
    .filter(testableRow)
    .filter((r) => opts.rows === null || opts.rows.test(rowKey(r)))
    .map(shapeOf);
  if (shapes.length === 0) {
    process.stderr.write('fuzz-cpu: no testable rows in the opcode table\n');
    return 2;
  }
  process.stdout.write(`fuzz-cpu: seed ${opts.seed}, ${shapes.length} instruction forms\n`);
  const rng = new Rng(opts.seed);
  const runner = new EmulatorRunner((m) => new Cpu(m));
  const seen = new Map<string, number>();
  const deadline = performance.now() + opts.seconds * 1000;
  let total = 0;
  let mismatching = 0;
  let lastStatus = performance.now();
  const started = performance.now();
  let stop = false;
  process.on('SIGINT', () => {
    stop = true;
  });

  const makeBatch = (): DiffCase[] => {
    const cases: DiffCase[] = [];
    for (let tries = 0; cases.length < opts.batch; tries++) {
      if (tries > opts.batch * 50) throw new Error('every generated case is on the known-open list');
      const { tc } = generateCase(rng.pick(shapes), rng, { wild: rng.chance(0.3) });
      if (opts.skipKnown && knownOpenFor(tc) !== undefined) continue;
      cases.push(tc);
    }
    return cases;
  };
  let next = makeBatch();
  let pending = runNative(next);
  while (!stop && performance.now() < deadline) {
    const cases = next;
    const emu = cases.map((tc) => runner.run(tc));
    const native = await pending;
    next = makeBatch();
    pending = runNative(next);
    for (let i = 0; i < cases.length; i++) {
      const tc = cases[i]!;
      const diffs = compareResults(tc, native[i]!, emu[i]!);
      if (diffs.length === 0) continue;
      mismatching++;
      const key = tc.name ?? '?';
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      if (count > 1) continue;
      const small = await minimize({ tc, native: native[i]!, emulator: emu[i]!, diffs }, runner);
      process.stdout.write(`\nDIVERGENCE ${formatMismatch(small, runner)}\n`);
    }
    total += cases.length;
    if (performance.now() - lastStatus > 10_000) {
      lastStatus = performance.now();
      const rate = Math.round(total / ((lastStatus - started) / 1000));
      process.stdout.write(
        `fuzz-cpu: ${total} cases (${rate}/s), ${mismatching} mismatching in ${seen.size} forms\n`,
      );
    }
  }
  await pending.catch(() => []);
  process.stdout.write(
    `\nfuzz-cpu: ${total} cases, ${mismatching} mismatching in ${seen.size} forms (seed ${opts.seed})\n`,
  );
  for (const [key, n] of [...seen].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`  ${String(n).padStart(7)}  ${key}\n`);
  return seen.size === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz-cpu: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
