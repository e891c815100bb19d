/**
 * The benchmark runner: builds the kernels natively with gcc, runs each natively and under cabi
 * (the interpreter alone, and the WebAssembly tier that cabi uses by default), checks that the
 * checksums agree and prints medians, ratios and guest MIPS side by side.
 *
 *   pnpm --filter @cabi/bench bench [--quick | --scale N] [--jit-only | --skip-cabi] [--runs N] [kernel …]
 *
 * Default sizes are the "full" ones: 0.2–2 s of native CPU each, long enough that the ratio is
 * that of the running code and not of start-up (process, ELF load, JIT warm-up: tens of ms under
 * cabi, about 1 ms natively). The interpreter needs minutes a kernel there, so at the full sizes
 * it runs once (the other columns three times, native five) unless `--runs` says otherwise, and
 * `--jit-only` leaves it out. `--quick` uses sizes of about 1 ms natively, where start-up is most
 * of every run (the whole suite in about a minute); `--scale N` multiplies the quick sizes by N.
 * Times come in three kinds: wall time from process start (or spawn) to exit; work time, which
 * each kernel measures itself with the monotonic clock around its workload; and CPU time of the
 * workload (see {@link RunResult.cpuMs}), which a loaded machine disturbs least. Ratios are given
 * for work and CPU time, MIPS over CPU time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNative, CLOUDABI_BIN, hasTool, KERNELS, type KernelName } from './build.js';
import { type CabiRunResult, geomean, median, type RunResult, runCabi, runNative } from './harness.js';

/** Workload sizes: full (the default; 0.2–2 s natively on the reference machine) and quick. */
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
  /** Multiplier of the quick sizes (--quick: 1, --scale N: N), or null for the full sizes. */
  scale: number | null;
  /** Run the interpreter-alone column. */
  interpret: boolean;
  /** Skip the cabi runs (native and qemu-user only, e.g. to see qemu at the full sizes). */
  skipCabi: boolean;
  runs: number | null;
  kernels: KernelName[];
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: bench [--full | --quick | --scale N] [--jit-only | --skip-cabi] [--runs N] [${KERNELS.join('|')} …]`,
  );
  process.exit(64);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { scale: null, interpret: false, skipCabi: false, runs: null, kernels: [] };
  let sizes = '';
  let tiers = '';
  const once = (flag: string, seen: string): string => {
    if (seen && seen !== flag) usage(`${seen} and ${flag} exclude each other`);
    return flag;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') continue;
    if (a === '--full') sizes = once(a, sizes);
    else if (a === '--quick') {
      sizes = once(a, sizes);
      options.scale = 1;
    } else if (a === '--scale') {
      sizes = once(a, sizes);
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage('--scale needs a positive integer');
      options.scale = n;
    } else if (a === '--jit-only' || a === '--skip-cabi') tiers = once(a, tiers);
    else if (a === '--runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage('--runs needs a positive integer');
      options.runs = n;
    } else if ((KERNELS as readonly string[]).includes(a)) options.kernels.push(a as KernelName);
    else usage(`unknown argument ${a}`);
  }
  options.skipCabi = tiers === '--skip-cabi';
  options.interpret = tiers === '';
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
  // The interpreter alone takes minutes a kernel at the full sizes: once there.
  const interpRuns = options.runs ?? (options.scale === null ? 1 : 3);
  const dir = mkdtempSync(join(tmpdir(), 'cabi-bench-native-'));
  const rows: Row[] = [];
  try {
    const native = buildNative(dir);
    for (const name of options.kernels) {
      const size = options.scale === null ? SIZES[name].full : SIZES[name].quick * options.scale;
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
        for (let i = 0; i < (options.interpret ? interpRuns : 0); i++) {
          const r = await runCabi(name, image, size);
          row.cabi.push(r);
          if (r.checksum !== expected) row.mismatch.push(`cabi ${r.checksum} != native ${expected}`);
          process.stderr.write(
            `  ${name} (size ${size}) cabi interpreter run ${i + 1}/${interpRuns}: ${fmt(r.innerMs)} ms\n`,
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

  // Columns: native, then (when they ran) the interpreter alone, the JIT tier and qemu-user; the
  // geomean row sums up each ratio column.
  const interp = options.interpret;
  const header = ['kernel', 'size', 'native wall', 'native work', 'native cpu'];
  if (interp) header.push('interp wall', 'interp work', 'interp cpu', 'ratio work', 'ratio cpu', 'MIPS');
  header.push('JIT wall', 'JIT work', 'JIT cpu', 'JIT ratio work', 'JIT ratio cpu', 'JIT MIPS');
  if (qemu) header.push('qemu work', 'qemu cpu', 'qemu ratio work', 'qemu ratio cpu');
  header.push('guest instr', 'checksum');
  const lines: string[][] = [header];
  // One list of ratios per column index of the table (only ratio columns get one).
  const ratios = new Map<number, number[]>();
  const ratioCell = (line: string[], r: number): string => {
    const list = ratios.get(line.length) ?? [];
    list.push(r);
    ratios.set(line.length, list);
    return `${r.toFixed(1)}x`;
  };
  const mipsCell = (runs: readonly CabiRunResult[], cpu: number): string =>
    (median(runs.map((r) => r.instructions)) / cpu / 1000).toFixed(1);
  /** Appends wall, work, cpu, both ratios and MIPS of one tier's runs (or why there are none). */
  const tierCells = (
    line: string[],
    runs: readonly CabiRunResult[],
    absent: string,
    nWork: number,
    nCpu: number,
  ) => {
    if (runs.length === 0) {
      line.push(absent, '-', '-', '-', '-', '-');
      return;
    }
    const work = median(runs.map((r) => r.innerMs));
    const cpu = median(runs.map((r) => r.cpuMs));
    line.push(fmt(median(runs.map((r) => r.ms))), fmt(work), fmt(cpu));
    line.push(ratioCell(line, work / nWork));
    line.push(ratioCell(line, cpu / nCpu));
    line.push(mipsCell(runs, cpu));
  };
  for (const row of rows) {
    const nWall = median(row.native.map((r) => r.ms));
    const nWork = median(row.native.map((r) => r.innerMs));
    const nCpu = median(row.native.map((r) => r.cpuMs));
    const line = [row.name, String(row.size), fmt(nWall), fmt(nWork), fmt(nCpu)];
    const absent = options.skipCabi ? 'skipped' : row.cabiError !== null ? 'failed' : '-';
    if (interp) tierCells(line, row.cabiError === null ? row.cabi : [], absent, nWork, nCpu);
    tierCells(line, row.cabiError === null ? row.jit : [], absent, nWork, nCpu);
    if (qemu) {
      if (row.qemuError === null && row.qemu.length > 0) {
        const qWork = median(row.qemu.map((r) => r.innerMs));
        const qCpu = median(row.qemu.map((r) => r.cpuMs));
        line.push(fmt(qWork), fmt(qCpu));
        line.push(ratioCell(line, qWork / nWork));
        line.push(ratioCell(line, qCpu / nCpu));
      } else {
        line.push('failed', '-', '-', '-');
      }
    }
    const ran = row.jit.length > 0 ? row.jit : row.cabi;
    line.push(ran.length > 0 ? String(median(ran.map((r) => r.instructions))) : '-');
    line.push(row.mismatch.length ? 'MISMATCH' : ran.length || row.qemu.length ? 'agrees' : 'native only');
    lines.push(line);
  }
  const last = header.map((_, c) => {
    const list = ratios.get(c);
    return list?.length ? `${geomean(list).toFixed(1)}x` : '';
  });
  last[0] = 'geomean';
  const under = rows.filter((r) => r.jit.length > 0 || r.cabi.length > 0).length;
  last[last.length - 1] = `${under}/${rows.length} under cabi`;
  lines.push(last);

  const runs = options.skipCabi
    ? `medians of ${nativeRuns} native and ${cabiRuns} qemu runs`
    : `medians of ${nativeRuns} native, ${options.interpret ? `${interpRuns} interpreter, ` : ''}${cabiRuns} JIT runs`;
  const sizes = options.scale === null ? 'full' : options.scale === 1 ? 'quick' : `${options.scale}x quick`;
  console.log(`\ncabi benchmark suite (${sizes} sizes; ${runs}; times in ms)`);
  console.log(
    [
      "wall = spawn to exit; work = the kernel's monotonic clock around its workload;",
      'cpu = process CPU time of the workload (under cabi: the host CPU time of this Node process for the run);',
      'ratio = that tier / native; MIPS = guest instructions / cpu time of the same tier',
      '',
    ].join('\n'),
  );
  console.log(table(lines));
  console.log(
    interp
      ? '\ninterp: the interpreter alone (Cpu); JIT: the WebAssembly tier (JitCpu at its default hotness threshold), the default of createKernel and cabi run.'
      : '\nJIT: the WebAssembly tier (JitCpu at its default hotness threshold), the default of createKernel and cabi run.',
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
