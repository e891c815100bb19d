/**
 * Constants and small helpers of the argdata binary format (digest §4).
 *
 * A value is one tag byte followed by its payload; the empty buffer is null.
 * Inside a map or seq every element is a *subfield*: a length prefix followed by
 * that many bytes of value. The prefix is big-endian base-128 where the byte with
 * the high bit set is the last one (the opposite of LEB128).
 */

/** Type tags of the binary format. */
export const TAG_BINARY = 0x01;
export const TAG_BOOL = 0x02;
export const TAG_FD = 0x03;
export const TAG_FLOAT = 0x04;
export const TAG_INT = 0x05;
export const TAG_MAP = 0x06;
export const TAG_SEQ = 0x07;
export const TAG_STR = 0x08;
export const TAG_TIMESTAMP = 0x09;

/** Largest valid fd number after `convert_fd` in a CloudABI process (an `int`, so INT32_MAX). */
export const FD_MAX_VALID = 0x7fffffff;
/** What an fd leaf that names no descriptor is written as when remapping (digest §4). */
export const FD_INVALID = 0xffffffff;

/** Number of bytes the length prefix of a subfield of `length` bytes takes. */
export function prefixSize(length: number): number {
  let n = 1;
  while (length >= 128) {
    length = Math.floor(length / 128);
    n++;
  }
  return n;
}

/** Human-readable hex of a byte, e.g. `0x0a`. */
export function hexByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Offset of the first byte of an invalid UTF-8 sequence in `bytes[start, end)`,
 * or -1 if the range is valid. Rejects what the reference validator rejects:
 * stray continuation bytes, truncated sequences, sequences longer than four bytes,
 * overlong forms, UTF-16 surrogates (U+D800–U+DFFF) and code points above U+10FFFF.
 * NUL bytes are valid.
 */
export function findInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let cp: number;
    let min: number;
    if ((b & 0xe0) === 0xc0) {
      n = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if ((b & 0xf0) === 0xe0) {
      n = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if ((b & 0xf8) === 0xf0) {
      n = 3;
      cp = b & 0x07;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + n >= end) return i; // truncated sequence
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Number of UTF-8 bytes of `s`, or -1 - index if `s` holds a lone UTF-16
 * surrogate at `index` (such a string has no UTF-8 form).
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return -1 - i;
      n += 2; // four bytes for two UTF-16 units
      i++;
    } else {
      n += 2;
    }
  }
  return n;
}
