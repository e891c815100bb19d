import { formatTimestamp } from './scalars.js';

/**
 * The JavaScript value model for argdata. Every argdata type has exactly one
 * representation, so a decoded tree encodes back to the same bytes:
 *
 * | argdata   | JavaScript                                                  |
 * |-----------|-------------------------------------------------------------|
 * | null      | `null` (encoded as zero bytes)                              |
 * | binary    | `Uint8Array`                                                |
 * | bool      | `boolean`                                                   |
 * | fd        | {@link Fd} (the descriptor number, 0 … 2³²−1)               |
 * | float     | `number` (always a float, even when it holds an integer)    |
 * | int       | `bigint` (any size; 64-bit getters range-check)             |
 * | map       | {@link ArgdataMap} (ordered pairs, any key type, duplicates) |
 * | seq       | `Array`                                                     |
 * | str       | `string`                                                    |
 * | timestamp | {@link Timestamp} (nanoseconds since the Unix epoch)         |
 *
 * For convenience {@link encode} also accepts a JS `Map` and plain objects
 * (string keys, insertion order) as maps; {@link decode} always returns
 * {@link ArgdataMap}.
 */
export type ArgdataValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | Fd
  | Timestamp
  | ArgdataMap
  | ArgdataValue[];

/**
 * What {@link encode} accepts: every {@link ArgdataValue}, plus a JS `Map` or a plain
 * object (prototype `Object.prototype` or `null`) as a map, and read-only arrays as
 * sequences. `undefined`, functions, symbols and other objects are rejected.
 */
export type ArgdataInput =
  | ArgdataValue
  | ReadonlyMap<ArgdataInput, ArgdataInput>
  | { readonly [key: string]: ArgdataInput }
  | readonly ArgdataInput[];

/** The names of the nine argdata types plus null, as returned by {@link argdataTypeOf}. */
export type ArgdataType =
  | 'null'
  | 'binary'
  | 'bool'
  | 'fd'
  | 'float'
  | 'int'
  | 'map'
  | 'seq'
  | 'str'
  | 'timestamp';

/**
 * A file descriptor leaf. `fd` is the number stored in the 4-byte payload: when
 * encoding with remapping (the default) it is the caller's descriptor (a host
 * resource id), which {@link encode} renumbers; after decoding it is the raw
 * number found in the buffer.
 */
export class Fd {
  /** The descriptor number, an integer in 0 … 0xFFFFFFFF. */
  readonly fd: number;

  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0xffffffff) {
      throw new RangeError(`Fd: ${fd} is not an integer in 0..4294967295`);
    }
    this.fd = fd;
  }

  toString(): string {
    return `!fd ${this.fd}`;
  }
}

const NS_PER_MS = 1_000_000n;

/**
 * A timestamp leaf: signed nanoseconds since 1970-01-01T00:00:00Z (UTC, no leap
 * seconds), as argdata stores it.
 */
export class Timestamp {
  /** Nanoseconds since the Unix epoch; negative before 1970. */
  readonly ns: bigint;

  constructor(ns: bigint) {
    this.ns = ns;
  }

  /** The timestamp of a JS `Date` (millisecond precision). */
  static fromDate(date: Date): Timestamp {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError('Timestamp.fromDate: invalid Date');
    return new Timestamp(BigInt(ms) * NS_PER_MS);
  }

  /** A JS `Date`, truncated towards negative infinity to whole milliseconds. */
  toDate(): Date {
    let ms = this.ns / NS_PER_MS;
    if (this.ns < 0n && ms * NS_PER_MS !== this.ns) ms -= 1n;
    return new Date(Number(ms));
  }

  /**
   * `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC) with all nine fraction digits, for any
   * value: years before 0000 get a minus sign, years after 9999 more digits.
   */
  toISOString(): string {
    return formatTimestamp(this);
  }

  toString(): string {
    return this.toISOString();
  }
}

/**
 * An argdata map: an ordered list of key/value pairs. Keys may be of any argdata
 * type, order is kept and duplicate keys are allowed, exactly as in the binary
 * format. `get` finds the first pair whose key equals the given one.
 */
export class ArgdataMap implements Iterable<[ArgdataValue, ArgdataValue]> {
  /** The pairs in encoding order. Mutable: push to add a pair. */
  readonly entries: [ArgdataValue, ArgdataValue][];

  constructor(entries?: Iterable<readonly [ArgdataValue, ArgdataValue]>) {
    this.entries = [];
    if (entries !== undefined) for (const [k, v] of entries) this.entries.push([k, v]);
  }

  /** Number of pairs (duplicates counted). */
  get size(): number {
    return this.entries.length;
  }

  /** The value of the first pair whose key is equal (see {@link argdataEquals}) to `key`. */
  get(key: ArgdataValue): ArgdataValue | undefined {
    for (const [k, v] of this.entries) if (argdataEquals(k, key)) return v;
    return undefined;
  }

  /** Whether some pair has a key equal to `key`. */
  has(key: ArgdataValue): boolean {
    for (const [k] of this.entries) if (argdataEquals(k, key)) return true;
    return false;
  }

  /** Appends a pair (even if the key is already present) and returns the map. */
  push(key: ArgdataValue, value: ArgdataValue): this {
    this.entries.push([key, value]);
    return this;
  }

  [Symbol.iterator](): Iterator<[ArgdataValue, ArgdataValue]> {
    return this.entries[Symbol.iterator]();
  }
}

/** The argdata type of a value of the model (see {@link ArgdataValue}). */
export function argdataTypeOf(value: ArgdataValue): ArgdataType {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
  }
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Fd) return 'fd';
  if (value instanceof Timestamp) return 'timestamp';
  if (value instanceof ArgdataMap) return 'map';
  return 'seq';
}

function leafEquals(a: ArgdataValue, b: ArgdataValue): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number')
    return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof Fd && b instanceof Fd) return a.fd === b.fd;
  if (a instanceof Timestamp && b instanceof Timestamp) return a.ns === b.ns;
  return false;
}

/**
 * Structural equality of two values of the model: same types, same leaves
 * (floats compared with `Object.is`, so `-0 ≠ 0` and `NaN = NaN`), maps equal
 * pair by pair in order. Iterative, so arbitrarily deep trees are fine.
 */
export function argdataEquals(a: ArgdataValue, b: ArgdataValue): boolean {
  const stack: ArgdataValue[] = [a, b];
  while (stack.length > 0) {
    const y = stack.pop() as ArgdataValue;
    const x = stack.pop() as ArgdataValue;
    if (x === y) continue;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) stack.push(x[i] as ArgdataValue, y[i] as ArgdataValue);
    } else if (x instanceof ArgdataMap) {
      if (!(y instanceof ArgdataMap) || x.entries.length !== y.entries.length) return false;
      for (let i = 0; i < x.entries.length; i++) {
        const p = x.entries[i]!;
        const q = y.entries[i]!;
        stack.push(p[0], q[0], p[1], q[1]);
      }
    } else if (!leafEquals(x, y)) {
      return false;
    }
  }
  return true;
}
