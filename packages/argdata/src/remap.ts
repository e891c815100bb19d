import { FD_INVALID, FD_MAX_VALID, TAG_FD, TAG_MAP, TAG_SEQ } from './format.js';

/** The result of {@link remapFds}. */
export interface RemapResult {
  /** A copy of the input with fd leaves renumbered; every other byte unchanged. */
  bytes: Uint8Array;
  /** Original descriptors in the order they were numbered: leaf number `i` stands for `fds[i]`. */
  fds: number[];
  /** Number of fd leaves rewritten (valid or not), like `argdata_serialized_length`'s count. */
  fdLeaves: number;
}

/**
 * Renumbers the fd leaves of already encoded argdata the way the reference
 * `argdata_serialize` does for a buffer-backed value (digest §4, example 12):
 * the walk follows the reference iterators, so it is depth-first (map key before
 * value) and stops at the first malformed subfield of a container, leaving the rest
 * of that container's bytes untouched. Fd leaves with a 4-byte payload get the
 * index of their descriptor in `fds` (new descriptors appended on first use);
 * leaves whose number `convert` rejects (negative result; by default numbers above
 * INT32_MAX) become `FF FF FF FF`. Nothing else is validated or modified.
 *
 * @param convert maps a raw number to a descriptor, negative if invalid (the
 *   reference `convert_fd`); the default keeps 0 … INT32_MAX.
 */
export function remapFds(input: Uint8Array, convert?: (raw: number) => number): RemapResult {
  const bytes = new Uint8Array(input); // a copy (Buffer#slice would share memory)
  const fds: number[] = [];
  const numbers = new Map<number, number>();
  let fdLeaves = 0;
  // Each entry is a value's [start, end).
  const work: number[] = [0, bytes.length];
  while (work.length > 0) {
    const end = work.pop()!;
    const start = work.pop()!;
    if (start >= end) continue;
    const tag = bytes[start]!;
    if (tag === TAG_FD) {
      if (end - start !== 5) continue;
      const raw =
        ((bytes[start + 1]! << 24) |
          (bytes[start + 2]! << 16) |
          (bytes[start + 3]! << 8) |
          bytes[start + 4]!) >>>
        0;
      const fd = convert !== undefined ? convert(raw) : raw > FD_MAX_VALID ? -1 : raw;
      let n = FD_INVALID;
      if (fd >= 0) {
        const known = numbers.get(fd);
        if (known === undefined) {
          n = fds.length;
          numbers.set(fd, n);
          fds.push(fd);
        } else {
          n = known;
        }
      }
      fdLeaves++;
      bytes[start + 1] = (n >>> 24) & 0xff;
      bytes[start + 2] = (n >>> 16) & 0xff;
      bytes[start + 3] = (n >>> 8) & 0xff;
      bytes[start + 4] = n & 0xff;
      continue;
    }
    if (tag !== TAG_MAP && tag !== TAG_SEQ) continue;
    // Collect the valid subfields in order (maps: only complete key/value pairs),
    // then push them reversed so the first is processed first.
    const children: number[] = [];
    let pos = start + 1;
    while (pos < end) {
      const first = parseExtent(bytes, pos, end);
      if (first === undefined) break;
      if (tag === TAG_MAP) {
        const second = parseExtent(bytes, first[1], end);
        if (second === undefined) break;
        children.push(first[0], first[1], second[0], second[1]);
        pos = second[1];
      } else {
        children.push(first[0], first[1]);
        pos = first[1];
      }
    }
    for (let i = children.length - 2; i >= 0; i -= 2) work.push(children[i]!, children[i + 1]!);
  }
  return { bytes, fds, fdLeaves };
}

/** [start, end) of the subfield value at `pos`, or undefined if the prefix is malformed. */
function parseExtent(bytes: Uint8Array, pos: number, limit: number): [number, number] | undefined {
  if (pos >= limit || bytes[pos] === 0) return undefined;
  let len = 0;
  for (;;) {
    if (pos >= limit) return undefined;
    const c = bytes[pos++]!;
    if (len > 0x3fffffffffff) return undefined;
    len = len * 128 + (c & 0x7f);
    if (c & 0x80) break;
  }
  if (len > limit - pos) return undefined;
  return [pos, pos + len];
}
