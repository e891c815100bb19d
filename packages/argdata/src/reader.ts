import { ArgdataError } from './errors.js';
import {
  FD_MAX_VALID,
  findInvalidUtf8,
  hexByte,
  TAG_BINARY,
  TAG_BOOL,
  TAG_FD,
  TAG_FLOAT,
  TAG_INT,
  TAG_MAP,
  TAG_SEQ,
  TAG_STR,
  TAG_TIMESTAMP,
} from './format.js';
import type { ArgdataType, ArgdataValue } from './values.js';
import { ArgdataMap, Fd, Timestamp } from './values.js';

/**
 * Integer kinds for {@link ArgdataReader.getInt}, named after the C types the
 * reference getters range-check into (`int8_t` … `uint64_t`).
 */
export type IntKind = 'i8' | 'i16' | 'i32' | 'i64' | 'u8' | 'u16' | 'u32' | 'u64';

/** `getInt` returns a `number` for kinds up to 32 bits and a `bigint` for 64-bit kinds. */
export type IntOf<K extends IntKind> = K extends 'i64' | 'u64' ? bigint : number;

const INT_RANGES: Record<IntKind, readonly [bigint, bigint]> = {
  i8: [-0x80n, 0x7fn],
  i16: [-0x8000n, 0x7fffn],
  i32: [-0x80000000n, 0x7fffffffn],
  i64: [-0x8000000000000000n, 0x7fffffffffffffffn],
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffffffffn],
  u64: [0n, 0xffffffffffffffffn],
};

const TYPE_NAMES: readonly (ArgdataType | undefined)[] = [
  undefined,
  'binary',
  'bool',
  'fd',
  'float',
  'int',
  'map',
  'seq',
  'str',
  'timestamp',
];

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NS_PER_S = 1_000_000_000n;
const INT64_MIN = -0x8000000000000000n;
const INT64_MAX = 0x7fffffffffffffffn;

/** Big-endian two's-complement integer of `bytes[start, end)`, any length; empty is 0. */
function readBigInt(bytes: Uint8Array, start: number, end: number): bigint {
  const len = end - start;
  if (len === 0) return 0n;
  if (len <= 6) {
    let n = bytes[start]!;
    if (n >= 0x80) n -= 0x100;
    for (let i = start + 1; i < end; i++) n = n * 256 + bytes[i]!;
    return BigInt(n);
  }
  let hex = '';
  for (let i = start; i < end; i++) hex += HEX[bytes[i]!]!;
  let v = BigInt(`0x${hex}`);
  if (bytes[start]! >= 0x80) v -= 1n << BigInt(8 * len);
  return v;
}
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Extent of the subfield parsed last by {@link parseSubfield} (module state, to avoid allocating). */
let subStart = 0;
let subEnd = 0;

/**
 * Parses the subfield (length prefix + value) at `pos`, which must be below
 * `limit`, and stores its value's extent in `subStart`/`subEnd`. Returns an
 * `ArgdataError` (EINVAL) saying why the prefix is bad, or undefined. Follows the
 * reference `parse_subfield`: a first byte of 00 is an overlong prefix, the prefix
 * must end before `limit` and fit in a safe integer, and the length must not exceed
 * the bytes that remain.
 */
function parseSubfield(bytes: Uint8Array, pos: number, limit: number): ArgdataError | undefined {
  const at = pos;
  if (bytes[pos] === 0)
    return new ArgdataError('EINVAL', 'overlong subfield length prefix (first byte 00)', at);
  let len = 0;
  for (;;) {
    if (pos >= limit) return new ArgdataError('EINVAL', 'truncated subfield length prefix', at);
    const c = bytes[pos++]!;
    if (len > 0x3fffffffffff) return new ArgdataError('EINVAL', 'oversized subfield length prefix', at);
    len = len * 128 + (c & 0x7f);
    if (c & 0x80) break;
  }
  if (len > limit - pos) {
    return new ArgdataError(
      'EINVAL',
      `subfield length ${len} exceeds the ${limit - pos} bytes left in the container`,
      at,
    );
  }
  subStart = pos;
  subEnd = pos + len;
  return undefined;
}

const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/** The big-endian binary64 at `bytes[p, p + 8)`. */
function readFloat(bytes: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) floatBytes[i] = bytes[p + i]!;
  return floatView.getFloat64(0);
}

