/**
 * strace/truss-style formatting of kernel trace events: one line per system call with decoded
 * arguments, the result or errno, and optionally the time spent; or a summary table.
 */
import {
  errnoMessage,
  errnoName,
  formatValue,
  type RegisterParam,
  type SyscallDescriptor,
  syscallByName,
} from '@cabi/abi-types';
import type { SyscallTraceEvent } from '@cabi/kernel';

/** Reads guest memory for quoting strings and buffers; returns undefined when unreadable. */
export type MemoryReader = (address: number, length: number) => Uint8Array | undefined;

/** Options of the line formatter. */
export interface TraceFormatOptions {
  /** Longest string or buffer shown, in bytes (strace's -s). */
  stringLimit: number;
  /** Prefix lines with `[pid:tid]`. */
  showThreads: boolean;
  /** Append the time spent in the call. */
  showTime: boolean;
}

/** The syscall families of `-e trace=`, by name prefix. */
export const TRACE_FAMILIES = [
  'clock',
  'condvar',
  'fd',
  'file',
  'lock',
  'mem',
  'poll',
  'proc',
  'random',
  'sock',
  'thread',
];

/**
 * Parses `-e trace=SET` into a predicate over syscall names. SET is a comma-separated list of
 * names or families; a leading `!` inverts it.
 */
export function parseTraceFilter(expression: string | undefined): (name: string) => boolean {
  if (expression === undefined) return () => true;
  const body = expression.startsWith('trace=') ? expression.slice(6) : expression;
  const negate = body.startsWith('!');
  const items = (negate ? body.slice(1) : body).split(',').filter((s) => s !== '');
  if (items.length === 0) throw new Error(`empty trace set in "${expression}"`);
  for (const item of items) {
    if (!TRACE_FAMILIES.includes(item) && syscallByName(item) === undefined) {
      throw new Error(`unknown syscall or family "${item}" in -e ${expression}`);
    }
  }
  const matches = (name: string) =>
    items.some(
      (item) =>
        item === name || (TRACE_FAMILIES.includes(item) && name.startsWith(`${item}_`)) || name === item,
    );
  return negate ? (name) => !matches(name) : matches;
}

