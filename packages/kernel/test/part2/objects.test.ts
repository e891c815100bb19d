import { describe, expect, it } from 'vitest';
import { Errno, Fdflags } from '../../src/abi.js';
import { MemoryBackend } from '../../src/host-memory/index.js';
import type { HostFile } from '../../src/vfs/backend.js';
import { FileFd } from '../../src/vfs/objects.js';

function counted(): { file: HostFile; calls: string[] } {
  const backend = new MemoryBackend();
  const inner = backend.openFile(backend.root, 'f', {
    read: true,
    write: true,
    create: true,
    exclusive: false,
    truncate: false,
  }) as HostFile;
  const calls: string[] = [];
  const file: HostFile = {
    ...inner,
    pread: (len, off) => inner.pread(len, off),
    pwrite: (d, off) => inner.pwrite(d, off),
    stat: () => inner.stat(),
    truncate: (n) => inner.truncate(n),
    allocate: (o, l) => inner.allocate(o, l),
    utimes: (a, m) => inner.utimes(a, m),
    sync: () => {
      calls.push('sync');
      return Errno.SUCCESS;
    },
    datasync: () => {
      calls.push('datasync');
      return Errno.SUCCESS;
    },
    close: () => inner.close(),
  };
  return { file, calls };
}

describe('FileFd', () => {
  it('SYNC and DSYNC writes reach storage before they complete', async () => {
    const { file, calls } = counted();
    const f = new FileFd(file);
    await f.write(new Uint8Array([1]));
    expect(calls).toEqual([]);
    f.fdflags = Fdflags.DSYNC;
    await f.write(new Uint8Array([2]));
    f.fdflags = Fdflags.SYNC | Fdflags.APPEND;
    await f.write(new Uint8Array([3]));
    await f.pwrite(new Uint8Array([4]), 10);
    expect(calls).toEqual(['datasync', 'sync', 'sync']);
  });

  it('a read-only file refuses writes with EBADF, a write-only one reads', async () => {
    const { file } = counted();
    const ro = new FileFd(file, { read: true, write: false });
    expect(await ro.write(new Uint8Array([1]))).toMatchObject({ errno: Errno.EBADF });
    expect(await ro.pwrite(new Uint8Array([1]), 0)).toMatchObject({ errno: Errno.EBADF });
    expect(await ro.allocate(0, 1)).toBe(Errno.EBADF);
    const wo = new FileFd(file, { read: false, write: true });
    expect(await wo.read(1)).toMatchObject({ errno: Errno.EBADF });
    expect(await wo.seek(-1, 3)).toMatchObject({ errno: Errno.EINVAL });
  });
});
