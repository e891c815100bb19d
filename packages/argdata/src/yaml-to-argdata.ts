/**
 * cloudabi-run configurations: YAML (or JSON, which is YAML) → argdata.
 *
 * The text is parsed by the `yaml` package into a document with source
 * positions; this module then resolves scalars itself (YAML 1.2 core schema plus
 * `!!binary` and `!!timestamp`, digest §5.2) and hands every cloudabi-run tag
 * (`!fd`, `!file`, `!socket`, `!executable`, digest §5.1) to a caller-supplied
 * callback that turns it into a descriptor. Conversion walks the document with an
 * explicit stack.
 */
import type { Document, ParsedNode, YAMLError, Node as YamlNode } from 'yaml';
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser } from 'yaml';
import { ArgdataYamlError } from './errors.js';
import {
  decodeBase64,
  isCoreNull,
  parseCoreBool,
  parseCoreFloat,
  parseCoreInt,
  parseTimestamp,
  resolvePlain,
} from './scalars.js';
import type { ArgdataValue } from './values.js';
import { ArgdataMap, Fd } from './values.js';

/** The tag prefix cloudabi-run configs bind to `!` with `%TAG ! tag:nuxi.nl,2015:cloudabi/`. */
export const CLOUDABI_TAG_PREFIX = 'tag:nuxi.nl,2015:cloudabi/';
const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';

/**
 * Deepest collection nesting accepted in YAML input. The `yaml` composer recurses
 * on the JS stack, so deeper documents are refused up front with a positioned error.
 */
export const YAML_MAX_DEPTH = 200;

/** Most nodes that alias expansion may add, against "billion laughs" documents. */
const ALIAS_BUDGET = 250_000;

/** Where a tag occurred, 1-based. */
export interface TagLocation {
  line: number;
  column: number;
  /** The file name passed to the converter, if any. */
  filename?: string;
}

/**
 * A socket address of `!socket`: an absolute path is a UNIX socket; otherwise
 * `host:port` or `[ipv6]:port` (the host is not resolved here).
 */
export type SocketAddress = { kind: 'unix'; path: string } | { kind: 'inet'; host: string; port: number };

/**
 * A cloudabi-run tag the caller must turn into a descriptor (a host resource id).
 *
 * - `!fd N` / `!fd stdout` / `!fd stderr`: an already open host descriptor (`fd`
 *   is 1 for stdout, 2 for stderr). There is no `stdin` keyword: write `!fd 0`.
 * - `!file {path, mode?}`: a file to open. `path` is required. `mode` is this
 *   project's extension: `r` (the default, and all cloudabi-run offers), `w` or `rw`;
 *   the callback decides how to honour it. `value` is the whole map.
 * - `!socket {type?, bind | connect}`: `type` is `stream` (default), `dgram` or
 *   `seqpacket`; exactly one of `bind` and `connect`. With `bind` the socket should
 *   also listen (cloudabi-run's C version did `listen(fd, 0)`).
 * - `!executable`: the program being run (any scalar; its text is passed as `value`).
 *
 * `value` is the tagged node's content: the number or keyword of `!fd`, the whole
 * map of `!file` and `!socket`, the text of `!executable`. The converters always set
 * it; it is optional for `!fd` and `!executable` so that callers can build requests
 * of their own (e.g. from command-line flags) from `fd` alone.
 */
export type TagRequest = TagLocation &
  (
    | { tag: 'fd'; fd: number; name: 'stdout' | 'stderr' | undefined; value?: number | 'stdout' | 'stderr' }
    | { tag: 'file'; path: string; mode: 'r' | 'w' | 'rw'; value: Record<string, ArgdataValue> }
    | {
        tag: 'socket';
        type: 'stream' | 'dgram' | 'seqpacket';
        bind: SocketAddress | undefined;
        connect: SocketAddress | undefined;
        value: Record<string, ArgdataValue>;
      }
    | { tag: 'executable'; value?: string }
  );

/** The result of a tag callback: a descriptor number (0 … 2³²−1) or an {@link Fd}. */
export type TagResult = number | Fd;

