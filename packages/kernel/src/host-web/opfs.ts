/**
 * Persistence of in-memory file systems in the Origin Private File System (the browser's per-site
 * storage): save a memory file system under a name, load it back in a later visit. Symbolic links
 * have no OPFS counterpart and are not saved.
 */
import type { MemoryBackend } from '../host-memory/index.js';
import { clearTree, type FileTree, readTree, writeTree } from './tree.js';

/** What {@link saveToOpfs} stored. */
export interface OpfsSaveSummary {
  files: number;
  directories: number;
  bytes: number;
  /** Symbolic links, which OPFS cannot hold. */
  skippedSymlinks: number;
}

/** Thrown when the OPFS is missing (an insecure context, an old browser) or refuses an operation. */
export class OpfsError extends Error {
  override readonly name = 'OpfsError';
}

interface IterableDirectory extends FileSystemDirectoryHandle {
  entries(): AsyncIterable<[string, FileSystemHandle]>;
}

/** Whether this context has an Origin Private File System. */
export function opfsAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
}

/** The OPFS directory that holds saved file systems (created on first use). */
async function storeRoot(name: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  if (!opfsAvailable()) throw new OpfsError('the Origin Private File System is not available here');
  if (name === '' || name.includes('/') || name === '.' || name === '..') {
    throw new OpfsError(`"${name}" is not a valid name for a saved file system`);
  }
  const root = await navigator.storage.getDirectory();
  const store = await root.getDirectoryHandle('cabi-fs', { create: true });
  try {
    return await store.getDirectoryHandle(name, { create });
  } catch (error) {
    if (!create && (error as { name?: string }).name === 'NotFoundError') return undefined;
    throw new OpfsError(`cannot open saved file system "${name}": ${(error as Error).message}`);
  }
}

async function clearDirectory(dir: FileSystemDirectoryHandle): Promise<void> {
  const names: string[] = [];
  for await (const [name] of (dir as IterableDirectory).entries()) names.push(name);
  for (const name of names) await dir.removeEntry(name, { recursive: true });
}

async function saveTree(
  dir: FileSystemDirectoryHandle,
  tree: FileTree,
  summary: OpfsSaveSummary,
): Promise<void> {
  for (const [name, value] of Object.entries(tree)) {
    if (value instanceof Uint8Array || typeof value === 'string') {
      const handle = await dir.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
      summary.files++;
      summary.bytes += bytes.length;
    } else if ('symlink' in value && typeof value.symlink === 'string') {
      summary.skippedSymlinks++;
    } else {
      const sub = await dir.getDirectoryHandle(name, { create: true });
      summary.directories++;
      await saveTree(sub, value as FileTree, summary);
    }
  }
}

async function loadTree(dir: FileSystemDirectoryHandle): Promise<FileTree> {
  const out: FileTree = {};
  for await (const [name, handle] of (dir as IterableDirectory).entries()) {
    if (handle.kind === 'directory') out[name] = await loadTree(handle as FileSystemDirectoryHandle);
    else {
      const file = await (handle as FileSystemFileHandle).getFile();
      out[name] = new Uint8Array(await file.arrayBuffer());
    }
  }
  return out;
}

/** Saves the whole of `fs` under `name`, replacing what was saved there before. */
export async function saveToOpfs(name: string, fs: MemoryBackend): Promise<OpfsSaveSummary> {
  const dir = (await storeRoot(name, true))!;
  const summary: OpfsSaveSummary = { files: 0, directories: 0, bytes: 0, skippedSymlinks: 0 };
  try {
    await clearDirectory(dir);
    await saveTree(dir, readTree(fs.root), summary);
  } catch (error) {
    if (error instanceof OpfsError) throw error;
    throw new OpfsError(`cannot save "${name}": ${(error as Error).message}`);
  }
  return summary;
}

/**
 * Replaces the contents of `fs` with the file system saved under `name`. Returns false (leaving
 * `fs` as it was) when nothing is saved under that name.
 */
export async function loadFromOpfs(name: string, fs: MemoryBackend): Promise<boolean> {
  const dir = await storeRoot(name, false);
  if (!dir) return false;
  const tree = await loadTree(dir);
  clearTree(fs);
  writeTree(fs, tree);
  return true;
}

/** Deletes the file system saved under `name` (nothing happens when there is none). */
export async function removeFromOpfs(name: string): Promise<void> {
  if (!opfsAvailable()) throw new OpfsError('the Origin Private File System is not available here');
  const root = await navigator.storage.getDirectory();
  const store = await root.getDirectoryHandle('cabi-fs', { create: true });
  await store.removeEntry(name, { recursive: true }).catch((error: { name?: string }) => {
    if (error.name !== 'NotFoundError') throw new OpfsError(`cannot remove "${name}"`);
  });
}
