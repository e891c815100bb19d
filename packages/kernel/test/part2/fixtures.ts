import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeBackend } from '../../src/host-node/fs.js';
import { type FsFixture, GuardedBackend, OUTSIDE_SECRET } from '../../src/testing-fs.js';
import { DirectoryFd } from '../../src/vfs/objects.js';

/** Describes a host tree (names, contents, symlink targets, mtimes) for before/after checks. */
export function describeHost(dir: string, prefix = ''): string {
  const lines: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p, { bigint: true });
    if (st.isDirectory()) {
      lines.push(`${prefix}${name}/ m=${st.mtimeNs}`);
      const sub = describeHost(p, `${prefix}${name}/`);
      if (sub) lines.push(sub);
    } else if (st.isSymbolicLink()) {
      lines.push(`${prefix}${name} -> ${fs.readlinkSync(p)}`);
    } else {
      lines.push(`${prefix}${name} ${fs.readFileSync(p, 'utf8')} m=${st.mtimeNs}`);
    }
  }
  return lines.join('\n');
}

/** A fixture over the real file system in a fresh temporary directory. */
export function nodeFixture(): FsFixture & { base: string; jail: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-fs-'));
  const outside = path.join(base, 'outside');
  const jail = path.join(base, 'jail');
  fs.mkdirSync(path.join(outside, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret'), OUTSIDE_SECRET);
  fs.mkdirSync(jail);
  const backend = new NodeBackend();
  const root = backend.openRoot(jail);
  const inside = (d: number): boolean => {
    try {
      const real = fs.readlinkSync(`/proc/self/fd/${d}`);
      return real === jail || real.startsWith(`${jail}/`);
    } catch {
      return false;
    }
  };
  const guarded = new GuardedBackend(backend, inside);
  const dir = new DirectoryFd<number>(guarded, root);
  dir.retain();
  return {
    base,
    jail,
    root: dir,
    outside: () => describeHost(outside),
    violations: guarded.violations,
    dispose: () => {
      dir.release();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
