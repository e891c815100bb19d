/**
 * Building a program's argdata from a cloudabi-run config and the convenience flags, opening the
 * host resources that its tags name.
 */
import { basename, resolve as resolvePath } from 'node:path';
import {
  ArgdataMap,
  type ArgdataValue,
  ArgdataYamlError,
  Fd,
  type TagRequest,
  yamlToArgdata,
  yamlToArgdataAsync,
} from '@cabi/argdata';
import type { FdObject } from '@cabi/kernel';
import { CliError, UsageError } from './errors.js';

/** Turns one tag into a kernel fd object (the CLI opens host files, sockets and descriptors). */
export type ResourceOpener = (request: TagRequest) => Promise<FdObject>;

/** Flags of `cabi run` that add entries to a map config. */
export interface ConfigFlags {
  dir?: readonly string[];
  file?: readonly string[];
  stdin?: string;
  stdout?: string;
  stderr?: string;
  arg?: readonly string[];
}

/** The program's argdata plus the objects its fd leaves refer to (leaf value i ↔ objects[i]). */
export interface BuiltConfig {
  value: ArgdataValue;
  objects: FdObject[];
}

/** Whether any flag that builds config entries was given. */
export function hasConfigFlags(flags: ConfigFlags): boolean {
  return Boolean(
    flags.dir?.length ||
      flags.file?.length ||
      flags.stdin ||
      flags.stdout ||
      flags.stderr ||
      flags.arg?.length,
  );
}

/** Splits `PATH=KEY` (KEY optional; defaults to the path's base name). */
function pathAndKey(spec: string, flag: string): [string, string] {
  const eq = spec.lastIndexOf('=');
  const path = eq < 0 ? spec : spec.slice(0, eq);
  const key = eq < 0 ? basename(resolvePath(path)) : spec.slice(eq + 1);
  if (path === '') throw new UsageError(`${flag} needs a host path (${flag} HOSTPATH[=KEY])`);
  if (key === '') throw new UsageError(`${flag} ${spec}: empty key`);
  return [path, key];
}

const location = { line: 0, column: 0 } as const;

/**
 * Builds the argdata for a run. `configText` (YAML or JSON) may be absent; flags add entries to its
 * top-level map. Every tag is opened through `open`, in document order, then flags in the order
 * listed above.
 */
export async function buildConfig(
  configText: string | undefined,
  filename: string,
  flags: ConfigFlags,
  open: ResourceOpener,
): Promise<BuiltConfig> {
  const objects: FdObject[] = [];
  const resolveTag = async (request: TagRequest): Promise<Fd> => {
    objects.push(await open(request));
    return new Fd(objects.length - 1);
  };
  let value: ArgdataValue = null;
  if (configText !== undefined && configText.trim() !== '') {
    try {
      value = await yamlToArgdataAsync(configText, { filename, resolveTag });
    } catch (error) {
      if (error instanceof ArgdataYamlError) throw new CliError(error.message);
      throw error;
    }
  }
  if (!hasConfigFlags(flags)) return { value, objects };

  let map: ArgdataMap;
  if (value === null) map = new ArgdataMap();
  else if (value instanceof ArgdataMap) map = value;
  else throw new UsageError(`${filename}: flags add map entries, but the config's top level is not a map`);

  for (const spec of flags.dir ?? []) {
    const [path, key] = pathAndKey(spec, '--dir');
    map.push(key, await resolveTag({ tag: 'file', path, mode: 'r', value: { path }, ...location }));
  }
  for (const spec of flags.file ?? []) {
    const [path, key] = pathAndKey(spec, '--file');
    map.push(key, await resolveTag({ tag: 'file', path, mode: 'r', value: { path }, ...location }));
  }
  const stdio: [string | undefined, number, 'stdout' | 'stderr' | undefined][] = [
    [flags.stdin, 0, undefined],
    [flags.stdout, 1, 'stdout'],
    [flags.stderr, 2, 'stderr'],
  ];
  for (const [key, fd, name] of stdio) {
    if (key !== undefined) {
      map.push(key, await resolveTag({ tag: 'fd', fd, name, value: name ?? fd, ...location }));
    }
  }
  for (const spec of flags.arg ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--arg ${spec}: expected KEY=VALUE`);
    const text = spec.slice(eq + 1);
    let parsed: ArgdataValue;
    try {
      // An empty VALUE is the empty string, not YAML's null.
      parsed = text === '' ? '' : yamlToArgdata(text);
    } catch {
      parsed = text;
    }
    // A value that YAML reads as a collection ("a: b", "[x]") is meant literally.
    if (parsed instanceof ArgdataMap || Array.isArray(parsed)) parsed = text;
    map.push(spec.slice(0, eq), parsed);
  }
  return { value: map, objects };
}
