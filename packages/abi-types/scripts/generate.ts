/**
 * Generates `src/generated/*.ts` from the CloudABI specification kept outside the repository in
 * `<repo root>/../shared/cloudabi/` (`cloudabi.txt` plus `cloudabi-legacy-2016-08.txt` for the
 * 2015–2016 numbering and the items removed later).
 *
 * Usage: `pnpm --filter @cabi/abi-types generate` (or `tsx scripts/generate.ts [spec dir]`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emitAll, HEADER } from './emit.js';
import { buildModel } from './model.js';
import { parseSpec } from './spec-parser.js';

/** Spec file names inside the spec directory. */
export const SPEC_FILE = 'cloudabi.txt';
/** Legacy spec file name (last version with syscall numbers). */
export const LEGACY_SPEC_FILE = 'cloudabi-legacy-2016-08.txt';

/** `<repo root>/../shared/cloudabi`, resolved from this file's location. */
export function defaultSpecDir(): string {
  return fileURLToPath(new URL('../../../../shared/cloudabi/', import.meta.url));
}

/** Directory the generated files are written to. */
export function generatedDir(): string {
  return fileURLToPath(new URL('../src/generated/', import.meta.url));
}

/** Produces the generated sources (file name → contents) from the two spec files. */
export function generate(specDir: string = defaultSpecDir()): Record<string, string> {
  const final = parseSpec(readFileSync(join(specDir, SPEC_FILE), 'utf8'));
  const legacy = parseSpec(readFileSync(join(specDir, LEGACY_SPEC_FILE), 'utf8'));
  return emitAll(buildModel(final, legacy));
}

function main(): void {
  const specDir = process.argv[2] ?? defaultSpecDir();
  const files = generate(specDir);
  const outDir = generatedDir();
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(outDir, name), text);
    process.stdout.write(`wrote src/generated/${name} (${text.length} bytes)\n`);
  }
}

/** Header every generated file starts with. */
export const GENERATED_HEADER = HEADER;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
