/**
 * argdata → YAML text for display (`cabi argdata decode`). The output is a
 * cloudabi-run style document (`%TAG ! tag:nuxi.nl,2015:cloudabi/`) that
 * {@link yamlToArgdata} reads back to the same value when fds resolve to their
 * own numbers: ints are plain decimals, floats always have a `.`, an exponent or
 * are `.inf`/`.nan`, strings are quoted whenever they would otherwise read as
 * something else, fds are `!fd N`, binary is `!!binary`, timestamps `!!timestamp`.
 * Written with an explicit stack; collections deeper than a few levels switch to
 * flow style so the text stays linear in the size of the value.
 */
import { encodeBase64, formatTimestamp, resolvePlain } from './scalars.js';
import type { ArgdataValue } from './values.js';
import { ArgdataMap, Fd, Timestamp } from './values.js';

/** Collections nested deeper than this are written in flow style (`[...]`, `{...}`). */
const BLOCK_DEPTH = 24;
/** Longest key written as an implicit `key: value` (YAML allows 1024 characters). */
const MAX_IMPLICIT_KEY = 512;

const PLAIN_RE = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (c) {
      case 0x00:
        out += '\\0';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0b:
        out += '\\v';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x1b:
        out += '\\e';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x85:
        out += '\\N';
        break;
      case 0xa0:
        out += '\\_';
        break;
      case 0x2028:
        out += '\\L';
        break;
      case 0x2029:
        out += '\\P';
        break;
      default:
        // Characters outside YAML's printable set (YAML 1.2.2 §5.1), and the BOM, are escaped.
        if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
        else if (c === 0xfeff || c === 0xfffe || c === 0xffff) out += `\\u${c.toString(16)}`;
        else out += ch;
    }
  }
  return `${out}"`;
}

function strText(s: string): string {
  return PLAIN_RE.test(s) && resolvePlain(s) === s ? s : quote(s);
}

function floatText(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Number.POSITIVE_INFINITY) return '.inf';
  if (x === Number.NEGATIVE_INFINITY) return '-.inf';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Text of a leaf, or undefined for a non-empty map or seq. */
function leafText(v: ArgdataValue): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return floatText(v);
    case 'string':
      return strText(v);
  }
  if (v instanceof Uint8Array) return `!!binary "${encodeBase64(v)}"`;
  if (v instanceof Fd) return `!fd ${v.fd}`;
  if (v instanceof Timestamp) return `!!timestamp "${formatTimestamp(v)}"`;
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (v instanceof ArgdataMap) return v.entries.length === 0 ? '{}' : undefined;
  return undefined;
}

/** Flow-style text of any value (`[a, {k: v}]`), iteratively. */
function flowText(root: ArgdataValue): string {
  const parts: string[] = [];
  // Work items: a value to write, or a literal string.
  const work: (ArgdataValue | { lit: string })[] = [root];
  while (work.length > 0) {
    const item = work.pop()!;
    if (item !== null && typeof item === 'object' && 'lit' in item && !(item instanceof ArgdataMap)) {
      parts.push((item as { lit: string }).lit);
      continue;
    }
    const v = item as ArgdataValue;
    const leaf = leafText(v);
    if (leaf !== undefined) {
      parts.push(leaf);
      continue;
    }
    if (Array.isArray(v)) {
      work.push({ lit: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        work.push(v[i]!);
        if (i > 0) work.push({ lit: ', ' });
      }
      parts.push('[');
    } else {
      const m = v as ArgdataMap;
      work.push({ lit: '}' });
      for (let i = m.entries.length - 1; i >= 0; i--) {
        const [k, val] = m.entries[i]!;
        work.push(val, { lit: ': ' }, k, { lit: '? ' });
        if (i > 0) work.push({ lit: ', ' });
      }
      parts.push('{');
    }
  }
  return parts.join('');
}

type Position = 'top' | 'seqItem' | 'mapValue' | 'mapKey';

interface Frame {
  value: ArgdataValue[] | ArgdataMap;
  indent: string;
  depth: number;
  next: number;
  /** For maps with an explicit key: the value still has to be written. */
  pendingValue: boolean;
  /** Whether the first entry continues the current line (after `- ` or `? `). */
  inline: boolean;
}

/**
 * Formats an argdata value as a YAML document, with the cloudabi `%TAG`
 * directive. Maps are written in order with duplicates kept; keys that are not
 * short scalars use the explicit `? key` form.
 */
export function argdataToYaml(value: ArgdataValue): string {
  const out: string[] = ['%TAG ! tag:nuxi.nl,2015:cloudabi/\n---'];
  const stack: Frame[] = [];

  const write = (v: ArgdataValue, pos: Position, indent: string, depth: number): void => {
    let text = leafText(v);
    if (text === undefined && depth >= BLOCK_DEPTH) text = flowText(v);
    if (text !== undefined) {
      out.push(pos === 'top' || pos === 'mapValue' ? ` ${text}` : text);
      return;
    }
    const childIndent = pos === 'top' ? '' : `${indent}  `;
    stack.push({
      value: v as ArgdataValue[] | ArgdataMap,
      indent: childIndent,
      depth: depth + 1,
      next: 0,
      pendingValue: false,
      inline: pos === 'seqItem' || pos === 'mapKey',
    });
  };

  write(value, 'top', '', 0);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const { value: c, indent } = f;
    if (f.pendingValue) {
      f.pendingValue = false;
      const [, val] = (c as ArgdataMap).entries[f.next - 1]!;
      out.push(`\n${indent}:`);
      write(val, 'mapValue', indent, f.depth);
      continue;
    }
    const count = Array.isArray(c) ? c.length : c.entries.length;
    if (f.next >= count) {
      stack.pop();
      continue;
    }
    const i = f.next++;
    if (!(i === 0 && f.inline)) out.push(`\n${indent}`);
    if (Array.isArray(c)) {
      out.push('- ');
      write(c[i]!, 'seqItem', indent, f.depth);
      continue;
    }
    const [k, val] = c.entries[i]!;
    // Only scalars are written as implicit keys; collections (even empty) use `? key`.
    const keyText = Array.isArray(k) || k instanceof ArgdataMap ? undefined : leafText(k);
    if (keyText !== undefined && keyText.length <= MAX_IMPLICIT_KEY) {
      out.push(`${keyText}:`);
      write(val, 'mapValue', indent, f.depth);
    } else {
      out.push('? ');
      f.pendingValue = true;
      write(k, 'mapKey', indent, f.depth);
    }
  }
  out.push('\n');
  return out.join('');
}
