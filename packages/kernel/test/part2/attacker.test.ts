/**
 * The Node backend against a concurrent attacker: a second host process keeps swapping
 * directories and files inside the granted directory for symlinks that point outside (and
 * renaming directories away and back) while the kernel resolves paths through them. Nothing
 * outside the granted directory may be read or changed, and no backend call may name a
 * directory outside it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errnoName } from '../../src/abi.js';
import { isErr } from '../../src/errors.js';
import { OUTSIDE_SECRET } from '../../src/testing-fs.js';
import { DirectoryFd, FileFd } from '../../src/vfs/objects.js';
import { dispose, linkAt, mkdirAt, openAt, renameAt, statAt, unlinkAt } from '../../src/vfs/ops.js';
import { describeHost, nodeFixture } from './fixtures.js';

const ATTACKER = `
const fs = require('fs');
const [jail, ms] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + ms;
let swaps = 0;
const swap = (real, hidden, target) => {
  try {
    fs.renameSync(real, hidden);
    fs.symlinkSync(target, real);
    fs.unlinkSync(real);
    fs.renameSync(hidden, real);
    swaps++;
  } catch {}
};
while (Date.now() < end) {
  swap(jail + '/d', jail + '/d.hidden', '../outside');
  swap(jail + '/d/sub', jail + '/d/sub.hidden', '../../outside');
  swap(jail + '/d/sub/x', jail + '/d/sub/x.hidden', '../../../outside/secret');
  swap(jail + '/d/sub', jail + '/d.moved', '/');
}
process.stdout.write(String(swaps));
`;

const enc = new TextEncoder();
const dec = new TextDecoder();
const RW = {
  follow: true,
  create: false,
  directory: false,
  exclusive: false,
  truncate: false,
  read: true,
  write: true,
};

describe('Node backend: a concurrent attacker swapping directories and symlinks', () => {
  it('never lets the guest read or change anything outside the granted directory', async () => {
    const fx = nodeFixture();
    try {
      const jail = fx.jail;
      fs.mkdirSync(path.join(jail, 'd/sub'), { recursive: true });
      fs.writeFileSync(path.join(jail, 'd/sub/x'), 'inside');
      const outsideBefore = fx.outside();
      const outsideDir = path.join(fx.base, 'outside');
      const attacker = spawn(process.execPath, ['-e', ATTACKER, jail, '2500'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let swaps = '';
      attacker.stdout.on('data', (d: Buffer) => {
        swaps += d.toString();
      });
      const exited = new Promise<void>((resolve) => attacker.on('exit', () => resolve()));
      // Give the attacker a moment to start, then resolve paths through the contested names
      // for as long as it runs.
      await new Promise((r) => setTimeout(r, 150));
      const answers = new Map<string, number>();
      const count = (what: string): void => {
        answers.set(what, (answers.get(what) ?? 0) + 1);
      };
      const seen: string[] = [];
      const end = Date.now() + 2000;
      let rounds = 0;
      while (Date.now() < end) {
        rounds++;
        for (const follow of [true, false]) {
          const r = await openAt(fx.root, 'd/sub/x', { ...RW, follow });
          if (r instanceof FileFd) {
            const data = await r.pread(100, 0);
            if (!isErr(data)) seen.push(dec.decode(data));
            await r.pwrite(enc.encode('inside'), 0);
            dispose(r);
            count('open ok');
          } else count(`open ${isErr(r) ? errnoName(r.errno) : 'dir'}`);
        }
        const t = await openAt(fx.root, 'd/sub/x', { ...RW, create: true, truncate: true });
        if (t instanceof FileFd) {
          await t.pwrite(enc.encode('inside'), 0);
          dispose(t);
        } else if (t instanceof DirectoryFd) dispose(t);
        const st = await statAt(fx.root, 'd/sub/x', true);
        count(`stat ${isErr(st) ? errnoName(st.errno) : 'ok'}`);
        count(`mkdir ${errnoName(await mkdirAt(fx.root, 'd/sub/new'))}`);
        count(`rmdir ${errnoName(await unlinkAt(fx.root, 'd/sub/new', true))}`);
        count(`rename ${errnoName(await renameAt(fx.root, 'd/sub/x', fx.root, 'd/sub/y'))}`);
        await renameAt(fx.root, 'd/sub/y', fx.root, 'd/sub/x');
        count(`link ${errnoName(await linkAt(fx.root, 'd/sub/x', true, fx.root, 'd/l'))}`);
        await unlinkAt(fx.root, 'd/l', false);
        const listing = await openAt(fx.root, 'd/sub', { ...RW, write: false, directory: true });
        if (listing instanceof DirectoryFd) {
          const entries = await listing.entries(0n);
          if (!isErr(entries)) seen.push(entries.map((e) => e.name).join(','));
          dispose(listing);
        }
      }
      await exited;
      if (process.env.CABI_ATTACK_STATS) console.log(swaps, rounds, Object.fromEntries(answers));
      expect(Number(swaps)).toBeGreaterThan(100);
      expect(rounds).toBeGreaterThan(100);
      // The races were real: the guest met symlinks and missing names along the way.
      const errnos = [...answers.keys()].filter((k) => !k.endsWith('ok') && !k.endsWith('SUCCESS'));
      expect(errnos.length).toBeGreaterThan(0);
      // Nothing outside was named, read or changed.
      expect(fx.violations).toEqual([]);
      expect(seen.some((s) => s.includes(OUTSIDE_SECRET))).toBe(false);
      expect(seen.some((s) => s.includes('secret'))).toBe(false);
      expect(fx.outside()).toBe(outsideBefore);
      expect(describeHost(outsideDir)).toBe(outsideBefore);
      expect(fs.readFileSync(path.join(outsideDir, 'secret'), 'utf8')).toBe(OUTSIDE_SECRET);
    } finally {
      fx.dispose();
    }
  }, 30_000);
});
