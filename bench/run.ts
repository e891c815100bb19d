/**
 * The benchmark runner: builds the kernels natively with gcc, runs each natively and under cabi
 * (interpreter alone, and with the WebAssembly tier), checks that the checksums agree and prints
 * medians, ratios and guest MIPS.
 *
 *   pnpm --filter @cabi/bench bench [--full | --scale N] [--skip-cabi | --jit-only] [--runs N] [kernel …]
 *
 * Default sizes are the "quick" ones (the whole suite in about a minute); `--full` uses sizes that
 * run 0.2–2 s natively, which takes the interpreter far longer; `--scale N` multiplies the quick sizes
 * by N; `--jit-only` skips the interpreter runs (the JIT and native columns at large sizes). Times come in three kinds: wall
 * time from process start (or spawn) to exit; work time, which each kernel measures itself with
 * the monotonic clock around its workload (so process start-up and the ELF load do not swamp the
 * quick sizes); and CPU time of the workload (see {@link RunResult.cpuMs}), which a loaded machine
 * disturbs least. Ratios are given for work and CPU time, MIPS over CPU time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNative, CLOUDABI_BIN, hasTool, KERNELS, type KernelName } from './build.js';
import { type CabiRunResult, geomean, median, type RunResult, runCabi, runNative } from './harness.js';

/** Workload sizes: quick (default) and full (0.2–2 s natively on the reference machine). */
export const SIZES: Record<KernelName, { quick: number; full: number }> = {
  sha256: { quick: 60, full: 10_000 },
  vm: { quick: 30_000, full: 4_000_000 },
  buffer: { quick: 60, full: 40_000 },
  nbody: { quick: 20_000, full: 3_000_000 },
  qsort: { quick: 100_000, full: 2_000_000 },
  syscall: { quick: 500, full: 8_000 },
  threads: { quick: 3_000, full: 200_000 },
};