const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** Quotes bytes C-style, cut after `limit` bytes with `...`. */
export function quoteBytes(bytes: Uint8Array, limit: number): string {
  let out = '"';
  const n = Math.min(bytes.length, limit);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    out +=
      ESCAPES[b] ??
      (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`);
  }
  out += '"';
  return bytes.length > limit ? `${out}...` : out;
}

const toNumber = (v: number | bigint | undefined): number => (typeof v === 'bigint' ? Number(v) : (v ?? 0));

/** Formats an iovec array: `[{"hello", 5}, ...]`, reading each buffer when `withData`. */
function formatIovecs(
  read: MemoryReader | undefined,
  address: number,
  count: number,
  limit: number,
  withData: boolean,
  budget: number,
): string {
  if (!read) return `0x${address.toString(16)}`;
  const shown = Math.min(count, 8);
  const table = read(address, shown * 16);
  if (!table) return `0x${address.toString(16)}`;
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const parts: string[] = [];
  let left = budget;
  for (let i = 0; i < shown; i++) {
    const base = Number(dv.getBigUint64(i * 16, true));
    const len = Number(dv.getBigUint64(i * 16 + 8, true));
    if (withData && left > 0) {
      const take = Math.min(len, left, limit + 1);
      const data = read(base, take);
      parts.push(data ? `{${quoteBytes(data, limit)}, ${len}}` : `{0x${base.toString(16)}, ${len}}`);
      left -= Math.min(len, take);
    } else parts.push(`{0x${base.toString(16)}, ${len}}`);
  }
  return `[${parts.join(', ')}${count > shown ? ', ...' : ''}]`;
}

/** Formats the arguments of one call. */
export function formatArguments(
  event: SyscallTraceEvent,
  descriptor: SyscallDescriptor | undefined,
  read: MemoryReader | undefined,
  options: TraceFormatOptions,
): string {
  if (!descriptor) return Object.values(event.args).map(String).join(', ');
  const params = descriptor.registerParams;
  const out: string[] = [];
  for (let i = 0; i < params.length; i++) {
    const p: RegisterParam = params[i]!;
    const value = event.args[p.name];
    if (value === undefined) continue;
    const next = params[i + 1];
    const isPair = p.part === 'pointer' && next?.part === 'length' && next.param === p.param;
    if (isPair) {
      const address = toNumber(value);
      const length = toNumber(event.args[next.name]);
      i++;
      if (p.role === 'path' || p.role === 'string' || p.role === 'buffer-in') {
        const data = read?.(address, Math.min(length, options.stringLimit + 1));
        out.push(data ? quoteBytes(data, options.stringLimit) : `0x${address.toString(16)}`);
        out.push(String(length));
      } else if (p.role === 'iovec-array' || p.role === 'ciovec-array') {
        // Output buffers hold data only after a successful call; show what was transferred.
        const withData = p.role === 'ciovec-array' || event.errno === 0;
        const transferred = toNumber(Object.values(event.results)[0]);
        const budget = p.role === 'ciovec-array' ? Number.POSITIVE_INFINITY : transferred;
        out.push(formatIovecs(read, address, length, options.stringLimit, withData, budget));
        out.push(String(length));
      } else if (p.role === 'buffer-out' && event.errno === 0 && read) {
        const used = toNumber(Object.values(event.results)[0] ?? length);
        const data = read(address, Math.min(used, options.stringLimit + 1));
        out.push(data ? quoteBytes(data, options.stringLimit) : `0x${address.toString(16)}`);
        out.push(String(length));
      } else {
        out.push(address === 0 ? 'NULL' : `0x${address.toString(16)}`);
        out.push(String(length));
      }
      continue;
    }
    out.push(formatValue(p.type, value));
  }
  return out.join(', ');
}

/** Formats one syscall event as a trace line (without newline). */
export function formatTraceLine(
  event: SyscallTraceEvent,
  read: MemoryReader | undefined,
  options: TraceFormatOptions,
): string {
  const descriptor = syscallByName(event.name);
  const prefix = options.showThreads ? `[${event.pid}:${event.tid}] ` : '';
  const args = formatArguments(event, descriptor, read, options);
  let result: string;
  if (event.errno !== 0) {
    result = `${errnoName(event.errno)} (${errnoMessage(event.errno)})`;
  } else {
    const entries = Object.entries(event.results);
    result =
      entries.length === 0 ? '0' : `0 ${entries.map(([k, v]) => `${k}=${formatResult(k, v)}`).join(' ')}`;
  }
  const legacy = event.legacy ? ' [legacy]' : '';
  const time = options.showTime ? ` <${(event.durationMs / 1000).toFixed(6)}>` : '';
  return `${prefix}${event.name}(${args}) = ${result}${legacy}${time}`;
}

function formatResult(name: string, value: number | bigint): string {
  if (name === 'mem' || name === 'ptr') return `0x${value.toString(16)}`;
  return String(value);
}

/** Accumulates calls, errors and time per syscall for `-c`. */
export class TraceSummary {
  private readonly rows = new Map<string, { calls: number; errors: number; ms: number }>();

  /** Records one event. */
  add(event: SyscallTraceEvent): void {
    let row = this.rows.get(event.name);
    if (!row) this.rows.set(event.name, (row = { calls: 0, errors: 0, ms: 0 }));
    row.calls++;
    if (event.errno !== 0) row.errors++;
    row.ms += event.durationMs;
  }

  /** The table, sorted by time spent, strace -c style. */
  format(): string {
    const rows = [...this.rows.entries()].sort((a, b) => b[1].ms - a[1].ms || b[1].calls - a[1].calls);
    const total = rows.reduce(
      (t, [, r]) => ({ calls: t.calls + r.calls, errors: t.errors + r.errors, ms: t.ms + r.ms }),
      {
        calls: 0,
        errors: 0,
        ms: 0,
      },
    );
    const pct = (ms: number) => (total.ms > 0 ? ((100 * ms) / total.ms).toFixed(2) : '0.00');
    const line = (c1: string, c2: string, c3: string, c4: string, c5: string, c6: string) =>
      `${c1.padStart(7)} ${c2.padStart(11)} ${c3.padStart(11)} ${c4.padStart(9)} ${c5.padStart(9)} ${c6}`;
    const out = [line('% time', 'seconds', 'usecs/call', 'calls', 'errors', 'syscall')];
    out.push(line('-------', '-----------', '-----------', '---------', '---------', '----------------'));
    for (const [name, r] of rows) {
      out.push(
        line(
          pct(r.ms),
          (r.ms / 1000).toFixed(6),
          String(Math.round((r.ms * 1000) / r.calls)),
          String(r.calls),
          r.errors ? String(r.errors) : '',
          name,
        ),
      );
    }
    out.push(line('-------', '-----------', '-----------', '---------', '---------', '----------------'));
    out.push(
      line(
        '100.00',
        (total.ms / 1000).toFixed(6),
        '',
        String(total.calls),
        String(total.errors || ''),
        'total',
      ),
    );
    return `${out.join('\n')}\n`;
  }
}
