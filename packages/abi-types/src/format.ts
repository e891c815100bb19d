/**
 * Names for ABI values in traces and error messages: errno names and messages, flag sets as
 * `A|B|0x…`, enum values as their names. Lookups go through tables built once per type.
 */
import { ERRNO_MESSAGES } from './errno-messages.js';
import { TYPES } from './generated/constants.js';
import type { TypeInfo } from './types.js';

interface FlagTable {
  readonly bits: readonly (readonly [bigint, string])[];
}

const enumTables = new Map<string, ReadonlyMap<bigint, string>>();
const flagTables = new Map<string, FlagTable>();

function typeInfo(type: string): TypeInfo {
  const info = TYPES[type];
  if (info === undefined) throw new TypeError(`unknown CloudABI type "${type}"`);
  return info;
}

function enumTable(type: string): ReadonlyMap<bigint, string> {
  let table = enumTables.get(type);
  if (table === undefined) {
    const map = new Map<bigint, string>();
    // First name wins for aliases with equal values (e.g. lock kernel_managed / bogus).
    for (const m of typeInfo(type).members) if (!map.has(BigInt(m.value))) map.set(BigInt(m.value), m.key);
    enumTables.set(type, map);
    table = map;
  }
  return table;
}

function flagTable(type: string): FlagTable {
  let table = flagTables.get(type);
  if (table === undefined) {
    const info = typeInfo(type);
    if (info.kind !== 'flags')
      throw new TypeError(`CloudABI type "${type}" is a ${info.kind}, not a flag set`);
    table = { bits: info.members.map((m) => [BigInt(m.value), m.key] as const) };
    flagTables.set(type, table);
  }
  return table;
}

/** The value as bigint, or undefined for numbers that are not safe integers (shown verbatim). */
function toBig(value: number | bigint): bigint | undefined {
  if (typeof value === 'bigint') return value;
  return Number.isSafeInteger(value) ? BigInt(value) : undefined;
}

/** Name of an errno value (`ENOTCAPABLE`, `SUCCESS`); unknown values are returned as their number. */
export function errnoName(errno: number): string {
  return formatEnum('errno', errno);
}

/** Short explanation of an errno value (`capabilities insufficient`); unknown values get `unknown error N`. */
export function errnoMessage(errno: number): string {
  const big = toBig(errno);
  const name = big === undefined ? undefined : enumTable('errno').get(big);
  const message = name === undefined ? undefined : ERRNO_MESSAGES[name];
  return message ?? `unknown error ${errno}`;
}

/**
 * Name of a value of an enum (or the named constants of an opaque type) given by its spec type
 * name (`formatEnum('filetype', 0x60)` → `REGULAR_FILE`). Values without a name come back as decimal.
 * Throws a TypeError only for a type name the ABI does not have.
 */
export function formatEnum(type: string, value: number | bigint): string {
  const table = enumTable(type);
  const big = toBig(value);
  return (big === undefined ? undefined : table.get(big)) ?? String(value);
}

/**
 * Formats a flag set given by its spec type name: known bits by name joined with `|` in ascending
 * bit order, remaining bits as one hexadecimal number, `0` for no bits
 * (`formatFlags('rights', 0x42n)` → `FD_READ|FD_WRITE`). Negative values are read as 64-bit two's
 * complement; numbers that are not integers are shown as they are. Throws a TypeError only for a
 * type name that is not a flag set.
 */
export function formatFlags(type: string, value: number | bigint): string {
  const table = flagTable(type);
  let rest = toBig(value);
  if (rest === undefined) return String(value);
  if (rest === 0n) return '0';
  if (rest < 0n) rest = BigInt.asUintN(64, rest);
  const parts: string[] = [];
  for (const [bit, key] of table.bits) {
    if (bit !== 0n && (rest & bit) === bit) {
      parts.push(key);
      rest &= ~bit;
    }
  }
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

/** Formats a rights mask (`FD_READ|FD_SEEK|0x20000000000`). */
export function formatRights(rights: bigint): string {
  return formatFlags('rights', rights);
}
