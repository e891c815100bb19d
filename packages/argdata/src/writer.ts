import { ArgdataError } from './errors.js';
import {
  FD_INVALID,
  FD_MAX_VALID,
  TAG_BINARY,
  TAG_BOOL,
  TAG_FD,
  TAG_FLOAT,
  TAG_INT,
  TAG_MAP,
  TAG_SEQ,
  TAG_STR,
  TAG_TIMESTAMP,
  utf8Length,
} from './format.js';
import type { ArgdataInput } from './values.js';
import { ArgdataMap, Fd, Timestamp } from './values.js';

/** Options of {@link encode}. */
export interface EncodeOptions {
  /**
   * Renumber fd leaves like the reference `argdata_serialize` (default `true`):
   * every distinct descriptor gets the next number 0, 1, 2, … in order of first
   * appearance in a depth-first walk (map key before value), and `fds[i]` is the
   * original descriptor that became number `i`. Fd leaves above 0x7FFFFFFF name no
   * descriptor and are written as `FF FF FF FF` without an entry in `fds`.
   *
   * With `false` the numbers are written unchanged (what cloudabi-run does before
   * handing the data to `cloudabi-reexec`); `fds` still lists the distinct numbers
   * in order of first appearance.
   */
  remapFds?: boolean;
}

/** The result of {@link encode}. */
export interface EncodeResult {
  /** The encoded argdata. Null encodes to an empty array. */
  bytes: Uint8Array;
  /**
   * The descriptors the data refers to, in the order they were numbered: with
   * remapping, fd leaf `i` in `bytes` stands for `fds[i]`, which is exactly the
   * list `proc_exec` expects.
   */
  fds: number[];
}

/** A container being written: its children are emitted last to first. */
interface Frame {
  /** The container itself, for cycle detection and error paths. */
  container: object;
  /** Children in forward order; for maps key, value, key, value, … */
  items: readonly unknown[];
  /** For maps given as pairs: the pairs (items is unused then). */
  pairs: readonly (readonly [unknown, unknown])[] | undefined;
  /** Next child index to emit, counting down; -1 once done. */
  next: number;
  /** Index of the child being emitted (for error paths). */
  cur: number;
  /** `written` when the frame was opened. */
  startWritten: number;
  tag: number;
  /** Whether this container is itself a subfield and needs a length prefix. */
  prefixed: boolean;
  /** Object keys, for error paths of plain objects. */
  keys: readonly string[] | undefined;
}

const textEncoder = new TextEncoder();
const scratch = new DataView(new ArrayBuffer(8));

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Writes argdata back to front into a growing buffer: a container's length is
 * known once its children are written, so its prefix can go in front of them
 * without a second pass. Nesting uses an explicit stack, never JS recursion.
 */
class BackWriter {
  buf: Uint8Array = new Uint8Array(256);
  /** Index of the first written byte; data occupies buf[pos, buf.length). */
  pos = 256;

  get written(): number {
    return this.buf.length - this.pos;
  }

