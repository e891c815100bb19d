/**
 * Trace events as plain data for pages: each system call becomes a {@link WebTraceEvent} with an
 * strace-style line (paths and written bytes quoted from guest memory while the call is fresh),
 * which can cross a worker boundary. A browser-safe counterpart of `cabi trace`'s formatter.
 */
import { errnoMessage, formatValue, syscallByName } from '@cabi/abi-types';
import { PROT_READ } from '@cabi/x86-core';
import type { SyscallTraceEvent } from '../kernel.js';

/** One system call, as structured-clone-safe data. */
export interface WebTraceEvent {
  pid: number;
  tid: number;
  /** Syscall name (`file_open`). */
  name: string;
  /** CloudABI errno (0 on success) and its name (`ENOTCAPABLE`). */
  errno: number;
  errnoName: string;
  /** Host milliseconds the call took (time parked included). */
  durationMs: number;
  /** The whole call as one line: `file_open(3, "../outside", 10, …) = ENOTCAPABLE (…)`. */
  line: string;
}

/** Bytes shown of a string or buffer before `...`. */
const STRING_LIMIT = 48;
const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 34: '\\"', 92: '\\\\' };

function quote(bytes: Uint8Array, total: number): string {
  let out = '"';
  for (const b of bytes.subarray(0, STRING_LIMIT)) {
    out +=
      ESCAPES[b] ??
      (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`);
  }
  return `${out}"${total > STRING_LIMIT ? '...' : ''}`;
}

const num = (v: number | bigint | undefined): number => (typeof v === 'bigint' ? Number(v) : (v ?? 0));

/** The first result of a call (the byte count of a read or write). */
const resultCount = (event: SyscallTraceEvent): number => num(Object.values(event.results)[0]);

/** `[{"data", len}, …]` for an iovec array: at most 4 entries, quoting up to `budget` bytes in all. */
function formatIovecs(
  read: (address: number, length: number) => Uint8Array | undefined,
  address: number,
  count: number,
  budget: number,
): string {
  const shown = Math.min(count, 4);
  const table = read(address, shown * 16);
  if (!table) return `0x${address.toString(16)}`;
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const parts: string[] = [];
  for (let i = 0; i < shown; i++) {
    // cloudabi_iovec_t / cloudabi_ciovec_t: a 64-bit pointer and a 64-bit length (spec §iovec).
    const base = Number(view.getBigUint64(i * 16, true));
    const len = Number(view.getBigUint64(i * 16 + 8, true));
    const take = Math.min(len, budget, STRING_LIMIT);
    const data = take > 0 ? read(base, take) : undefined;
    parts.push(data ? `{${quote(data, Math.min(len, budget))}, ${len}}` : `{0x${base.toString(16)}, ${len}}`);
    budget = Math.max(0, budget - len);
  }
  return `[${parts.join(', ')}${count > shown ? ', ...' : ''}]`;
}

/** Converts a kernel trace event; call it from the tracer callback (guest memory is read then). */
export function webTraceEvent(event: SyscallTraceEvent): WebTraceEvent {
  const memory = event.memory;
  const read = (address: number, length: number): Uint8Array | undefined =>
    length >= 0 && memory.check(address, length, PROT_READ)
      ? memory.u8.slice(address, address + length)
      : undefined;
  const descriptor = syscallByName(event.name);
  const args: string[] = [];
  if (!descriptor) {
    for (const value of Object.values(event.args)) args.push(String(value));
  } else {
    const params = descriptor.registerParams;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const value = event.args[p.name];
      if (value === undefined) continue;
      const next = params[i + 1];
      if (p.part === 'pointer' && next?.part === 'length' && next.param === p.param) {
        const address = num(value);
        const length = num(event.args[next.name]);
        i++;
        if (p.role === 'ciovec-array' || p.role === 'iovec-array') {
          // Written buffers hold data at entry; read buffers only what a successful call stored.
          const budget =
            p.role === 'ciovec-array' ? Number.POSITIVE_INFINITY : event.errno === 0 ? resultCount(event) : 0;
          args.push(formatIovecs(read, address, length, budget), String(length));
          continue;
        }
        const quoted = p.role === 'path' || p.role === 'string' || p.role === 'buffer-in';
        const data = quoted ? read(address, Math.min(length, STRING_LIMIT)) : undefined;
        args.push(
          data ? quote(data, length) : address === 0 ? 'NULL' : `0x${address.toString(16)}`,
          String(length),
        );
        continue;
      }
      args.push(formatValue(p.type, value));
    }
  }
  let result: string;
  if (event.errno !== 0) result = `${event.errnoName} (${errnoMessage(event.errno)})`;
  else {
    const entries = Object.entries(event.results);
    const shown = entries.map(([k, v]) => `${k}=${k === 'mem' || k === 'ptr' ? `0x${v.toString(16)}` : v}`);
    result = shown.length === 0 ? '0' : `0 ${shown.join(' ')}`;
  }
  return {
    pid: event.pid,
    tid: event.tid,
    name: event.name,
    errno: event.errno,
    errnoName: event.errnoName,
    durationMs: event.durationMs,
    line: `${event.name}(${args.join(', ')}) = ${result}${event.legacy ? ' [legacy]' : ''}`,
  };
}

/**
 * A filter over trace events from user text: empty matches everything; otherwise comma-separated
 * words, each matching a syscall name prefix (`file`, `fd_write`) or an errno name (`ENOTCAPABLE`);
 * a leading `!` inverts the whole filter.
 */
export function traceFilter(text: string): (event: WebTraceEvent) => boolean {
  const trimmed = text.trim();
  const negate = trimmed.startsWith('!');
  const words = (negate ? trimmed.slice(1) : trimmed)
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  if (words.length === 0) return () => true;
  const matches = (e: WebTraceEvent) =>
    words.some((w) => e.name.startsWith(w) || (/^E[A-Z0-9]+$/.test(w) && e.errnoName === w));
  return negate ? (e) => !matches(e) : matches;
}
