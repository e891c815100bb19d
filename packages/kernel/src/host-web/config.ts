/**
 * cloudabi-run configs in the browser: the YAML (or JSON) becomes the program's argdata, and each
 * cloudabi-run tag becomes a kernel fd object — `!file` paths name entries of an in-memory file
 * system, `!fd` names the page's standard streams, `!executable` the program itself. It mirrors
 * what `cabi run` does with host files (`@cabi/cli`'s config handling), without Node.
 */
import {
  type ArgdataValue,
  ArgdataYamlError,
  encode,
  Fd,
  type TagRequest,
  yamlToArgdataAsync,
} from '@cabi/argdata';
import { Rights } from '../abi.js';
import { isErr } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import { type MemoryBackend, MemoryDirectory, MemoryRegularFile, memoryHost } from '../host-memory/index.js';
import type { FdSpec } from '../kernel.js';
import { typeRights } from '../rights.js';
import { DirectoryFd, FileFd } from '../vfs/objects.js';
import { lookupPath } from './tree.js';

/** A config that cannot be turned into argdata and fds (a YAML error, a missing file, an unsupported tag). */
export class WebConfigError extends Error {
  override readonly name = 'WebConfigError';
}

/** What the tags of a config can refer to. */
export interface WebConfigContext {
  /** The file system `!file` paths are looked up in (relative to its root). */
  fs: MemoryBackend;
  /** The objects behind `!fd stdin`/`0`, `!fd stdout`/`1` and `!fd stderr`/`2`. */
  stdio: readonly [FdObject, FdObject, FdObject];
  /** The program's bytes, for `!executable`. */
  executable: Uint8Array;
}

/** The encoded argdata and the fds the program starts with (argdata fd i ↔ fds[i]). */
export interface WebConfig {
  argdata: Uint8Array;
  fds: FdSpec[];
  /** The decoded argdata (for display). */
  value: ArgdataValue;
}

const WRITE_RIGHTS = Rights.FD_WRITE | Rights.FD_DATASYNC | Rights.FD_SYNC | Rights.FILE_STAT_FPUT_SIZE;

/** Opens what a `!file` tag names; a mode that writes creates a missing regular file. */
function openFileTag(request: Extract<TagRequest, { tag: 'file' }>, fs: MemoryBackend): FdSpec {
  const write = request.mode !== 'r';
  const slash = request.path.replace(/\/+$/, '').lastIndexOf('/');
  const parent = lookupPath(fs.root, slash < 0 ? '' : request.path.slice(0, slash));
  const name = request.path.slice(slash + 1);
  let node = lookupPath(fs.root, request.path);
  if (node === undefined && write && parent instanceof MemoryDirectory && !['', '.', '..'].includes(name)) {
    const created = fs.openFile(parent, name, {
      read: false,
      write: true,
      create: true,
      exclusive: false,
      truncate: false,
    });
    if (!isErr(created)) created.close();
    node = lookupPath(fs.root, request.path);
  }
  if (node instanceof MemoryDirectory) {
    const object = new DirectoryFd<MemoryDirectory>(fs, node);
    return { object, rights: typeRights(object.filetype) };
  }
  if (node instanceof MemoryRegularFile && parent instanceof MemoryDirectory) {
    const file = fs.openFile(parent, name, {
      read: request.mode !== 'w',
      write,
      create: false,
      exclusive: false,
      truncate: request.mode === 'w',
    });
    if (isErr(file)) throw new WebConfigError(`!file ${request.path}: cannot open (errno ${file.errno})`);
    const object = new FileFd(file, { read: request.mode !== 'w', write });
    const rights = typeRights(object.filetype);
    let base = rights.base;
    if (!write) base &= ~WRITE_RIGHTS;
    if (request.mode === 'w') base &= ~Rights.FD_READ;
    return { object, rights: { base, inheriting: rights.inheriting } };
  }
  if (node === undefined) throw new WebConfigError(`!file ${request.path}: no such file or directory`);
  throw new WebConfigError(`!file ${request.path}: is a symbolic link (give the path it points to)`);
}

/**
 * Builds a program's argdata and fds from a cloudabi-run config. An empty config gives null argdata
 * and no fds. Throws {@link WebConfigError} with the location for a YAML error, a path that does not
 * exist, an `!fd` other than 0–2 or `!socket` (a page has no host sockets to grant).
 */
export async function buildWebConfig(
  text: string | undefined,
  context: WebConfigContext,
  filename = 'config.yaml',
): Promise<WebConfig> {
  const fds: FdSpec[] = [];
  const resolveTag = (request: TagRequest): Fd => {
    switch (request.tag) {
      case 'fd': {
        const object = context.stdio[request.fd];
        if (object === undefined) {
          throw new WebConfigError(`!fd ${request.fd}: only stdin (0), stdout (1) and stderr (2) exist here`);
        }
        fds.push(object);
        break;
      }
      case 'file':
        fds.push(openFileTag(request, context.fs));
        break;
      case 'socket':
        throw new WebConfigError('!socket: a page cannot grant host sockets');
      case 'executable': {
        const fs = memoryHost();
        const handle = fs.openFile(fs.root, 'executable', {
          read: true,
          write: true,
          create: true,
          exclusive: false,
          truncate: false,
        });
        if (isErr(handle)) throw new WebConfigError('!executable: cannot store the program');
        handle.pwrite(context.executable, 0);
        const object = new FileFd(handle, { read: true, write: false });
        const rights = typeRights(object.filetype);
        fds.push({ object, rights: { base: rights.base & ~WRITE_RIGHTS, inheriting: 0n } });
        break;
      }
    }
    return new Fd(fds.length - 1);
  };
  let value: ArgdataValue = null;
  if (text !== undefined && text.trim() !== '') {
    try {
      value = await yamlToArgdataAsync(text, { filename, resolveTag });
    } catch (error) {
      if (error instanceof ArgdataYamlError) throw new WebConfigError(error.message);
      throw error;
    }
  }
  const { bytes, fds: order } = encode(value);
  return { argdata: bytes, fds: order.map((i) => fds[i]!), value };
}