interface Options {
  full: boolean;
  /** Multiplier of the quick sizes (1 unless --scale). */
  scale: number;
  /** Skip the interpreter runs (native, JIT and qemu-user only). */
  jitOnly: boolean;
  /** Skip the cabi runs (native and qemu-user only, e.g. to see qemu at the full sizes). */
  skipCabi: boolean;
  runs: number | null;
  kernels: KernelName[];
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: bench [--full | --scale N] [--skip-cabi | --jit-only] [--runs N] [${KERNELS.join('|')} …]`,
  );
  process.exit(64);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    full: false,
    scale: 1,
    jitOnly: false,
    skipCabi: false,
    runs: null,
    kernels: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') continue;
    if (a === '--full') options.full = true;
    else if (a === '--skip-cabi') options.skipCabi = true;
    else if (a === '--jit-only') options.jitOnly = true;
    else if (a === '--scale') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage('--scale needs a positive integer');
      options.scale = n;
    } else if (a === '--runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage('--runs needs a positive integer');
      options.runs = n;
    } else if ((KERNELS as readonly string[]).includes(a)) options.kernels.push(a as KernelName);
    else usage(`unknown argument ${a}`);
  }
  if (options.full && options.scale !== 1) usage('--full and --scale exclude each other');
  if (options.skipCabi && options.jitOnly) usage('--skip-cabi and --jit-only exclude each other');
  if (options.kernels.length === 0) options.kernels = [...KERNELS];
  return options;
}

interface Row {
  name: KernelName;
  size: number;
  native: RunResult[];
  cabi: CabiRunResult[];
  jit: CabiRunResult[];
  qemu: RunResult[];
  cabiError: string | null;
  qemuError: string | null;
  mismatch: string[];
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!hasTool('gcc')) {
    console.error('bench: gcc is needed for the native builds');
    return 1;
  }
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-x86_64'], { encoding: 'utf8' }).stdout.trim();
  const nativeRuns = options.runs ?? 5;
  const cabiRuns = options.runs ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'cabi-bench-native-'));
  const rows: Row[] = [];
  try {
    const native = buildNative(dir);
    for (const name of options.kernels) {
      const size = options.full ? SIZES[name].full : SIZES[name].quick * options.scale;
      const row: Row = {
        name,
        size,
        native: [],
        cabi: [],
        jit: [],
        qemu: [],
        cabiError: null,
        qemuError: null,
        mismatch: [],
      };
      rows.push(row);
      for (let i = 0; i < nativeRuns; i++) row.native.push(runNative(name, native[name], size));
      const expected = row.native[0]?.checksum ?? '';
      for (const r of row.native)
        if (r.checksum !== expected) row.mismatch.push(`native runs disagree: ${r.checksum}`);
      const image = readFileSync(join(CLOUDABI_BIN, name));
      try {
        for (let i = 0; i < (options.skipCabi || options.jitOnly ? 0 : cabiRuns); i++) {
          const r = await runCabi(name, image, size);
          row.cabi.push(r);
          if (r.checksum !== expected) row.mismatch.push(`cabi ${r.checksum} != native ${expected}`);
          process.stderr.write(
            `  ${name} (size ${size}) cabi run ${i + 1}/${cabiRuns}: ${fmt(r.innerMs)} ms\n`,
          );
        }
        for (let i = 0; i < (options.skipCabi ? 0 : cabiRuns); i++) {
          const r = await runCabi(name, image, size, { jit: true });
          row.jit.push(r);
          if (r.checksum !== expected) row.mismatch.push(`cabi JIT ${r.checksum} != native ${expected}`);
          process.stderr.write(
            `  ${name} (size ${size}) cabi JIT run ${i + 1}/${cabiRuns}: ${fmt(r.innerMs)} ms\n`,
          );
        }
      } catch (e) {
        row.cabiError = e instanceof Error ? e.message : String(e);
      }
      if (qemu) {
        try {
          for (let i = 0; i < cabiRuns; i++) {
            const r = runNative(name, native[name], size, [qemu]);
            row.qemu.push(r);
            if (r.checksum !== expected) row.mismatch.push(`qemu ${r.checksum} != native ${expected}`);
          }
        } catch (e) {
          row.qemuError = e instanceof Error ? e.message : String(e);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const header = ['kernel', 'size', 'native wall', 'native work', 'native cpu'];
  header.push('cabi wall', 'cabi work', 'cabi cpu', 'ratio work', 'ratio cpu', 'MIPS');
  header.push('JIT cpu', 'JIT ratio cpu', 'JIT MIPS');
  if (qemu) header.push('qemu work', 'qemu cpu', 'qemu ratio work', 'qemu ratio cpu');
  header.push('guest instr', 'checksum');
  const lines: string[][] = [header];
  const ratios: number[][] = [[], [], [], [], []];
  const ratioCell = (r: number, k: number): string => {
    ratios[k]?.push(r);
    return `${r.toFixed(1)}x`;
  };
  const mipsCell = (runs: readonly CabiRunResult[], cpu: number): string =>
    (median(runs.map((r) => r.instructions)) / cpu / 1000).toFixed(1);
  for (const row of rows) {
    const nWall = median(row.native.map((r) => r.ms));
    const nWork = median(row.native.map((r) => r.innerMs));
    const nCpu = median(row.native.map((r) => r.cpuMs));
    const line = [row.name, String(row.size), fmt(nWall), fmt(nWork), fmt(nCpu)];
    const failed = row.cabiError !== null;
    const absent = options.skipCabi ? 'skipped' : failed ? 'failed' : options.jitOnly ? 'skipped' : '-';
    if (!failed && row.cabi.length > 0) {
      const cWork = median(row.cabi.map((r) => r.innerMs));
      const cCpu = median(row.cabi.map((r) => r.cpuMs));
      line.push(fmt(median(row.cabi.map((r) => r.ms))), fmt(cWork), fmt(cCpu));
      line.push(ratioCell(cWork / nWork, 0), ratioCell(cCpu / nCpu, 1), mipsCell(row.cabi, cCpu));
    } else line.push(absent, '-', '-', '-', '-', '-');
    if (!failed && row.jit.length > 0) {
      const jCpu = median(row.jit.map((r) => r.cpuMs));
      line.push(fmt(jCpu), ratioCell(jCpu / nCpu, 4), mipsCell(row.jit, jCpu));
    } else line.push(options.skipCabi ? 'skipped' : failed ? 'failed' : '-', '-', '-');
    if (qemu) {
      if (row.qemuError === null && row.qemu.length > 0) {
        const qWork = median(row.qemu.map((r) => r.innerMs));
        const qCpu = median(row.qemu.map((r) => r.cpuMs));
        line.push(fmt(qWork), fmt(qCpu), ratioCell(qWork / nWork, 2), ratioCell(qCpu / nCpu, 3));
      } else {
        line.push('failed', '-', '-', '-');
      }
    }
    const ran = row.cabi.length > 0 ? row.cabi : row.jit;
    line.push(ran.length > 0 ? String(median(ran.map((r) => r.instructions))) : '-');
    line.push(row.mismatch.length ? 'MISMATCH' : ran.length || row.qemu.length ? 'agrees' : 'native only');
    lines.push(line);
  }
  const geo = (k: number): string => {
    const list = ratios[k] ?? [];
    return list.length ? `${geomean(list).toFixed(1)}x` : '-';
  };
  const last = ['geomean', '', '', '', '', '', '', '', geo(0), geo(1), '', '', geo(4), ''];
  if (qemu) last.push('', '', geo(2), geo(3));
  last.push('', `${Math.max(ratios[1]?.length ?? 0, ratios[4]?.length ?? 0)}/${rows.length} under cabi`);
  lines.push(last);

  const runs = `medians of ${nativeRuns} native and ${cabiRuns} ${options.skipCabi ? 'qemu' : 'cabi'} runs`;
  const sizes = options.full ? 'full' : options.scale === 1 ? 'quick' : `${options.scale}x quick`;
  console.log(`\ncabi benchmark suite (${sizes} sizes; ${runs}; times in ms)`);
  console.log(
    [
      "wall = spawn to exit; work = the kernel's monotonic clock around its workload;",
      'cpu = process CPU time of the workload (under cabi: the host CPU time of this Node process for the run);',
      'ratio = cabi / native; MIPS = guest instructions / cpu time of the same column',
      '',
    ].join('\n'),
  );
  console.log(table(lines));
  console.log(
    '\nJIT: the cabi columns are the interpreter; the JIT columns use the WebAssembly tier (JitCpu at its default hotness threshold, the default of createKernel and cabi run).',
  );
  if (!qemu) console.log('qemu-user: qemu-x86_64 not installed (Debian package qemu-user), no qemu column.');
  let failed = false;
  for (const row of rows) {
    if (row.cabiError) {
      failed = true;
      console.log(`${row.name}: did not run under cabi: ${row.cabiError}`);
    }
    if (row.qemuError) console.log(`${row.name}: did not run under qemu-user: ${row.qemuError}`);
    for (const m of row.mismatch) {
      failed = true;
      console.log(`${row.name}: checksum mismatch: ${m}`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
