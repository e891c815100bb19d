/**
 * Plain-object snapshots of an in-memory file system: fill a {@link MemoryBackend} from a tree of
 * names and contents, and read one back (for showing it on a page, moving it between a page and a
 * worker, or persisting it).
 */
import { isErr } from '../errors.js';
import {
  type MemoryBackend,
  MemoryDirectory,
  MemoryRegularFile,
  MemorySymlink,
} from '../host-memory/index.js';

/**
 * A directory as a plain object: each name maps to a file's contents (bytes, or text stored as
 * UTF-8), a nested directory, or `{ symlink: target }`.
 */
export interface FileTree {
  [name: string]: FileTree | Uint8Array | string | SymlinkEntry;
}

/** A symbolic link inside a {@link FileTree}. */
export interface SymlinkEntry {
  readonly symlink: string;
}

/** Thrown for a tree that cannot be stored (a bad name, a name used twice with different kinds). */
export class FileTreeError extends Error {
  override readonly name = 'FileTreeError';
}

const isSymlink = (value: unknown): value is SymlinkEntry =>
  typeof value === 'object' &&
  value !== null &&
  !(value instanceof Uint8Array) &&
  typeof (value as { symlink?: unknown }).symlink === 'string' &&
  Object.keys(value).length === 1;

const utf8 = new TextEncoder();

/**
 * Adds `tree` to `dir` (the backend's root by default): directories are created or merged, files
 * are created or replaced, symlinks are created. Throws {@link FileTreeError} when a name is
 * rejected by the backend (for example one containing `/`) or is taken by a different kind.
 */
export function writeTree(backend: MemoryBackend, tree: FileTree, dir: MemoryDirectory = backend.root): void {
  for (const [name, value] of Object.entries(tree)) {
    const where = `"${name}"`;
    if (value instanceof Uint8Array || typeof value === 'string') {
      const file = backend.openFile(dir, name, {
        read: false,
        write: true,
        create: true,
        exclusive: false,
        truncate: true,
      });
      if (isErr(file)) throw new FileTreeError(`cannot create file ${where} (errno ${file.errno})`);
      const bytes = typeof value === 'string' ? utf8.encode(value) : value;
      const written = file.pwrite(bytes, 0);
      file.close();
      if (typeof written !== 'number') throw new FileTreeError(`cannot write file ${where}`);
    } else if (isSymlink(value)) {
      const code = backend.symlink(value.symlink, dir, name);
      if (code !== 0) throw new FileTreeError(`cannot create symlink ${where} (errno ${code})`);
    } else {
      const existing = dir.entries.get(name)?.inode;
      if (!(existing instanceof MemoryDirectory)) {
        const code = backend.mkdir(dir, name);
        if (code !== 0) throw new FileTreeError(`cannot create directory ${where} (errno ${code})`);
      }
      const sub = dir.entries.get(name)!.inode as MemoryDirectory;
      writeTree(backend, value, sub);
    }
  }
}

/** A snapshot of `dir` as a {@link FileTree} (file contents are copies). */
export function readTree(dir: MemoryDirectory): FileTree {
  const out: FileTree = {};
  for (const [name, { inode }] of dir.entries) {
    if (inode instanceof MemoryDirectory) out[name] = readTree(inode);
    else if (inode instanceof MemoryRegularFile) out[name] = inode.data.slice(0, inode.length);
    else if (inode instanceof MemorySymlink) out[name] = { symlink: inode.target };
  }
  return out;
}

/** Removes every entry of `dir` (the backend's root by default), depth first. */
export function clearTree(backend: MemoryBackend, dir: MemoryDirectory = backend.root): void {
  for (const [name, { inode }] of [...dir.entries]) {
    if (inode instanceof MemoryDirectory) clearTree(backend, inode);
    backend.unlink(dir, name, inode instanceof MemoryDirectory);
  }
}

/**
 * Finds the inode at a `/`-separated `path` below `dir` (leading `/` and `.` components are ignored;
 * `..` stops at `dir`, which is the root of what can be reached). Symlinks are not followed: a path
 * through one is not found. Returns undefined when nothing is there.
 */
export function lookupPath(
  dir: MemoryDirectory,
  path: string,
): MemoryDirectory | MemoryRegularFile | MemorySymlink | undefined {
  const stack: MemoryDirectory[] = [dir];
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const here = stack[stack.length - 1]!;
    if (part === '..') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const inode = here.entries.get(part)?.inode;
    if (inode instanceof MemoryDirectory) stack.push(inode);
    else if (inode instanceof MemoryRegularFile || inode instanceof MemorySymlink) {
      return i === parts.length - 1 ? inode : undefined;
    } else return undefined;
  }
  return stack[stack.length - 1];
}
