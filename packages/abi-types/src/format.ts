/**
 * Names for ABI values in traces and error messages: errno names and messages, flag sets as
 * `A|B|0x…`, enum values as their names. Lookups go through tables built once per type.
 */
import { ERRNO_MESSAGES } from './errno-messages.js';
import { TYPES } from './generated/constants.js';
import type { Lookup } from './generated/structs.js';
import type { AbiType, TypeInfo } from './types.js';

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

const MASK: Readonly<Record<number, bigint>> = {
  1: 0xffn,
  2: 0xffffn,
  4: 0xffff_ffffn,
  8: 0xffff_ffff_ffff_ffffn,
};

/**
 * Formats one syscall argument or result held in a register, the way a trace shows it: enums by
 * name, flag sets as `A|B`, pointers in hex (`NULL` for 0), a packed `lookup` as `{fd, flags}`,
 * other scalars in decimal. Narrow types use only the low bits of the register (callers zero-extend;
 * abi-digest §1.1); signed types are shown signed. Memory behind pointers is not read here.
 */
export function formatValue(type: AbiType, value: number | bigint): string {
  const raw = toBig(value);
  if (raw === undefined) return String(value);
  switch (type.kind) {
    case 'pointer':
      return raw === 0n ? 'NULL' : `0x${BigInt.asUintN(64, raw).toString(16)}`;
    case 'struct': {
      if (type.name !== 'lookup') return `0x${BigInt.asUintN(64, raw).toString(16)}`;
      const { fd, flags } = unpackLookup(raw);
      return `{fd: ${fd}, flags: ${formatFlags('lookupflags', flags)}}`;
    }
    case 'enum':
    case 'flags':
    case 'opaque':
    case 'alias':
    case 'int': {
      const bits = raw & (MASK[type.size] ?? MASK[8]!);
      const shown = type.signed ? BigInt.asIntN(type.size * 8, bits) : bits;
      if (type.kind === 'enum') return formatEnum(type.name, shown);
      if (type.kind === 'flags') return formatFlags(type.name, shown);
      return shown.toString();
    }
    default:
      return `0x${BigInt.asUintN(64, raw).toString(16)}`;
  }
}

/**
 * Splits a `lookup` passed by value in one 64-bit register: fd in the low and lookup flags in the
 * high 32 bits (abi-digest §1.1, so `LOOKUP_SYMLINK_FOLLOW` is register bit 32).
 */
export function unpackLookup(register: bigint): Lookup {
  const v = BigInt.asUintN(64, register);
  return { fd: Number(v & 0xffff_ffffn), flags: Number(v >> 32n) };
}
