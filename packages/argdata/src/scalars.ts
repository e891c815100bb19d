/**
 * Scalar resolution for YAML configs: YAML 1.2.2 core schema (§10.3.2) for plain
 * scalars, and the explicit `!!binary` / `!!timestamp` types of the YAML 1.1 type
 * repository. Pure string → value functions, shared by both YAML directions.
 */
import { Timestamp } from './values.js';

const NULL_RE = /^(?:null|Null|NULL|~|)$/;
const TRUE_RE = /^(?:true|True|TRUE)$/;
const FALSE_RE = /^(?:false|False|FALSE)$/;
const INT10_RE = /^[-+]?[0-9]+$/;
const INT8_RE = /^0o[0-7]+$/;
const INT16_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF_RE = /^([-+]?)\.(?:inf|Inf|INF)$/;
const NAN_RE = /^\.(?:nan|NaN|NAN)$/;

/** `null` if `text` is a core-schema null. */
export function isCoreNull(text: string): boolean {
  return NULL_RE.test(text);
}

/** The boolean of a core-schema bool, or undefined. */
export function parseCoreBool(text: string): boolean | undefined {
  if (TRUE_RE.test(text)) return true;
  if (FALSE_RE.test(text)) return false;
  return undefined;
}

/** The integer of a core-schema int (decimal, `0o` octal, `0x` hex; any size), or undefined. */
export function parseCoreInt(text: string): bigint | undefined {
  if (INT10_RE.test(text)) return BigInt(text[0] === '+' ? text.slice(1) : text);
  if (INT8_RE.test(text) || INT16_RE.test(text)) return BigInt(text);
  return undefined;
}

/** The number of a core-schema float (including `.inf`, `-.inf`, `.nan`), or undefined. */
export function parseCoreFloat(text: string): number | undefined {
  if (FLOAT_RE.test(text)) return Number(text);
  const inf = INF_RE.exec(text);
  if (inf !== null) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (NAN_RE.test(text)) return Number.NaN;
  return undefined;
}

/**
 * Resolves an untagged plain scalar like the YAML 1.2 core schema: null, bool,
 * int (as bigint), float (as number), otherwise the string itself.
 */
export function resolvePlain(text: string): null | boolean | bigint | number | string {
  if (isCoreNull(text)) return null;
  const b = parseCoreBool(text);
  if (b !== undefined) return b;
  const i = parseCoreInt(text);
  if (i !== undefined) return i;
  const f = parseCoreFloat(text);
  if (f !== undefined) return f;
  return text;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * Decodes `!!binary` text: standard base64, whitespace (including line breaks)
 * ignored, `=` padding required to a multiple of four characters. Returns an
 * error message for invalid text.
 */
export function decodeBase64(text: string): Uint8Array | string {
  const clean = text.replace(/[ \t\r\n]/g, '');
  if (clean.length % 4 !== 0) return 'base64 length is not a multiple of 4';
  let pad = 0;
  if (clean.endsWith('==')) pad = 2;
  else if (clean.endsWith('=')) pad = 1;
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let acc = 0;
    for (let k = 0; k < 4; k++) {
      const c = clean.charCodeAt(i + k);
      let d: number;
      if (c === 61 /* = */ && i + k >= clean.length - pad) d = 0;
      else d = c < 128 ? B64_INDEX[c]! : -1;
      if (d < 0) return `invalid base64 character ${JSON.stringify(clean[i + k])}`;
      acc = (acc << 6) | d;
    }
    if (o < out.length) out[o++] = (acc >> 16) & 0xff;
    if (o < out.length) out[o++] = (acc >> 8) & 0xff;
    if (o < out.length) out[o++] = acc & 0xff;
  }
  return out;
}

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i]! << 16;
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`;
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`;
  }
  return s;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
function daysFromCivil(y: bigint, m: number, d: number): bigint {
  const yy = m <= 2 ? y - 1n : y;
  const era = (yy >= 0n ? yy : yy - 399n) / 400n;
  const yoe = Number(yy - era * 400n);
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097n + BigInt(doe) - 719468n;
}

/** The inverse of {@link daysFromCivil}. */
function civilFromDays(z: bigint): [bigint, number, number] {
  z += 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = Number(z - era * 146097n);
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [BigInt(yoe) + era * 400n + (m <= 2 ? 1n : 0n), m, d];
}

// YAML 1.1 timestamp, with the year widened to an optional sign and 4+ digits so
// that every argdata timestamp can be written and read back.
const TIMESTAMP_RE =
  /^([-+]?[0-9]{4,})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$/;

const NS_PER_S = 1_000_000_000n;

function daysInMonth(y: bigint, m: number): number {
  if (m === 2) return (y % 4n === 0n && y % 100n !== 0n) || y % 400n === 0n ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses `!!timestamp` text (`YYYY-MM-DD`, or date and time with an optional
 * fraction of a second and `Z`/`±HH[:MM]` offset; no offset means UTC) into
 * nanoseconds. Fractions beyond nanoseconds must be zeros. Returns an error
 * message for invalid text.
 */
export function parseTimestamp(text: string): Timestamp | string {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (m === null) return 'not a timestamp (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM])';
  const year = BigInt(m[1]!);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return `month ${month} out of range`;
  if (day < 1 || day > daysInMonth(year, month)) return `day ${day} out of range`;
  let secs = daysFromCivil(year, month, day) * 86400n;
  let ns = 0n;
  if (m[4] !== undefined) {
    const h = Number(m[4]);
    const min = Number(m[5]);
    const s = Number(m[6]);
    if (h > 23 || min > 59 || s > 60) return 'time of day out of range';
    secs += BigInt(h * 3600 + min * 60 + s);
    const frac = m[7] ?? '';
    if (/[1-9]/.test(frac.slice(9))) return 'fraction of a second finer than nanoseconds';
    ns = BigInt((frac.slice(0, 9) || '0').padEnd(9, '0'));
    const tz = m[8];
    if (tz !== undefined && tz !== 'Z') {
      const sign = tz[0] === '-' ? -1 : 1;
      const body = tz.slice(1).replace(':', '');
      const th = Number(body.length > 2 ? body.slice(0, body.length - 2) : body);
      const tm = body.length > 2 ? Number(body.slice(-2)) : 0;
      if (th > 23 || tm > 59) return 'time zone offset out of range';
      secs -= BigInt(sign * (th * 3600 + tm * 60));
    }
  }
  return new Timestamp(secs * NS_PER_S + ns);
}

/** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` for any timestamp (years beyond 9999 get more digits). */
export function formatTimestamp(t: Timestamp): string {
  let secs = t.ns / NS_PER_S;
  let frac = t.ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  let days = secs / 86400n;
  let sod = Number(secs % 86400n);
  if (sod < 0) {
    sod += 86400;
    days -= 1n;
  }
  const [y, mo, d] = civilFromDays(days);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const year = y < 0n ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  const hh = Math.floor(sod / 3600);
  const mm = Math.floor((sod % 3600) / 60);
  const ss = sod % 60;
  return `${year}-${p2(mo)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(ss)}.${frac.toString().padStart(9, '0')}Z`;
}