/**
 * Iterator over the elements of a seq, from {@link ArgdataReader.seqIterate}.
 * Like the reference `argdata_seq_iterate`, it stops at the first malformed
 * subfield; unlike it, it says so: `error` is then set (and `complete` is false).
 */
export class ArgdataSeqIterator implements IterableIterator<ArgdataReader> {
  /** Why iteration stopped early, if it did. */
  error: ArgdataError | undefined = undefined;
  /** True once the end of the seq was reached without error. */
  complete = false;
  /** Number of elements returned so far. */
  index = 0;
  #pos: number;
  readonly #bytes: Uint8Array;
  readonly #end: number;

  /** @internal */
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#pos = start;
    this.#end = end;
  }

  next(): IteratorResult<ArgdataReader, undefined> {
    if (this.error !== undefined || this.#pos >= this.#end) {
      if (this.error === undefined) this.complete = true;
      return { done: true, value: undefined };
    }
    const err = parseSubfield(this.#bytes, this.#pos, this.#end);
    if (err !== undefined) {
      this.error = err;
      return { done: true, value: undefined };
    }
    this.#pos = subEnd;
    this.index++;
    return { done: false, value: new ArgdataReader(this.#bytes, subStart, subEnd) };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Iterator over the key/value pairs of a map, from {@link ArgdataReader.mapIterate}.
 * Stops at the first malformed subfield or at a key without a value, setting `error`.
 */
export class ArgdataMapIterator implements IterableIterator<[ArgdataReader, ArgdataReader]> {
  /** Why iteration stopped early, if it did. */
  error: ArgdataError | undefined = undefined;
  /** True once the end of the map was reached without error. */
  complete = false;
  /** Number of pairs returned so far. */
  index = 0;
  #pos: number;
  readonly #bytes: Uint8Array;
  readonly #end: number;

  /** @internal */
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#pos = start;
    this.#end = end;
  }

  next(): IteratorResult<[ArgdataReader, ArgdataReader], undefined> {
    if (this.error !== undefined || this.#pos >= this.#end) {
      if (this.error === undefined) this.complete = true;
      return { done: true, value: undefined };
    }
    let err = parseSubfield(this.#bytes, this.#pos, this.#end);
    if (err !== undefined) {
      this.error = err;
      return { done: true, value: undefined };
    }
    const keyStart = subStart;
    const keyEnd = subEnd;
    if (keyEnd >= this.#end) {
      this.error = new ArgdataError('EINVAL', 'map key without a value', keyEnd);
      return { done: true, value: undefined };
    }
    err = parseSubfield(this.#bytes, keyEnd, this.#end);
    if (err !== undefined) {
      this.error = err;
      return { done: true, value: undefined };
    }
    this.#pos = subEnd;
    this.index++;
    return {
      done: false,
      value: [
        new ArgdataReader(this.#bytes, keyStart, keyEnd),
        new ArgdataReader(this.#bytes, subStart, subEnd),
      ],
    };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * A zero-copy view of one argdata value inside a byte array: the bytes
 * `[start, end)` of `bytes`. Nothing is copied or validated up front; each getter
 * checks the part it reads and throws an {@link ArgdataError} with the errno the
 * reference C getter would return and the byte offset of the problem:
 *
 * - wrong type (including null, the empty value) or malformed payload → `EINVAL`
 * - integer or timestamp out of the requested range → `ERANGE`
 * - invalid UTF-8 → `EILSEQ`
 * - an fd leaf that names no descriptor → `EBADF`
 */
export class ArgdataReader {
  /** The underlying buffer (shared, never copied). */
  readonly bytes: Uint8Array;
  /** Offset of this value's tag byte in `bytes`. */
  readonly start: number;
  /** Offset just past this value in `bytes`. */
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (!(start >= 0 && start <= end && end <= bytes.length)) {
      throw new RangeError(
        `ArgdataReader: range [${start}, ${end}) outside a buffer of ${bytes.length} bytes`,
      );
    }
    this.bytes = bytes;
    this.start = start;
    this.end = end;
  }

  /** Size of the value in bytes, tag included. */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * The type named by the tag byte (`'null'` for the empty value), or `undefined`
   * for an unknown tag. Only the tag is looked at; the payload may still be malformed.
   */
  get type(): ArgdataType | undefined {
    if (this.end === this.start) return 'null';
    return TYPE_NAMES[this.bytes[this.start]!];
  }

  /** Whether this is the null value (zero bytes). */
  isNull(): boolean {
    return this.end === this.start;
  }

  /** Checks the tag and returns the payload start. */
  #payload(tag: number, what: string): number {
    if (this.end === this.start) throw new ArgdataError('EINVAL', `expected ${what}, found null`, this.start);
    const t = this.bytes[this.start]!;
    if (t !== tag) {
      const found = TYPE_NAMES[t];
      throw new ArgdataError(
        'EINVAL',
        found === undefined
          ? `expected ${what}, found unknown tag ${hexByte(t)}`
          : `expected ${what}, found ${found}`,
        this.start,
      );
    }
    return this.start + 1;
  }

  /** The payload of a binary value, as a view into the buffer (no copy). */
  getBinary(): Uint8Array {
    const p = this.#payload(TAG_BINARY, 'binary');
    return this.bytes.subarray(p, this.end);
  }

  /** A bool: payload empty (false) or a single 01 byte (true); anything else is EINVAL. */
  getBool(): boolean {
    const p = this.#payload(TAG_BOOL, 'bool');
    const n = this.end - p;
    if (n === 0) return false;
    if (n === 1 && this.bytes[p] === 1) return true;
    throw new ArgdataError('EINVAL', 'malformed bool payload (must be empty or 01)', p);
  }

  /** The raw 32-bit number of an fd leaf, without validity checks. EINVAL unless exactly 4 bytes. */
  getRawFd(): number {
    const p = this.#payload(TAG_FD, 'fd');
    if (this.end - p !== 4)
      throw new ArgdataError('EINVAL', `fd payload of ${this.end - p} bytes (must be 4)`, p);
    const b = this.bytes;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /**
   * The descriptor of an fd leaf. `convert` maps the raw number to a descriptor
   * and returns a negative number for one that does not exist, like the
   * reference `convert_fd`; the default is what a CloudABI process does at startup
   * (the identity, with numbers above INT32_MAX invalid). A negative result is EBADF.
   */
  getFd(convert?: (raw: number) => number): number {
    const raw = this.getRawFd();
    const fd = convert !== undefined ? convert(raw) : raw > FD_MAX_VALID ? -1 : raw;
    if (fd < 0) throw new ArgdataError('EBADF', `fd leaf ${raw} names no file descriptor`, this.start + 1);
    return fd;
  }

  /** A float: exactly 8 bytes of big-endian IEEE-754 binary64. */
  getFloat(): number {
    const p = this.#payload(TAG_FLOAT, 'float');
    if (this.end - p !== 8)
      throw new ArgdataError('EINVAL', `float payload of ${this.end - p} bytes (must be 8)`, p);
    return readFloat(this.bytes, p);
  }

  /**
   * An int, range-checked into `kind` (ERANGE if it does not fit). Mirrors the
   * reference getters: a signed read of more than 8 payload bytes is ERANGE; an
   * unsigned read rejects negative numbers and accepts 9 bytes only with a leading
   * 00. Non-minimal encodings are otherwise accepted.
   */
  getInt<K extends IntKind>(kind: K): IntOf<K> {
    const p = this.#payload(TAG_INT, 'int');
    const n = this.end - p;
    const range = INT_RANGES[kind];
    if (range === undefined) throw new TypeError(`getInt: unknown kind ${String(kind)}`);
    if (kind[0] === 'u') {
      if (n > 0 && this.bytes[p]! >= 0x80) {
        throw new ArgdataError('ERANGE', `negative int read as ${kind}`, p);
      }
      if (n > 9 || (n === 9 && this.bytes[p] !== 0)) {
        throw new ArgdataError('ERANGE', `int of ${n} bytes does not fit ${kind}`, p);
      }
    } else if (n > 8) {
      throw new ArgdataError('ERANGE', `int of ${n} bytes does not fit ${kind}`, p);
    }
    const v = readBigInt(this.bytes, p, this.end);
    if (v < range[0] || v > range[1]) throw new ArgdataError('ERANGE', `int ${v} does not fit ${kind}`, p);
    return (kind === 'i64' || kind === 'u64' ? v : Number(v)) as IntOf<K>;
  }

  /** An int of any size (the format has no limit), as a bigint. */
  getBigInt(): bigint {
    const p = this.#payload(TAG_INT, 'int');
    return readBigInt(this.bytes, p, this.end);
  }

  /**
   * The UTF-8 bytes of a str without its terminating NUL, as a view (no copy).
   * EINVAL if the NUL is missing, EILSEQ if the bytes are not valid UTF-8.
   * Embedded NULs are allowed, as in the reference `argdata_get_str`.
   */
  getStrBytes(): Uint8Array {
    const p = this.#payload(TAG_STR, 'str');
    const n = this.end - p;
    if (n < 1 || this.bytes[this.end - 1] !== 0) {
      throw new ArgdataError('EINVAL', 'str without terminating NUL', this.end - 1);
    }
    const bad = findInvalidUtf8(this.bytes, p, this.end - 1);
    if (bad >= 0) throw new ArgdataError('EILSEQ', 'invalid UTF-8 in str', bad);
    return this.bytes.subarray(p, this.end - 1);
  }

  /** A str as a JS string (see {@link ArgdataReader.getStrBytes} for the checks). */
  getStr(): string {
    const p = this.#payload(TAG_STR, 'str');
    return decodeStr(this.bytes, p, this.end);
  }

  /** Like {@link ArgdataReader.getStr}, but EILSEQ if the string contains NUL (the reference `get_str_c`). */
  getStrC(): string {
    const s = this.getStr();
    const nul = s.indexOf('\0');
    if (nul >= 0) {
      const bytes = this.getStrBytes();
      throw new ArgdataError('EILSEQ', 'str contains NUL', this.start + 1 + bytes.indexOf(0));
    }
    return s;
  }

  /**
   * A timestamp. Like the reference getter: the payload may be at most 12 bytes
   * and the seconds must fit a 64-bit `time_t`; otherwise ERANGE.
   */
  getTimestamp(): Timestamp {
    const p = this.#payload(TAG_TIMESTAMP, 'timestamp');
    if (this.end - p > 12) {
      throw new ArgdataError('ERANGE', `timestamp of ${this.end - p} bytes (at most 12)`, p);
    }
    const ns = readBigInt(this.bytes, p, this.end);
    let sec = ns / NS_PER_S;
    if (ns < 0n && sec * NS_PER_S !== ns) sec -= 1n;
    if (sec < INT64_MIN || sec > INT64_MAX)
      throw new ArgdataError('ERANGE', 'timestamp seconds overflow time_t', p);
    return new Timestamp(ns);
  }

  /** Iterates a map's pairs (EINVAL if this is not a map). See {@link ArgdataMapIterator}. */
  mapIterate(): ArgdataMapIterator {
    const p = this.#payload(TAG_MAP, 'map');
    return new ArgdataMapIterator(this.bytes, p, this.end);
  }

  /** Iterates a seq's elements (EINVAL if this is not a seq). See {@link ArgdataSeqIterator}. */
  seqIterate(): ArgdataSeqIterator {
    const p = this.#payload(TAG_SEQ, 'seq');
    return new ArgdataSeqIterator(this.bytes, p, this.end);
  }

  /** The whole value as a tree of the model; see {@link decode}. */
  toValue(): ArgdataValue {
    return decodeRange(this.bytes, this.start, this.end);
  }
}

/** Reusable code unit arrays for short ASCII strings, one per length. */
const SHORT_CODES: number[][] = Array.from({ length: 25 }, (_, n) => new Array<number>(n).fill(0));

/** Decodes the str payload `bytes[p, end)` (which includes the NUL). */
function decodeStr(bytes: Uint8Array, p: number, end: number): string {
  if (end - p < 1 || bytes[end - 1] !== 0)
    throw new ArgdataError('EINVAL', 'str without terminating NUL', end - 1);
  const last = end - 1;
  const n = last - p;
  if (n <= 24) {
    // Short ASCII strings are the common case in configs; skip TextDecoder's call overhead.
    let ascii = true;
    for (let i = p; i < last; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      const codes = SHORT_CODES[n]!;
      for (let i = 0; i < n; i++) codes[i] = bytes[p + i]!;
      return String.fromCharCode.apply(null, codes);
    }
  }
  try {
    return strictDecoder.decode(bytes.subarray(p, last));
  } catch {
    throw new ArgdataError('EILSEQ', 'invalid UTF-8 in str', findInvalidUtf8(bytes, p, last));
  }
}

/** A container being decoded. */
interface DecodeFrame {
  /** Where the next subfield starts, and where the container ends. */
  pos: number;
  end: number;
  seq: ArgdataValue[] | undefined;
  map: ArgdataMap | undefined;
  /** For maps: the key read, waiting for its value. */
  key: ArgdataValue;
  haveKey: boolean;
}

/** Decodes one leaf (not a map or seq) at `bytes[start, end)`. */
function decodeLeaf(bytes: Uint8Array, start: number, end: number): ArgdataValue {
  const tag = bytes[start]!;
  const p = start + 1;
  const n = end - p;
  switch (tag) {
    case TAG_BINARY:
      // A plain copy even when `bytes` is a Node Buffer, whose slice() would share memory.
      return new Uint8Array(bytes.subarray(p, end));
    case TAG_BOOL:
      if (n === 0) return false;
      if (n === 1 && bytes[p] === 1) return true;
      throw new ArgdataError('EINVAL', 'malformed bool payload (must be empty or 01)', p);
    case TAG_FD:
      if (n !== 4) throw new ArgdataError('EINVAL', `fd payload of ${n} bytes (must be 4)`, p);
      return new Fd(((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0);
    case TAG_FLOAT:
      if (n !== 8) throw new ArgdataError('EINVAL', `float payload of ${n} bytes (must be 8)`, p);
      return readFloat(bytes, p);
    case TAG_INT:
      return readBigInt(bytes, p, end);
    case TAG_STR:
      return decodeStr(bytes, p, end);
    case TAG_TIMESTAMP:
      return new Timestamp(readBigInt(bytes, p, end));
    default:
      throw new ArgdataError('EINVAL', `unknown type tag ${hexByte(tag)}`, start);
  }
}

function decodeRange(bytes: Uint8Array, start: number, end: number): ArgdataValue {
  if (start === end) return null;
  const tag = bytes[start]!;
  if (tag !== TAG_MAP && tag !== TAG_SEQ) return decodeLeaf(bytes, start, end);

  const open = (s: number, e: number, t: number): DecodeFrame => ({
    pos: s + 1,
    end: e,
    seq: t === TAG_SEQ ? [] : undefined,
    map: t === TAG_MAP ? new ArgdataMap() : undefined,
    key: null,
    haveKey: false,
  });
  const root = open(start, end, tag);
  const stack: DecodeFrame[] = [root];
  // Adds a finished child value to the innermost open container.
  const add = (f: DecodeFrame, v: ArgdataValue): void => {
    if (f.seq !== undefined) {
      f.seq.push(v);
    } else if (f.haveKey) {
      f.map!.entries.push([f.key, v]);
      f.haveKey = false;
      f.key = null;
    } else {
      f.key = v;
      f.haveKey = true;
    }
  };

  for (;;) {
    const f = stack[stack.length - 1]!;
    if (f.pos >= f.end) {
      if (f.haveKey) throw new ArgdataError('EINVAL', 'map key without a value', f.end);
      stack.pop();
      const v = (f.seq ?? f.map) as ArgdataValue;
      if (stack.length === 0) return v;
      add(stack[stack.length - 1]!, v);
      continue;
    }
    const err = parseSubfield(bytes, f.pos, f.end);
    if (err !== undefined) throw err;
    const start = subStart;
    const end = subEnd;
    f.pos = end;
    if (start === end) {
      add(f, null);
      continue;
    }
    const t = bytes[start]!;
    if (t === TAG_MAP || t === TAG_SEQ) {
      stack.push(open(start, end, t));
    } else {
      add(f, decodeLeaf(bytes, start, end));
    }
  }
}

/**
 * Decodes argdata into a tree of the model (see {@link ArgdataValue}): maps become
 * {@link ArgdataMap}, seqs arrays, ints bigints of any size, fd leaves {@link Fd}
 * with their raw number. Binary payloads are copied; everything is validated.
 * Unlike the reference iterators, which silently stop at a malformed subfield,
 * decoding throws. Nesting uses an explicit stack, so depth is limited only by
 * the size of the input.
 *
 * @throws {ArgdataError} with the errno and byte offset of the first problem.
 */
export function decode(bytes: Uint8Array): ArgdataValue {
  return decodeRange(bytes, 0, bytes.length);
}