/** Options of {@link yamlToArgdata}. */
export interface YamlToArgdataOptions {
  /**
   * Turns a cloudabi-run tag into a descriptor. Called once per tagged node in
   * document order (an alias to a tagged node reuses the first result). Without a
   * callback `!fd N` becomes `Fd(N)` (stdout 1, stderr 2) and the other tags are errors.
   * An exception thrown here is rethrown as an {@link ArgdataYamlError} located at
   * the tag, with the original as `cause`.
   */
  resolveTag?: (request: TagRequest) => TagResult;
  /** Name used in error messages (`config.yaml:3:7: ...`). */
  filename?: string;
}

/** Options of {@link yamlToArgdataAsync}: like {@link YamlToArgdataOptions}, but the callback may be async. */
export interface YamlToArgdataAsyncOptions {
  /** As in {@link YamlToArgdataOptions.resolveTag}, awaited one request at a time in document order. */
  resolveTag?: (request: TagRequest) => TagResult | Promise<TagResult>;
  /** Name used in error messages. */
  filename?: string;
}

/** A tag found during conversion, waiting for its descriptor, and where it must go. */
interface Pending {
  request: TagRequest;
  offset: number;
  /** Containers (arrays or map entries) and indices to store the Fd into. */
  sites: [unknown[], number][];
}

interface Parsed {
  pending: Pending[];
  /** Holds the root value when the root itself is a tag. */
  root: unknown[];
  located: (reason: string, offset: number, cause?: unknown) => ArgdataYamlError;
}

function shortTag(tag: string): string {
  if (tag.startsWith(CLOUDABI_TAG_PREFIX)) return `!${tag.slice(CLOUDABI_TAG_PREFIX.length)}`;
  if (tag.startsWith(YAML_TAG_PREFIX)) return `!!${tag.slice(YAML_TAG_PREFIX.length)}`;
  if (tag.startsWith('!')) return tag;
  return `!<${tag}>`;
}

/** Which cloudabi-run tag `tag` names, if any. Local `!fd` etc. (without `%TAG`) are accepted too. */
function cloudabiTag(tag: string): string | undefined {
  let name: string | undefined;
  if (tag.startsWith(CLOUDABI_TAG_PREFIX)) name = tag.slice(CLOUDABI_TAG_PREFIX.length);
  else if (tag.startsWith('!') && !tag.startsWith('!!')) name = tag.slice(1);
  return name === 'fd' || name === 'file' || name === 'socket' || name === 'executable' ? name : undefined;
}

/** Collection nesting check on the CST, which the `yaml` parser builds without recursion. */
function checkDepth(tokens: readonly unknown[], fail: (reason: string, offset: number) => never): void {
  type Tok = {
    type?: string;
    offset?: number;
    value?: unknown;
    items?: { key?: unknown; value?: unknown }[];
  };
  const stack: [Tok, number][] = [];
  for (const t of tokens) stack.push([t as Tok, 0]);
  while (stack.length > 0) {
    const [tok, depth] = stack.pop()!;
    if (tok === null || typeof tok !== 'object') continue;
    if (tok.type === 'document') {
      if (tok.value !== undefined) stack.push([tok.value as Tok, depth]);
      continue;
    }
    if (tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection') {
      const d = depth + 1;
      if (d > YAML_MAX_DEPTH) {
        fail(`collections nested more than ${YAML_MAX_DEPTH} levels deep`, tok.offset ?? 0);
      }
      for (const it of tok.items ?? []) {
        if (it.key !== undefined && it.key !== null) stack.push([it.key as Tok, d]);
        if (it.value !== undefined && it.value !== null) stack.push([it.value as Tok, d]);
      }
    }
  }
}

/**
 * Offsets of all tag tokens in the CST, sorted. Tags sit in the `start`/`sep`
 * property lists of collection items, in documents' `start` and in block scalars'
 * `props`; error messages use them to point at the tag rather than the value.
 */
