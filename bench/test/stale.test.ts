/** The committed CloudABI kernels in bin/ must match a fresh build of the sources (needs clang-14). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCloudabi, CLOUDABI_BIN, KERNELS } from '../build.js';

const hasToolchain = ['clang-14', 'ld.lld-14'].every(
  (t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0,
);

describe('committed CloudABI kernels', () => {
  it('exist for every kernel and are CloudABI ELF files (EI_OSABI 17)', () => {
    for (const name of KERNELS) {
      const bytes = readFileSync(join(CLOUDABI_BIN, name));
      expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
      expect(bytes[7], name).toBe(17);
    }
  });

  it.runIf(hasToolchain)('are up to date with the sources', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-bench-stale-'));
    try {
      buildCloudabi(dir);
      for (const name of KERNELS) {
        const fresh = readFileSync(join(dir, name));
        const committed = readFileSync(join(CLOUDABI_BIN, name));
        expect(
          Buffer.compare(fresh, committed),
          `bin/${name} is stale: pnpm --filter @cabi/bench build`,
        ).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
