/**
 * `@cabi/kernel/memory`: the in-memory file system backend (runs anywhere, browsers included),
 * the host backend interface for writing other backends, and the file-system fd objects.
 *
 * @packageDocumentation
 */
import { Errno } from './abi.js';
import { err, isErr } from './errors.js';
import { type MemoryBackend, type MemoryDirectory, memoryHost } from './host-memory/index.js';
import type { KernelHost } from './kernel.js';
import { DirectoryFd } from './vfs/objects.js';

export {
  MEMORY_MAX_FILE,
  MemoryBackend,
  MemoryDirectory,
  type MemoryHostOptions,
  MemoryInode,
  MemoryRegularFile,
  MemorySymlink,
  memoryHost,
} from './host-memory/index.js';
export {
  type HostBackend,
  type HostDirEntry,
  type HostFile,
  type HostOpenFlags,
  type TimeUpdate,
  UnsupportedBackend,
} from './vfs/backend.js';
export { type DirEntry, DirectoryFd, FileFd } from './vfs/objects.js';
export {
  dispose,
  linkAt,
  mkdirAt,
  type OpenRequest,
  openAt,
  readlinkAt,
  renameAt,
  statAt,
  symlinkAt,
  unlinkAt,
  utimesAt,
} from './vfs/ops.js';
export { MAX_SYMLINKS, NAME_MAX, PATH_MAX, parsePath, walk } from './vfs/resolve.js';

/**
 * A directory capability over a memory file system, to hand to a guest as an fd: the root of
 * `backend` (a new, empty file system by default) or one of its directories.
 */
export function memoryDirectory(
  backend: MemoryBackend = memoryHost(),
  dir?: MemoryDirectory,
): DirectoryFd<MemoryDirectory> {
  return new DirectoryFd<MemoryDirectory>(backend, dir ?? backend.root);
}

/**
 * A {@link KernelHost} over a memory file system (a new, empty one by default), for
 * `createKernel({ host })`: `kernel.directory(path)` opens `path` beneath the tree's root, one
 * component at a time ("" and "." stay put; ".." is ENOTCAPABLE, as a guest lookup would find it;
 * a symbolic link is ELOOP: name the directory itself).
 */
export function memoryKernelHost(backend: MemoryBackend = memoryHost()): KernelHost<MemoryDirectory> {
  return {
    backend,
    openRoot(path: string) {
      let dir: MemoryDirectory = backend.root;
      for (const name of path.split('/')) {
        if (name === '' || name === '.') continue;
        if (name === '..') return err(Errno.ENOTCAPABLE);
        const next = backend.openDir(dir, name);
        if (isErr(next)) return next;
        dir = next;
      }
      return dir;
    },
  };
}