  ensure(n: number): void {
    if (this.pos >= n) return;
    const used = this.written;
    let size = this.buf.length * 2;
    while (size - used < n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.pos), size - used);
    this.buf = next;
    this.pos = size - used;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[--this.pos] = b;
  }

  /** Subfield length prefix: big-endian base-128, high bit set on the last byte. */
  prefix(length: number): void {
    this.ensure(8);
    this.buf[--this.pos] = (length % 128) | 0x80;
    length = Math.floor(length / 128);
    while (length > 0) {
      this.ensure(1);
      this.buf[--this.pos] = length % 128;
      length = Math.floor(length / 128);
    }
  }

  /**
   * Minimal two's-complement big-endian bytes of `v` (no bytes for 0): strip
   * leading 00 (FF) bytes as long as the next byte keeps the sign.
   */
  int(v: bigint): void {
    if (v >= -0x80000000n && v <= 0x7fffffffn) {
      let n = Number(v);
      this.ensure(4);
      while (n !== 0 && n !== -1) {
        this.buf[--this.pos] = n & 0xff;
        n >>= 8;
      }
      // n is now 0 or -1: a sign byte is needed if the top written bit disagrees.
      const top = this.written > 0 ? this.buf[this.pos]! : 0;
      if (n === 0 && v !== 0n && (top & 0x80) !== 0) this.buf[--this.pos] = 0x00;
      else if (n === -1 && (v === -1n || (top & 0x80) === 0)) this.buf[--this.pos] = 0xff;
      return;
    }
    // Large values go through hex text, which is linear in the size of the number
    // (shifting a bigint byte by byte would be quadratic). A negative v is written
    // as the bitwise complement of -v - 1.
    const negative = v < 0n;
    let hex = (negative ? -v - 1n : v).toString(16);
    if (hex.length % 2 !== 0) hex = `0${hex}`;
    const n = hex.length / 2;
    const flip = negative ? 0xff : 0x00;
    this.ensure(n + 1);
    for (let i = n - 1; i >= 0; i--)
      this.buf[--this.pos] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16) ^ flip;
    // Add a sign byte when the top bit does not already say the right thing.
    if ((this.buf[this.pos]! & 0x80) !== (flip & 0x80)) this.buf[--this.pos] = flip;
  }

  str(s: string, path: () => string): void {
    const len = utf8Length(s);
    if (len < 0) {
      throw new ArgdataError(
        'EILSEQ',
        `string at ${path()} has a lone UTF-16 surrogate at index ${-1 - len}`,
      );
    }
    this.ensure(len + 2);
    this.buf[--this.pos] = 0; // terminating NUL, part of the value
    const start = this.pos - len;
    if (len === s.length) {
      for (let i = 0; i < len; i++) this.buf[start + i] = s.charCodeAt(i);
    } else {
      textEncoder.encodeInto(s, this.buf.subarray(start, this.pos));
    }
    this.pos = start;
    this.buf[--this.pos] = TAG_STR;
  }

  float(x: number): void {
    scratch.setFloat64(0, x); // big-endian
    this.ensure(9);
    for (let i = 7; i >= 0; i--) this.buf[--this.pos] = scratch.getUint8(i);
    this.buf[--this.pos] = TAG_FLOAT;
  }

  fd(raw: number): void {
    this.ensure(5);
    this.buf[--this.pos] = raw & 0xff;
    this.buf[--this.pos] = (raw >>> 8) & 0xff;
    this.buf[--this.pos] = (raw >>> 16) & 0xff;
    this.buf[--this.pos] = (raw >>> 24) & 0xff;
    this.buf[--this.pos] = TAG_FD;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && v !== null) return `an object of class ${v.constructor?.name ?? 'unknown'}`;
  return `a ${typeof v}`;
}

function framePath(stack: readonly Frame[]): string {
  let path = '$';
  for (const f of stack) {
    const i = f.cur;
    if (f.tag === TAG_SEQ) {
      path += `[${i}]`;
    } else {
      const pair = i >> 1;
      const key = f.keys?.[pair];
      const base = key !== undefined ? `.${JSON.stringify(key)}` : `{pair ${pair}}`;
      path += (i & 1) === 0 ? `${base}(key)` : base;
    }
  }
  return path;
}

/**
 * Encodes a value of the model (see {@link ArgdataValue}) as argdata.
 *
 * Integers use the minimal two's-complement form, subfields get minimal length
 * prefixes, and fd leaves are renumbered like the reference `argdata_serialize`
 * unless `remapFds: false` is given. Nesting depth is limited only by memory.
 *
 * @throws {ArgdataError} `EINVAL` for a value outside the model (e.g. `undefined`,
 *   a function, a cyclic structure), `EILSEQ` for a string with a lone surrogate.
 *   The message names the path of the offending value, e.g. `$.servers[2]`.
 */
