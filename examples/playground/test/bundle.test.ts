/**
 * Browser bundles of the packages: a Vite (browser-platform) library build of every package's main
 * and browser subpath entries must contain no `node:` module, and the runtime's size is reported
 * (test-results/bundle-size.json).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, resultsDir } from './harness.js';

interface BundleReport {
  /** Modules Vite replaced with its browser stub, with the importer, from its warnings. */
  externalized: string[];
  /** `node:` specifiers left in the output. */
  nodeImports: string[];
  bytes: number;
  gzipBytes: number;
}

/** Runs test/bundle/check.mjs on one entry in a child process. */
function bundle(entry: string): BundleReport {
  const out = execFileSync(process.execPath, [join(ROOT, 'test', 'bundle', 'check.mjs'), entry], {
    cwd: ROOT,
    encoding: 'utf8',
    // A production build, as a page would ship (the test runner's NODE_ENV=test changes Vite's checks).
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return JSON.parse(out) as BundleReport;
}

describe('browser bundles', () => {
  it('notices a node: import (the check works)', () => {
    const control = bundle('node-subpath.ts');
    expect(control.externalized.length + control.nodeImports.length).toBeGreaterThan(0);
  });

  it('every package entry bundles for the browser without node: modules; sizes reported', () => {
    const all = bundle('all-packages.ts');
    expect(all.externalized).toEqual([]);
    expect(all.nodeImports).toEqual([]);
    const runtime = bundle('runtime.ts');
    expect(runtime.externalized).toEqual([]);
    expect(runtime.nodeImports).toEqual([]);
    expect(runtime.gzipBytes).toBeGreaterThan(0);
    const report = {
      allPackages: { bytes: all.bytes, gzipBytes: all.gzipBytes },
      runtime: { bytes: runtime.bytes, gzipBytes: runtime.gzipBytes },
    };
    writeFileSync(join(resultsDir(), 'bundle-size.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `bundle sizes (minified): runtime ${(runtime.bytes / 1024).toFixed(1)} KiB, gzip ${(runtime.gzipBytes / 1024).toFixed(1)} KiB; ` +
        `all packages ${(all.bytes / 1024).toFixed(1)} KiB, gzip ${(all.gzipBytes / 1024).toFixed(1)} KiB`,
    );
  });
});
