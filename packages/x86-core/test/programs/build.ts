/**
 * Builds the compiled-program tests: each C program in src/ is compiled once into an object file
 * with the system compiler, then linked twice: with driver.c into a native executable (run to get
 * the reference output) and with flat.ld into a flat image for the emulator. Both links use the same
 * object code, so any difference in output is a difference in how the instructions executed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), 'src');

/** Load address of the flat image (the linker script's origin). */
export const IMAGE_BASE = 0x400000;

/** A built test program. */
export interface BuiltProgram {
  name: string;
  /** Bytes of the flat image, loaded at {@link IMAGE_BASE}. */
  image: Uint8Array;
  /** End of .bss (exclusive), an absolute address. */
  end: number;
  /** What the program printed natively. */
  expected: Buffer;
}

/** Compiler flags: freestanding, position-independent code without GOT references. */
export const CFLAGS = [
  '-O2',
  '-ffreestanding',
  '-fno-builtin',
  '-fPIE',
  '-fvisibility=hidden',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fcf-protection=none',
  '-fno-tree-loop-distribute-patterns',
];

/** The programs available (C files in src/ other than the runtime and driver). */
export function programNames(): string[] {
  return readdirSync(src)
    .filter((f) => f.endsWith('.c') && f !== 'rt.c' && f !== 'driver.c')
    .map((f) => f.slice(0, -2))
    .sort();
}

function cacheDir(): string {
  const pkgRoot = join(src, '..', '..', '..');
  const root = existsSync(join(pkgRoot, 'node_modules'))
    ? join(pkgRoot, 'node_modules', '.cache', 'cabi-x86-programs')
    : join(tmpdir(), 'cabi-x86-programs');
  mkdirSync(root, { recursive: true });
  return root;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr ?? String(r.error)}`);
}

/** Builds (or reuses from the cache) one program and its native output. */
export function buildProgram(name: string, extraFlags: readonly string[] = []): BuiltProgram {
  const cc = process.env.CC ?? 'cc';
  const hash = createHash('sha256');
  for (const f of [`${name}.c`, 'rt.c', 'rt.h', 'driver.c', 'flat.ld'])
    hash.update(readFileSync(join(src, f)));
  hash.update([cc, ...CFLAGS, ...extraFlags].join(' '));
  const dir = join(cacheDir(), `${name}-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dir, 'done'))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    mkdirSync(tmp, { recursive: true });
    const flags = [...CFLAGS, ...extraFlags];
    run(cc, [...flags, '-c', join(src, `${name}.c`), '-o', join(tmp, 'prog.o')]);
    run(cc, [...flags, '-c', join(src, 'rt.c'), '-o', join(tmp, 'rt.o')]);
    run(cc, ['-o', join(tmp, 'native'), join(src, 'driver.c'), join(tmp, 'prog.o'), join(tmp, 'rt.o')]);
    run('ld', [
      '--no-warn-rwx-segments',
      '-T',
      join(src, 'flat.ld'),
      '-o',
      join(tmp, 'flat.elf'),
      join(tmp, 'prog.o'),
      join(tmp, 'rt.o'),
    ]);
    run('objcopy', ['-O', 'binary', join(tmp, 'flat.elf'), join(tmp, 'flat.bin')]);
    const out = execFileSync(join(tmp, 'native'));
    const nm = execFileSync('nm', [join(tmp, 'flat.elf')], { encoding: 'utf8' });
    const end = /^([0-9a-f]+) \w _end$/m.exec(nm)?.[1];
    if (!end) throw new Error(`no _end symbol in ${name}`);
    writeFileSync(join(tmp, 'end'), end);
    writeFileSync(join(tmp, 'expected'), out);
    writeFileSync(join(tmp, 'done'), '');
    try {
      renameSync(tmp, dir);
    } catch {
      // another worker finished first; its result is identical
    }
  }
  return {
    name,
    image: new Uint8Array(readFileSync(join(dir, 'flat.bin'))),
    end: Number.parseInt(readFileSync(join(dir, 'end'), 'utf8'), 16),
    expected: readFileSync(join(dir, 'expected')),
  };
}
