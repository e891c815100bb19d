// The generated sources must equal what scripts/generate.ts produces from ../shared/cloudabi. The
// spec lives outside the repository; in CI a copy sits beside the clone, so there the test must run
// (and fail loudly if the spec is missing) rather than skip.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultSpecDir,
  GENERATED_HEADER,
  generate,
  generatedDir,
  LEGACY_SPEC_FILE,
  SPEC_FILE,
} from '../scripts/generate.js';

const specDir = defaultSpecDir();
const specPath = join(specDir, SPEC_FILE);

describe.runIf(existsSync(specPath) || process.env.CI)('generated files', () => {
  it('finds both spec files beside the repository', () => {
    expect(existsSync(specPath)).toBe(true);
    expect(existsSync(join(specDir, LEGACY_SPEC_FILE))).toBe(true);
  });

  it('are identical to a fresh generation (run `pnpm --filter @cabi/abi-types generate` if not)', () => {
    const fresh = generate(specDir);
    const onDisk = readdirSync(generatedDir())
      .filter((f) => f.endsWith('.ts'))
      .sort();
    expect(onDisk).toEqual(Object.keys(fresh).sort());
    for (const [name, text] of Object.entries(fresh)) {
      const committed = readFileSync(join(generatedDir(), name), 'utf8');
      expect(committed === text, `src/generated/${name} differs from the generator output`).toBe(true);
    }
  });

  it('say they are generated', () => {
    for (const name of readdirSync(generatedDir())) {
      expect(readFileSync(join(generatedDir(), name), 'utf8').startsWith(GENERATED_HEADER)).toBe(true);
    }
  });
});
