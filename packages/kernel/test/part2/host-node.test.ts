import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errno, Filetype, Rights } from '../../src/abi.js';
import { isErr } from '../../src/errors.js';
import { errnoFromCode, fdFromHostFd, hostRights, openHostPath } from '../../src/host-node/index.js';
import { DirectoryFd, FileFd } from '../../src/vfs/objects.js';
import { dispose } from '../../src/vfs/ops.js';

describe('openHostPath, fdFromHostFd, hostRights', () => {
  it('grants directories and files with their access modes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-host-'));
    try {
      fs.writeFileSync(path.join(dir, 'a'), 'data');
      const d = await openHostPath(dir);
      expect(d).toBeInstanceOf(DirectoryFd);
      expect(hostRights(d).inheriting & Rights.FD_WRITE).toBe(Rights.FD_WRITE);
      dispose(d);
      const ro = await openHostPath(path.join(dir, 'a'));
      expect(ro).toBeInstanceOf(FileFd);
      expect(hostRights(ro).base & Rights.FD_WRITE).toBe(0n);
      expect(hostRights(ro).base & Rights.FD_READ).toBe(Rights.FD_READ);
      expect(await ro.write(new Uint8Array([1]))).toMatchObject({ errno: Errno.EBADF });
      expect(new TextDecoder().decode((await ro.read(10)) as Uint8Array)).toBe('data');
      dispose(ro);
      const rw = await openHostPath(path.join(dir, 'b'), { create: true, truncate: true });
      expect(await rw.write(new TextEncoder().encode('new'))).toBe(3);
      dispose(rw);
      expect(fs.readFileSync(path.join(dir, 'b'), 'utf8')).toBe('new');
      await expect(openHostPath(path.join(dir, 'missing'))).rejects.toThrow(
        `${path.join(dir, 'missing')}: ENOENT`,
      );
      const fd = fs.openSync(path.join(dir, 'a'), 'r');
      fs.readSync(fd, new Uint8Array(2), 0, 2, null);
      const wrapped = fdFromHostFd(fd);
      // It continues from the host fd's offset.
      expect(new TextDecoder().decode((await wrapped.read(10)) as Uint8Array)).toBe('ta');
      expect(wrapped.filetype).toBe(Filetype.REGULAR_FILE);
      expect((wrapped as FileFd).access).toEqual({ read: true, write: false });
      const st = await wrapped.stat();
      expect(!isErr(st) && st.size).toBe(4n);
      dispose(wrapped);
      const dfd = fs.openSync(dir, 'r');
      const wrappedDir = fdFromHostFd(dfd);
      expect(wrappedDir).toBeInstanceOf(DirectoryFd);
      dispose(wrappedDir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('converts host errors through one table (unknown → ENOSYS)', () => {
    expect(errnoFromCode('ENOENT')).toBe(Errno.ENOENT);
    expect(errnoFromCode('EWOULDBLOCK')).toBe(Errno.EAGAIN);
    expect(errnoFromCode('EOPNOTSUPP')).toBe(Errno.ENOTSUP);
    expect(errnoFromCode('ESOMETHINGNEW')).toBe(Errno.ENOSYS);
    expect(errnoFromCode('SUCCESS')).toBe(Errno.ENOSYS);
  });
});