function collectTagOffsets(tokens: readonly unknown[]): number[] {
  const out: number[] = [];
  const work: unknown[] = [...tokens];
  while (work.length > 0) {
    const t = work.pop();
    if (Array.isArray(t)) {
      for (const x of t) if (x !== null && typeof x === 'object') work.push(x);
      continue;
    }
    if (t === null || typeof t !== 'object') continue;
    const tok = t as Record<string, unknown>;
    if (tok.type === 'tag' && typeof tok.offset === 'number') {
      out.push(tok.offset);
      continue;
    }
    for (const field of ['start', 'sep', 'props', 'end', 'items', 'key', 'value']) {
      const v = tok[field];
      if (v !== null && typeof v === 'object') work.push(v);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * Scalar tags this module resolves itself. Declaring them to the composer as
 * pass-through tags keeps their text as is and spares one warning object each.
 */
const PASS_THROUGH_TAGS = [
  ...['fd', 'file', 'socket', 'executable'].flatMap((n) => [`${CLOUDABI_TAG_PREFIX}${n}`, `!${n}`]),
  ...['int', 'float', 'bool', 'null', 'binary', 'timestamp'].map((n) => `${YAML_TAG_PREFIX}${n}`),
].map((tag) => ({ tag, resolve: (text: string) => text }));

const ADDRESS_RE = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/;

function parseAddress(text: string): SocketAddress | string {
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const m = ADDRESS_RE.exec(text);
  if (m === null)
    return `invalid socket address ${JSON.stringify(text)} (expected /path, host:port or [ipv6]:port)`;
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} out of range`;
  return { kind: 'inet', host: (m[1] ?? m[2])!, port };
}

/** Frame of the conversion walk: a YAML collection and the argdata container being filled. */
interface Frame {
  node: YamlNode;
  items: readonly unknown[];
  next: number;
  out: unknown[] | ArgdataMap;
  /** For maps: the entry whose value comes next. */
  entry: [ArgdataValue, ArgdataValue] | undefined;
  inAlias: boolean;
}

function parseConfig(text: string, filename: string | undefined): Parsed {
  const lines = new LineCounter();
  const located = (reason: string, offset: number, cause?: unknown): ArgdataYamlError => {
    const { line, col } = lines.linePos(Math.max(0, Math.min(offset, text.length)));
    return new ArgdataYamlError(reason, line, col, filename, cause === undefined ? undefined : { cause });
  };
  const fail = (reason: string, offset: number): never => {
    throw located(reason, offset);
  };

  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  checkDepth(tokens, fail);
  const composer = new Composer({
    schema: 'failsafe',
    resolveKnownTags: false,
    uniqueKeys: false,
    prettyErrors: false,
    strict: true,
    customTags: PASS_THROUGH_TAGS,
  });
  const docs: Document.Parsed[] = [];
  try {
    for (const doc of composer.compose(tokens, true, text.length)) docs.push(doc as Document.Parsed);
  } catch (e) {
    if (e instanceof RangeError) fail('document too deeply nested', 0);
    throw e;
  }
  if (docs.length > 1)
    fail('a configuration is a single YAML document; found a second one', docs[1]!.range[0]);
  const doc = docs[0];
  if (doc === undefined) return { pending: [], root: [null], located };
  const firstError: YAMLError | undefined = doc.errors[0];
  if (firstError !== undefined) fail(firstError.message.split('\n')[0]!, firstError.pos[0]);

  const tagOffsets = collectTagOffsets(tokens);
  const tagOffset = (node: YamlNode): number => {
    const start = node.range?.[0] ?? 0;
    let lo = 0;
    let hi = tagOffsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tagOffsets[mid]! <= start)
        lo = mid + 1; // a tag at the node's start is its own
      else hi = mid;
    }
    return lo > 0 ? tagOffsets[lo - 1]! : start;
  };
  const startOf = (node: YamlNode | null | undefined): number => node?.range?.[0] ?? 0;

  const pending: Pending[] = [];
  const pendingByNode = new Map<YamlNode, Pending>();
  const anchors = new Map<string, YamlNode>();
  const onPath = new Set<YamlNode>();
  let aliasBudget = ALIAS_BUDGET;

  /** A scalar node's argdata value, or a Pending for a cloudabi tag. */
  const scalarValue = (node: YamlNode & { value: unknown; type?: string }): ArgdataValue | Pending => {
    const raw = node.value;
    const textValue = typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : String(raw);
    const tag = node.tag;
    const at = () => tagOffset(node);
    if (tag === undefined) {
      return node.type === 'PLAIN' ? resolvePlain(textValue) : textValue;
    }
    if (tag === '!') return textValue; // non-specific tag: a string
    const ctag = cloudabiTag(tag);
    if (ctag !== undefined) return tagRequest(ctag, node, textValue);
    if (tag.startsWith(YAML_TAG_PREFIX)) {
      const name = tag.slice(YAML_TAG_PREFIX.length);
      switch (name) {
        case 'str':
          return textValue;
        case 'null':
          if (isCoreNull(textValue)) return null;
          return fail(`!!null: invalid null ${JSON.stringify(textValue)}`, at());
        case 'bool': {
          const b = parseCoreBool(textValue);
          if (b === undefined) fail(`!!bool: invalid bool ${JSON.stringify(textValue)}`, at());
          return b!;
        }
        case 'int': {
          const i = parseCoreInt(textValue);
          if (i === undefined) fail(`!!int: invalid int ${JSON.stringify(textValue)}`, at());
          return i!;
        }
        case 'float': {
          const f = parseCoreFloat(textValue);
          if (f === undefined) fail(`!!float: invalid float ${JSON.stringify(textValue)}`, at());
          return f!;
        }
        case 'binary': {
          const b = decodeBase64(textValue);
          if (typeof b === 'string') fail(`!!binary: ${b}`, at());
          return b as Uint8Array;
        }
        case 'timestamp': {
          const t = parseTimestamp(textValue);
          if (typeof t === 'string') fail(`!!timestamp: ${t}`, at());
          return t as ArgdataValue;
        }
      }
    }
    return fail(`unknown tag ${shortTag(tag)}`, at());
  };

  /** The flat string-keyed map of a `!file` / `!socket` node, scalars only. */
  const flatMap = (node: YamlNode, name: string): Record<string, ArgdataValue> => {
    if (!isMap(node)) return fail(`!${name} takes a map`, tagOffset(node));
    const out: Record<string, ArgdataValue> = {};
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      if (!isScalar(k)) return fail(`!${name}: keys must be strings`, startOf(k) || startOf(node));
      const key = scalarValue(k);
      if (typeof key !== 'string') return fail(`!${name}: keys must be strings`, startOf(k));
      if (Object.hasOwn(out, key)) return fail(`!${name}: duplicate key ${key}`, startOf(k));
      const v = pair.value as YamlNode | null;
      if (v !== null && !isScalar(v)) return fail(`!${name}: ${key} must be a scalar`, startOf(v));
      const value = v === null ? null : scalarValue(v);
      if (value !== null && typeof value === 'object' && 'request' in value) {
        return fail(`!${name}: ${key} cannot be a tagged descriptor`, startOf(v));
      }
      out[key] = value as ArgdataValue;
    }
    return out;
  };

  const tagRequest = (name: string, node: YamlNode, textValue: string): Pending => {
    const known = pendingByNode.get(node);
    if (known !== undefined) return known;
    const offset = tagOffset(node);
    const { line, col } = lines.linePos(offset);
    const loc: TagLocation = filename === undefined ? { line, column: col } : { line, column: col, filename };
    let request: TagRequest;
    switch (name) {
      case 'fd': {
        if (!isScalar(node)) return fail('!fd takes a descriptor number, stdout or stderr', offset);
        const t = textValue.trim();
        if (t === 'stdout') request = { ...loc, tag: 'fd', fd: 1, name: 'stdout', value: 'stdout' };
        else if (t === 'stderr') request = { ...loc, tag: 'fd', fd: 2, name: 'stderr', value: 'stderr' };
        else if (t === 'stdin') return fail('!fd stdin is not a cloudabi-run keyword; write !fd 0', offset);
        else if (/^[0-9]+$/.test(t) && Number(t) <= 0x7fffffff) {
          request = { ...loc, tag: 'fd', fd: Number(t), name: undefined, value: Number(t) };
        } else {
          return fail(
            `!fd: expected a descriptor number, stdout or stderr, found ${JSON.stringify(t)}`,
            offset,
          );
        }
        break;
      }
      case 'executable':
        if (!isScalar(node)) return fail('!executable takes a scalar (its value is ignored)', offset);
        request = { ...loc, tag: 'executable', value: textValue };
        break;
      case 'file': {
        const value = flatMap(node, 'file');
        for (const k of Object.keys(value)) {
          if (k !== 'path' && k !== 'mode')
            return fail(`!file: unknown key ${k} (allowed: path, mode)`, offset);
        }
        const path = value.path;
        if (typeof path !== 'string' || path === '')
          return fail('!file needs a non-empty string path', offset);
        const mode = value.mode ?? 'r';
        if (mode !== 'r' && mode !== 'w' && mode !== 'rw') {
          return fail(`!file: mode must be r, w or rw, found ${JSON.stringify(mode)}`, offset);
        }
        request = { ...loc, tag: 'file', path, mode, value };
        break;
      }
      default: {
        const value = flatMap(node, 'socket');
        for (const k of Object.keys(value)) {
          if (k !== 'type' && k !== 'bind' && k !== 'connect') {
            return fail(`!socket: unknown key ${k} (allowed: type, bind, connect)`, offset);
          }
        }
        const type = value.type ?? 'stream';
        if (type !== 'stream' && type !== 'dgram' && type !== 'seqpacket') {
          return fail(
            `!socket: type must be stream, dgram or seqpacket, found ${JSON.stringify(type)}`,
            offset,
          );
        }
        if ((value.bind === undefined) === (value.connect === undefined)) {
          return fail('!socket needs exactly one of bind and connect', offset);
        }
        const addrText = value.bind ?? value.connect;
        if (typeof addrText !== 'string') return fail('!socket: the address must be a string', offset);
        const addr = parseAddress(addrText);
        if (typeof addr === 'string') return fail(`!socket: ${addr}`, offset);
        request = {
          ...loc,
          tag: 'socket',
          type,
          bind: value.bind !== undefined ? addr : undefined,
          connect: value.connect !== undefined ? addr : undefined,
          value,
        };
      }
    }
    const p: Pending = { request, offset, sites: [] };
    pending.push(p);
    pendingByNode.set(node, p);
    return p;
  };

  const root: unknown[] = [null];
  const stack: Frame[] = [];

  // Stores a finished child value into its container (or the root slot).
  const store = (v: ArgdataValue | Pending): void => {
    const f = stack[stack.length - 1];
    let holder: unknown[];
    let index: number;
    if (f === undefined) {
      holder = root;
      index = 0;
    } else if (Array.isArray(f.out)) {
      holder = f.out;
      index = f.out.length;
      f.out.push(null);
    } else if (f.entry === undefined) {
      f.entry = [null, null];
      f.out.entries.push(f.entry);
      holder = f.entry;
      index = 0;
    } else {
      holder = f.entry;
      index = 1;
      f.entry = undefined;
    }
    if (v !== null && typeof v === 'object' && 'request' in v && 'sites' in v) {
      (v as Pending).sites.push([holder, index]);
    } else {
      holder[index] = v;
    }
  };

  // Converts one node: leaves are stored at once, collections open a frame.
  const visit = (node: YamlNode | null, inAlias: boolean): void => {
    if (node === null || node === undefined) {
      store(null);
      return;
    }
    if (inAlias && --aliasBudget < 0) fail('aliases expand to too many nodes', startOf(node));
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) fail(`unknown anchor *${node.source}`, startOf(node));
      if (onPath.has(target!)) fail(`alias *${node.source} refers to a node that contains it`, startOf(node));
      visit(target!, true);
      return;
    }
    if (!inAlias && node.anchor !== undefined) anchors.set(node.anchor, node);
    if (isScalar(node)) {
      store(scalarValue(node as YamlNode & { value: unknown }));
      return;
    }
    const tag = node.tag;
    if (tag !== undefined) {
      const ctag = cloudabiTag(tag);
      if (ctag !== undefined) {
        store(tagRequest(ctag, node, ''));
        return;
      }
      const expected = isMap(node) ? 'tag:yaml.org,2002:map' : 'tag:yaml.org,2002:seq';
      if (tag !== expected) fail(`unknown tag ${shortTag(tag)}`, tagOffset(node));
    }
    if (isMap(node)) {
      const out = new ArgdataMap();
      const items: unknown[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) fail('malformed map entry', startOf(node));
        items.push(pair.key ?? null, pair.value ?? null);
      }
      onPath.add(node);
      stack.push({ node, items, next: 0, out, entry: undefined, inAlias });
    } else if (isSeq(node)) {
      onPath.add(node);
      stack.push({ node, items: node.items, next: 0, out: [], entry: undefined, inAlias });
    } else {
      fail('unsupported YAML node', startOf(node));
    }
  };

  visit(doc.contents as ParsedNode | null, false);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next < f.items.length) {
      visit(f.items[f.next++] as YamlNode | null, f.inAlias);
      continue;
    }
    stack.pop();
    onPath.delete(f.node);
    store(f.out as ArgdataValue);
  }
  return { pending, root, located };
}

function defaultResolve(request: TagRequest): TagResult {
  if (request.tag === 'fd') return request.fd;
  throw new Error('needs a resolveTag callback');
}

function place(parsed: Parsed, p: Pending, result: TagResult): void {
  let fd: Fd;
  if (result instanceof Fd) {
    fd = result;
  } else if (typeof result === 'number' && Number.isInteger(result) && result >= 0 && result <= 0xffffffff) {
    fd = new Fd(result);
  } else {
    throw parsed.located(
      `resolveTag returned ${String(result)} for !${p.request.tag}, not a descriptor`,
      p.offset,
    );
  }
  for (const [holder, index] of p.sites) holder[index] = fd;
}

function wrap(parsed: Parsed, p: Pending, e: unknown): ArgdataYamlError {
  if (e instanceof ArgdataYamlError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return parsed.located(`!${p.request.tag}: ${msg}`, p.offset, e);
}

/**
 * Converts a cloudabi-run YAML (or JSON) configuration to an argdata value, ready
 * for {@link encode}.
 *
 * - The document may declare `%TAG ! tag:nuxi.nl,2015:cloudabi/`; `!fd`, `!file`,
 *   `!socket` and `!executable` are passed to `resolveTag` (see {@link TagRequest})
 *   and become {@link Fd} leaves.
 * - Untagged plain scalars resolve as in the YAML 1.2 core schema: null, bool,
 *   int (decimal, `0o`, `0x`; bigint of any size), float (`.inf`, `.nan` included),
 *   otherwise str. Quoted and block scalars are strings. `!!str`, `!!int`,
 *   `!!float`, `!!bool`, `!!null`, `!!binary` (base64) and `!!timestamp` force a type.
 * - Maps keep document order and duplicate keys; anchors and aliases are expanded.
 * - An empty document is null. Nesting deeper than {@link YAML_MAX_DEPTH} is refused.
 *
 * @throws {ArgdataYamlError} for any problem, with 1-based line and column.
 */
export function yamlToArgdata(text: string, options?: YamlToArgdataOptions): ArgdataValue {
  const parsed = parseConfig(text, options?.filename);
  const resolve = options?.resolveTag ?? defaultResolve;
  for (const p of parsed.pending) {
    let result: TagResult;
    try {
      result = resolve(p.request);
    } catch (e) {
      throw wrap(parsed, p, e);
    }
    if (
      typeof result === 'object' &&
      result !== null &&
      typeof (result as { then?: unknown }).then === 'function'
    ) {
      throw parsed.located('resolveTag returned a Promise; use yamlToArgdataAsync', p.offset);
    }
    place(parsed, p, result);
  }
  return parsed.root[0] as ArgdataValue;
}

/**
 * Like {@link yamlToArgdata}, but `resolveTag` may return a Promise (opening
 * files or connecting sockets asynchronously). Requests are resolved one at a
 * time in document order.
 */
export async function yamlToArgdataAsync(
  text: string,
  options?: YamlToArgdataAsyncOptions,
): Promise<ArgdataValue> {
  const parsed = parseConfig(text, options?.filename);
  const resolve = options?.resolveTag ?? defaultResolve;
  for (const p of parsed.pending) {
    let result: TagResult;
    try {
      result = await resolve(p.request);
    } catch (e) {
      throw wrap(parsed, p, e);
    }
    place(parsed, p, result);
  }
  return parsed.root[0] as ArgdataValue;
}
