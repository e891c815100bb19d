/**
 * `npx tsx test/differential/approx-exhaustive.ts`: compares x86-core's rcpps/rsqrtps lanes with
 * the host CPU's over all 2^32 binary32 inputs (about a minute natively plus the JavaScript side;
 * approx.test.ts checks every significand of both exponent parities and a sample of the rest in CI).
 * Exits non-zero and prints the first differences if any input differs.
 */
import { rcp32, rsqrt32 } from '../../src/sse/approx.js';
import { hostApprox } from '../../src/sse/approx-probe.js';

const CHUNK = 1 << 24;
let failures = 0;
for (const op of ['rcp', 'rsqrt'] as const) {
  const f = op === 'rcp' ? rcp32 : rsqrt32;
  const started = performance.now();
  for (let start = 0; start < 2 ** 32; start += CHUNK) {
    const host = hostApprox(op, start, CHUNK, 1);
    for (let k = 0; k < CHUNK; k++) {
      const ours = f(start + k) >>> 0;
      if (ours !== host[k] && failures++ < 20)
        process.stdout.write(
          `${op}(0x${(start + k).toString(16)}): host 0x${host[k]!.toString(16)} x86-core 0x${ours.toString(16)}\n`,
        );
    }
  }
  process.stdout.write(`${op}: 2^32 inputs in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(failures === 0 ? 'no differences\n' : `${failures} differences\n`);
process.exit(failures === 0 ? 0 : 1);
