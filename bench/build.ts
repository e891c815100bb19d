/**
 * Builds the benchmark kernels from the same C sources for both targets:
 *
 * - CloudABI (x86_64-unknown-cloudabi, static PIE) with clang-14 and ld.lld-14 against the fixtures
 *   runtime, with the fixtures' own compile and link flags (fixtures/build.mjs). The binaries are
 *   committed in `bin/`; `pnpm --filter @cabi/bench build` rebuilds them when clang-14 is present.
 * - Native Linux x86-64 with gcc -O2, libc and pthreads, into a directory of the caller's choice
 *   (the runner and the test build them fresh into a temporary directory).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CFLAGS as FIXTURE_CFLAGS, LDFLAGS as FIXTURE_LDFLAGS } from '../fixtures/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(here, '../fixtures');
const RUNTIME_DIR = join(FIXTURES, 'runtime');

/** The kernels, in table order: `kernels/<name>.c`. */
export const KERNELS = ['sha256', 'vm', 'buffer', 'nbody', 'qsort', 'syscall', 'threads'] as const;
export type KernelName = (typeof KERNELS)[number];

/** Directory of the committed CloudABI binaries. */
export const CLOUDABI_BIN = join(here, 'bin');

/**
 * Flags added on both targets: sqrt as one instruction (no errno), and no floating-point
 * contraction. C allows a*b+c to be fused; clang then folds constants with a single rounding while
 * gcc rounds twice, and the double-precision checksums would differ between the builds.
 */
const COMMON_FLAGS = ['-fno-math-errno', '-ffp-contract=off'];
/**
 * Native flags: gcc -O2, and no rewriting of our copy loops into libc memcpy calls (clang's
 * -ffreestanding already keeps them as loops on the CloudABI side).
 */
const NATIVE_FLAGS = ['-O2', '-fno-tree-loop-distribute-patterns', '-Wall', '-Werror', '-pthread'];

const CC = process.env.CABI_CLANG ?? 'clang-14';
const LD = process.env.CABI_LLD ?? 'ld.lld-14';

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Whether `cmd --version` runs. */
export function hasTool(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function cloudabiCflags(): string[] {
  const flags = FIXTURE_CFLAGS.map((f) =>
    f === '-Iruntime/include' ? `-I${join(RUNTIME_DIR, 'include')}` : f,
  );
  return [...flags, ...COMMON_FLAGS, '-DBENCH_CLOUDABI'];
}

/** Builds every kernel for CloudABI into `dest` (default: the committed `bin/`). */
export function buildCloudabi(dest: string = CLOUDABI_BIN): string[] {
  mkdirSync(dest, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'cabi-bench-'));
  try {
    const cflags = cloudabiCflags();
    const runtime = readdirSync(RUNTIME_DIR)
      .filter((f) => f.endsWith('.c') || f.endsWith('.S'))
      .sort()
      .map((f) => {
        const obj = join(tmp, `rt-${f.replace(/\.[cS]$/, '')}.o`);
        // crt0 runs before TLS (and so the SafeStack pointer) exists, as in fixtures/build.mjs.
        const safe = f === 'crt0.c' ? ['-fno-sanitize=safe-stack', '-fno-stack-protector'] : [];
        run(CC, [...cflags, ...safe, '-c', join(RUNTIME_DIR, f), '-o', obj]);
        return obj;
      });
    const shim = join(tmp, 'shim.o');
    run(CC, [...cflags, '-c', 'shim/cloudabi.c', '-o', shim]);
    const common = join(tmp, 'common.o');
    run(CC, [...cflags, '-c', 'kernels/common.c', '-o', common]);
    for (const name of KERNELS) {
      const obj = join(tmp, `${name}.o`);
      run(CC, [...cflags, '-c', `kernels/${name}.c`, '-o', obj]);
      run(LD, [...FIXTURE_LDFLAGS, '-o', join(dest, name), ...runtime, shim, common, obj]);
    }
    return [...KERNELS];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Builds every kernel natively with gcc into `dest`; returns the paths by kernel name. */
export function buildNative(dest: string): Record<KernelName, string> {
  mkdirSync(dest, { recursive: true });
  const out = {} as Record<KernelName, string>;
  for (const name of KERNELS) {
    const exe = join(dest, name);
    run('gcc', [
      ...NATIVE_FLAGS,
      ...COMMON_FLAGS,
      '-o',
      exe,
      `kernels/${name}.c`,
      'kernels/common.c',
      'shim/native.c',
    ]);
    out[name] = exe;
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (hasTool(CC) && hasTool(LD)) {
    const built = buildCloudabi();
    console.log(`built ${built.length} CloudABI kernels into ${CLOUDABI_BIN}: ${built.join(' ')}`);
  } else {
    console.log(`${CC} or ${LD} not found: keeping the committed CloudABI kernels in ${CLOUDABI_BIN}`);
  }
}