export function encode(value: ArgdataInput, options?: EncodeOptions): EncodeResult {
  const remap = options?.remapFds ?? true;
  const w = new BackWriter();
  const stack: Frame[] = [];
  const active = new Set<object>();
  /** For each fd leaf, `written` after its last payload byte (reverse byte order), and its number. */
  const fdEnds: number[] = [];
  const fdRaw: number[] = [];
  const path = () => framePath(stack);

  const fail = (what: string): never => {
    throw new ArgdataError('EINVAL', `cannot encode ${what} at ${path()}`);
  };

  // Emits one value; containers are opened as frames and finished by the loop below.
  const emit = (v: unknown, prefixed: boolean): void => {
    const before = w.written;
    switch (typeof v) {
      case 'boolean':
        if (v) w.byte(1);
        w.byte(TAG_BOOL);
        break;
      case 'bigint':
        w.int(v);
        w.byte(TAG_INT);
        break;
      case 'number':
        w.float(v);
        break;
      case 'string':
        w.str(v, path);
        break;
      case 'object': {
        if (v === null) break; // null is zero bytes
        if (v instanceof Uint8Array) {
          w.ensure(v.length + 1);
          w.pos -= v.length;
          w.buf.set(v, w.pos);
          w.buf[--w.pos] = TAG_BINARY;
          break;
        }
        if (v instanceof Fd) {
          w.fd(v.fd);
          fdEnds.push(w.written - 4);
          fdRaw.push(v.fd);
          break;
        }
        if (v instanceof Timestamp) {
          w.int(v.ns);
          w.byte(TAG_TIMESTAMP);
          break;
        }
        if (active.has(v)) fail('a cyclic structure');
        let frame: Frame;
        if (Array.isArray(v)) {
          frame = {
            container: v,
            items: v,
            pairs: undefined,
            next: v.length - 1,
            cur: -1,
            startWritten: before,
            tag: TAG_SEQ,
            prefixed,
            keys: undefined,
          };
        } else if (v instanceof ArgdataMap || v instanceof Map) {
          const pairs: readonly (readonly [unknown, unknown])[] =
            v instanceof ArgdataMap ? v.entries : Array.from(v as Map<unknown, unknown>);
          frame = {
            container: v,
            items: [],
            pairs,
            next: pairs.length * 2 - 1,
            cur: -1,
            startWritten: before,
            tag: TAG_MAP,
            prefixed,
            keys: undefined,
          };
        } else if (isPlainObject(v)) {
          const keys = Object.keys(v);
          const items: unknown[] = new Array(keys.length * 2);
          for (let i = 0; i < keys.length; i++) {
            items[2 * i] = keys[i];
            items[2 * i + 1] = v[keys[i]!];
          }
          frame = {
            container: v,
            items,
            pairs: undefined,
            next: items.length - 1,
            cur: -1,
            startWritten: before,
            tag: TAG_MAP,
            prefixed,
            keys,
          };
        } else {
          throw fail(describe(v));
        }
        active.add(v);
        stack.push(frame);
        return;
      }
      default:
        fail(describe(v));
    }
    if (prefixed) w.prefix(w.written - before);
  };

  emit(value, false);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next >= 0) {
      const i = f.next--;
      f.cur = i;
      emit(f.pairs !== undefined ? f.pairs[i >> 1]![i & 1] : f.items[i], true);
      continue;
    }
    stack.pop();
    active.delete(f.container);
    w.byte(f.tag);
    if (f.prefixed) w.prefix(w.written - f.startWritten);
  }

  // An exact-size copy, so `bytes.buffer` holds exactly the encoding.
  const bytes = w.buf.slice(w.pos);
  const total = bytes.length;
  const fds: number[] = [];
  const numbers = new Map<number, number>();
  // fdEnds is in reverse byte order; walk it backwards for first-appearance order.
  for (let k = fdEnds.length - 1; k >= 0; k--) {
    const raw = fdRaw[k]!;
    const at = total - fdEnds[k]!; // offset of the last payload byte
    let n: number;
    if (!remap) {
      if (!numbers.has(raw)) {
        numbers.set(raw, fds.length);
        fds.push(raw);
      }
      continue;
    }
    if (raw > FD_MAX_VALID) {
      n = FD_INVALID;
    } else {
      const known = numbers.get(raw);
      if (known === undefined) {
        n = fds.length;
        numbers.set(raw, n);
        fds.push(raw);
      } else {
        n = known;
      }
    }
    bytes[at - 3] = (n >>> 24) & 0xff;
    bytes[at - 2] = (n >>> 16) & 0xff;
    bytes[at - 1] = (n >>> 8) & 0xff;
    bytes[at] = n & 0xff;
  }
  return { bytes, fds };
}
