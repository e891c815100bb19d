import { describe, expect, it } from 'vitest';
import { fuzz } from './fuzz.js';

const CALLS = Number(process.env.CABI_FUZZ_CALLS ?? 1_000_000);

describe('syscall fuzzer', () => {
  it(`${CALLS} random syscalls: no host exception, no kernel error`, async () => {
    const t0 = performance.now();
    const report = await fuzz(CALLS, 12345);
    const ms = performance.now() - t0;
    expect(report.calls).toBe(CALLS);
    expect([...new Set(report.kernelErrors)]).toEqual([]);
    // Both successes and many distinct errnos occur: the fuzzer reaches past argument checks.
    expect(report.errnos.get(0) ?? 0).toBeGreaterThan(CALLS / 100);
    expect(report.errnos.size).toBeGreaterThan(8);
    console.log(
      `fuzz: ${CALLS} calls in ${ms.toFixed(0)} ms, ${report.processes} processes, errnos`,
      [...report.errnos].sort((a, b) => b[1] - a[1]).slice(0, 12),
    );
  }, 120_000);
});
