/**
 * RCPSS/RCPPS and RSQRTSS/RSQRTPS exactly as the reference host CPU (AMD Zen 4) computes them. The
 * SDM (Vol. 2B, RCPSS, RSQRTSS) only bounds the relative error by 1.5 · 2^-12 and fixes the
 * special cases; the bits are implementation-specific. Facts measured on the host over all 2^32
 * single-precision inputs (the check runs again in approx.test.ts and scripts/approx-exhaustive.ts):
 *
 * - The result significand has 12 fraction bits (the low 11 bits are zero) and depends only on the
 *   top 12 fraction bits of the input (for 1/√x also on the parity of the exponent); neither
 *   instruction reads MXCSR (rounding, DAZ, FTZ) or raises exceptions.
 * - Those 12-bit results are piecewise linear: with the input's top 9 fraction bits selecting a
 *   segment s and the next 3 bits an offset j, the result fraction is ⌊(T[s] − D[s]·j) / 16⌋ for a
 *   16-bit T and a 5-bit D per segment. The tables below hold (T << 5 | D) as 3 little-endian bytes
 *   per segment, base64-encoded; the values were fitted to the measured results (the smallest D,
 *   then the smallest T, that reproduces every result of a segment).
 * - Exponents: 1/x of 2^(e−127)·1.f has biased exponent 253 − e (so 1.0 gives 0.99951…); a result
 *   below the normal range (e ≥ 253) is ±0. 1/√x has biased exponent 126 + (127 − e)/2 for odd e
 *   and 126 + (128 − e)/2 for even e.
 * - Specials: a zero or denormal input gives ±∞ (1/√x of −0 or a negative denormal: −∞), ±∞ gives
 *   ±0 (1/√x: +0), NaNs are quieted, 1/√x of any other negative value is the default QNaN.
 */

const RCP_SEGMENTS =
  'Xf0fXd8fXb0fXZ8fXX8fXWEfXT8fXSEfXQMfXeUeXcUeXaceXYceXWkeXUseXS0eXQ8eXfEdXdMdXbUdXZcdXXkdXV0dXT8d' +
  'XSMdXQUdXekcXcscXa8cXZEcXXUcXVccWjkcmh4cWgEcmuYbWskbmq4bWpMbmngbWlsbmkAbWiUbmgobWu8amtQaWrkamp4a' +
  'WoMammgaWk0amjIaWhkamv4ZWuUZmsoZWrEZmpYZWn0ZmmIZWkkZmi4ZWhcZmvwYFuEYF8oYFq8YF5gYFn0YF2YYFksYFzQY' +
  'FhsYFwQYFukXF9IXFrkXF6IXFokXF3IXFlkXF0IXFikXFxIXFvsWF+QWFssWF7QWFp0WF4YWFm8WF1gWFkEWFyoWFhMWF/wV' +
  'VeMVFc4VVbcVFaIVVYkVFXQVVV0VFUgVVTEVFRwVVQUVFfAUVdkUFcQUVa0UFZgUVYMUFW4UVVcUFUIUVS0UFRgUVQMUFe4T' +
  'VdkTFcQTVa8TFZoTVYUTFXATVV0TFUgTkTATEx4TkQgTE/YSkeASE84SkbgSE6YSkZASE34SkWgSE1YSkUASEy4SkRoSEwgS' +
  'kfIRE+ARkcwRE7oRkaQRE5IRkX4RE2wRkVgRE0YRkTIREyARkQwRE/oQkegQE9YQUcIQcbAQUZ4QcYwQUXgQcWYQUVQQcUIQ' +
  'UTAQcR4QUQwQcfoPUegPcdYPUcQPcbIPUaAPcY4PUX4PcWwPUVoPcUgPUTgPcSYPURQPcQIPUfIOceAOUdAOcb4OUa4OcZwO' +
  'DooODnoODmgODlgODkgODjgODiYODhYODgQODvQNDuQNDtQNDsQNDrQNDqINDpINDoINDnINDmINDlINDkINDjINDiINDhIN' +
  'DgINDvIMDuQMDtQMDsQMDrQMDqQMDpQMDYQMDnYMDWYMDlgMDUYMDjgMDSgMDhoMDQoMDvwLDewLDt4LDc4LDsALDbALDqIL' +
  'DZILDoQLDXQLDmYLDVgLDkoLDToLDiwLDR4LDhALDQALDvIKDeQKDtYKDcYKDrgK7aoKTZ0K7Y4KTYEK7XAKTWMK7VQKTUcK' +
  '7ToKTS0K7R4KTREK7QIKTfUJ7eYJTdkJ7cwJTb8J7bAJTaMJ7ZQJTYcJ7XoJTW0J7WAJTVMJ7UQJTTcJ7SoJTR0J7RAJTQMJ' +
  'bfUIDOgIbdsIDM4IbcEIDLQIbacIDJoIbY8IDIIIbXUIDGgIbVsIDE4IbUEIDDQIbSkIDBwIbQ8IDAIIbfcHDOoHbd0HDNAH' +
  'bcUHDLgHba0HDKAHbZMHDIYHbXsHDG4HCmIHy1YHCkoHyz4HCjIHyyYHChoHyw4HCgIHy/YGCuoGy94GCtIGy8YGCrwGy7AG' +
  'CqQGy5gGCowGy4AGCnYGy2oGCl4Gy1IGCkgGyzwGCjAGyyQGChoGyw4GCgQGy/gFiuwFCuIFitYFCswFisAFCrYFiqoFCqAF' +
  'ipQFCooFin4FCnQFimgFCl4FilIFCkgFijwFCjIFiiYFChwFihAFCgYFivwECvIEiuYECtwEitIECsgEirwECrIEiqYECpwE' +
  'KZEEKYcEKX0EKXMEKWkEKV8EKVMEKUkEKT8EKTUEKSsEKSEEKRcEKQ0EKQMEKfkDKe0DKeMDKdkDKc8DKcUDKbsDKbEDKacD' +
  'KZ8DKZUDKYsDKYEDKXcDKW0DKWMDKVkDKU8DaUUDKT0DaTMDKSkDaR8DKRUDaQsDKQMDafkCKe8CaeUCKd0CadMCKckCab8C' +
  'KbcCaa0CKaMCaZkCKZECaYcCKX8CaXUCKW0CaWMCKVkCaU8CKUcCaT0CKTUCaSsC5yACBxgC5w4CBwYC5/wBB/QB5+oBB+IB' +
  '59gBB9AB58YBB74B57YBB64B56QBB5wB55IBB4oB54ABB3gB524BB2YB514BB1YB50wBB0QB5zoBBzIB5yoBByIB5xgBBxAB' +
  'qQkBBwABqfcAB+4AqecAB94AqdUAB8wAqcUAB7wAqbUAB6wAqaMAB5oAqZMAB4oAqYMAB3oAqXMAB2oAqWEAB1gAqVEAB0gA' +
  'qUEABzgAqTEABygAqSEABxgAqREABwgA';
const RSQRT_ODD_SEGMENTS =
  'Dv4fDvAfDt4fDtAfDr4fDrAfDqAfDpIfDoAfDnIfDmAfDlIfDkIfDjQfDiQfDhYfDgQfDvYeDuYeDtgeDsgeDroeDqoeDpwe' +
  'DoweDn4eDm4eDmAeDlAeDkIeDjQeDiYeDBYeDAgeDPgdDOodDNwdDM4dDL4dDLAdDKIdDJQdDIYdDHgdDGodDFwdDE4dDEAd' +
  'DDIdDCQdDBYdDAgdDPocDOwcDN4cDNAcDMIcDLQcDKgcDJocDIwcDH4cDHIcDGQc7VYcDUoc7TwcDTAc7SAcDRQc7QYcDfob' +
  '7ewbDeAb7dIbDcYb7bgbDawb7Z4bDZIb7YQbDXgb7WobDV4b7VIbDUYb7TgbDSwb7R4bDRIb7QYbDfoa7ewaDeAa7dQaDcga' +
  'Croay64aCqIay5YaCogay3waCnAay2QaClgay0waCkAayzQaCigayxwaChAaywQaCvgZy+wZCuAZy9QZCsoZy74ZCrIZy6YZ' +
  'CpoZy44ZCoQZy3gZCmwZy2AZClYZy0oZiz0ZCjIZiycZChwZixEZCgYZi/kYCu4Yi+MYCtgYi80YCsIYi7cYCqwYi6EYCpYY' +
  'i4sYCoAYi3UYCmoYi18YClQYi0kYCj4YizMYCigYix0YChIYiwkYCv4Xi/MXCugXitwXitIXisgXir4XirIXiqgXip4XipQX' +
  'iogXin4XinQXimoXil4XilQXikoXikAXijYXiiwXiiIXihgXigwXigIXivgWiu4WiuQWitoWitAWisYWirwWirIWiqgWip4W' +
  'KZUWCowWKYEWCngWKW0WCmQWKVkWClAWKUUWCjwWKTMWCioWKR8WChYWKQsWCgIWKfkVCvAVKeUVCtwVKdMVCsoVKb8VCrYV' +
  'Ka0VCqQVKZkVCpAVKYcVCn4VKXUVCmwVqWEViVgVqU8ViUYVqT0ViTQVqSkViSAVqRcViQ4VqQUVifwUqfMUieoUqeEUidgU' +
  'qc8UicYUqb0UibQUqasUiaIUqZkUiZAUqYcUiX4UqXcUiW4UqWUUiVwUqVMUiUoUB0IUBzoUBzAUBygUBx4UBxYUBw4UBwYU' +
  'B/wTB/QTB+wTB+QTB9oTB9ITB8oTB8ITB7gTB7ATB6gTB6ATB5YTB44TB4YTB34TB3YTB24TB2QTB1wTB1QTB0wTB0QTBzwT' +
  '5zIT5yoT5yIT5xoT5xIT5woT5wIT5/oS5/IS5+oS5+IS59oS59IS58oS58IS57oS57IS56oS56IS55oS55IS54oS54IS53oS' +
  '53IS52oS52QS51wS51QS50wS50QS5zwS5zQSBy4S5yQSBx4S5xYSBxAS5wYSBwAS5/YRB/AR5+gRB+IR59gRB9IR58oRB8QR' +
  '57oRB7QR56wRB6YR55wRB5YR544RB4gR534RB3gR53ARB2oR52IRB1wR51IRB0wRBkQRxjwRBjYRxi4RBigRxiARBhoRxhIR' +
  'BgoRxgIRBvwQxvQQBu4QxuYQBuAQxtgQBtIQxsoQBsQQxrwQBrYQxq4QBqgQxqAQBpoQxpIQBowQxoQQBn4QxnYQBnAQxmgQ' +
  'BmEQ51oQBlMQ50wQBkUQ5z4QBjkQ5zIQBisQ5yQQBh0Q5xYQBg8Q5wgQBgEQ5/oPBvUP5+4PBucP5+APBtkP59IPBs0P58YP' +
  'Br8P57gPBrEP56oPBqUP554PBpcP55APxooPBYQPxnwPBXYPxnAPBWoPxmIPBVwPxlYPBVAPxkgPBUIPxjwPBTYPxi4PBSgP' +
  'xiIPBRwPxhYPBRAPxggPBQIPxvwOBfYOxvAOBeoOxuIOBdwOxtYOBdAOxsoOBcQOBr0OxrYOBrEOxqoOBqUOxp4OBpkOxpIO' +
  'Bo0OxoYOBoEOxnoOBnUOxm4OBmcOxmAOBlsOxlQOBk8OxkgOBkMOxjwOBjcOxjAOBisOxiQOBh8OxhgOBhMOxgwOBgcOxgAO' +
  'RfsNRfUNRe8NRekNReMNRd0NRdcNRdENRcsNRcUNRcENRbsNRbUNRa8NRakNRaMNRZ0NRZcNRZENRYsNRYcNRYENRXsNRXUN' +
  'RW8NRWkNRWMNRV0NRVkNRVMNRU0NRUcN';
const RSQRT_EVEN_SEGMENTS =
  'ikANCjYNiioNCiANihQNCgoNivwMCvIMiuYMCtwMitIMCsgMirwMCrIMiqYMCpwMipAMCoYMinoMCnAMimYMClwMilAMCkYM' +
  'ijoMCjAMiiYMChwMihAMCgYMivwLCvILKecLSt0LKdMLSskLKb8LSrULKakLSp8LKZULSosLKYELSncLKW0LSmMLKVkLSk8L' +
  'KUULSjsLKTMLSikLKR8LShULKQsLSgELKfcKSu0KKeUKStsKKdEKSscKKb8KSrUKKasKCaIKKZcKCY4KKYUKCXwKKXMKCWoK' +
  'KV8KCVYKKU0KCUQKKTsKCTIKKSkKCSAKKRcKCQ4KKQUKCfwJKfMJCeoJKeEJCdgJKc8JCcYJKb0JCbQJKasJCaIJKZkJCZAJ' +
  'KYcJB34JKXcJB24JKWUJB1wJKVMJB0oJKUMJBzoJKTEJBygJKSEJBxgJKQ8JBwYJKf8IB/YIKe8IB+YIKd0IB9QIKc0IB8QI' +
  'Kb0IB7QIKasIB6IIKZsIB5IIKYsIB4II53oI53II52oI52II51oI51II50oI50II5zoI5zII5yoI5yII5xoI5xII5woI5wII' +
  '5/oH5/IH5+oH5+IH59wH59QH58wH58QH57wH57QH564H56YH554H55YH55AH54gHRoAHxngHRnIHxmoHRmIHxloHRlQHxkwH' +
  'RkQHxjwHRjYHxi4HRigHxiAHRhgHxhAHRgoHxgIHRvwGxvQGRu4GxuYGRt4GxtYGRtAGxsgGRsIGxroGRrQGxqwGRqYGxp4G' +
  'xpgGBpIGxooGBoQGxnwGBnYGxm4GBmgGxmAGBloGxlIGBkwGxkQGBj4GxjYGBjAGxioGBiQGxhwGBhYGxg4GBggGxgAGBvoF' +
  'xvQFBu4FxuYFBuAFxtgFBtIFxswFBsYFxr4FRrgFxrIFRqwFxqQFRp4FxpgFRpIFxooFRoQFxn4FRngFxnAFRmoFxmQFRl4F' +
  'xlgFRlIFxkoFRkQFxj4FRjgFxjIFRiwFxiQFRh4FxhgFRhIFxgwFRgYFxgAFRvoEhvMEhu0EhucEhuEEhtsEhtUEhs8EhskE' +
  'hsMEhr0EhrcEhrEEhqsEhqUEhp8EhpkEhpMEho0EhocEhoEEhnsEhnUEhm8EhmkEhmMEhl0EhlcEhlEEhksEhkUEhkEEhjsE' +
  'pTQERS8EpSgERSMEpRwERRcEpRIERQ0EpQYERQEEpfoDRfUDpe4DRekDpeQDRd8DpdgDRdMDpc4DRckDpcIDRb0DpbYDRbED' +
  'pawDRacDpaADRZsDpZYDRZEDpYoDRYUDpYADRXsDpXYDRXEDpWoDRWUDpWADRVsDpVQDRU8DpUoDRUUDpUADRTsDpTQDRS8D' +
  'pSoDRSUDpSADRRsDpRQDRQ8DpQoDRQUDpQADRfsCpfYCRfECpewCRecCpeACRdsCBdYChNACBcwChMYCBcIChLwCBbgChLIC' +
  'Ba4ChKgCBaQChJ4CBZoChJQCBZAChIoCBYYChIACBXwChHYCBXIChGwCBWgChGICBV4ChFgCBVQChE4CBUoChEQCBUAChDoC' +
  'RTUCpTACRS0CpSgCRSMCpR4CRRkCpRQCRQ8CpQoCRQUCpQACRfsBpfYBRfMBpe4BRekBpeQBRd8BpdoBRdUBpdABRc0BpcgB' +
  'RcMBpb4BRbkBpbQBRbEBpawBRacBpaIBRZ0BpZgBRZUBpZABRYsBpYYBRYMBpX4BRXkBpXQBRW8BpWoBRWcBpWIBRV0BpVgB' +
  'RVUBpVABRUsBpUYBRUMBpT4BRTkBpTQBRTEBpSwBRScBpSIBRR8BpRoBRRcBpRIBhAwBhAgBhAQBhAABhPoAhPYAhPIAhO4A' +
  'hOoAhOYAhOAAhNwAhNgAhNQAhNAAhMwAhMYAhMIAhL4AhLoAhLYAhLIAhK4AhKoAhKQAhKAAhJwAhJgAhJQAhJAAhIwAhIgA' +
  'hIIAhH4AhHoAhHYAhHIAhG4AhGoAhGYAhGIAhF4AhFoAhFYAhFIAhE4AhEgAhEQAhEAAhDwAhDgAhDQAhDAAhCwAhCgAhCQA' +
  'hCAAhBwAhBgAhBQAhBAAhAwAhAgAhAQA';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes a segment table: 512 entries of 3 little-endian bytes. */
function decodeSegments(text: string): Uint32Array {
  const bytes = new Uint8Array((text.length / 4) * 3);
  for (let i = 0, o = 0; i < text.length; i += 4, o += 3) {
    const v =
      (B64.indexOf(text[i]!) << 18) |
      (B64.indexOf(text[i + 1]!) << 12) |
      (B64.indexOf(text[i + 2]!) << 6) |
      B64.indexOf(text[i + 3]!);
    bytes[o] = v >>> 16;
    bytes[o + 1] = (v >>> 8) & 0xff;
    bytes[o + 2] = v & 0xff;
  }
  const out = new Uint32Array(512);
  for (let s = 0; s < 512; s++) out[s] = bytes[3 * s]! | (bytes[3 * s + 1]! << 8) | (bytes[3 * s + 2]! << 16);
  return out;
}

const rcpTable = decodeSegments(RCP_SEGMENTS);
const rsqrtOdd = decodeSegments(RSQRT_ODD_SEGMENTS);
const rsqrtEven = decodeSegments(RSQRT_EVEN_SEGMENTS);

/** The 12-bit result fraction for input bits `b`, placed at bits 11–22. */
function fraction(table: Uint32Array, b: number): number {
  const idx = (b >>> 11) & 0xfff;
  const e = table[idx >>> 3]!;
  return (((e >>> 5) - (e & 31) * (idx & 7)) >>> 4) << 11;
}

/** RCPSS lane (binary32 bits in, bits out). */
export function rcp32(b: number): number {
  const e = (b >>> 23) & 0xff;
  const sign = b & 0x80000000;
  if (e === 0xff) return (b & 0x7fffff) !== 0 ? b | 0x400000 : sign;
  if (e === 0) return sign | 0x7f800000;
  if (e >= 253) return sign;
  return sign | ((253 - e) << 23) | fraction(rcpTable, b);
}

/** RSQRTSS lane (binary32 bits in, bits out). */
export function rsqrt32(b: number): number {
  const e = (b >>> 23) & 0xff;
  const sign = b & 0x80000000;
  if (e === 0xff && (b & 0x7fffff) !== 0) return b | 0x400000;
  if (e === 0) return sign | 0x7f800000;
  if (sign !== 0) return 0xffc00000 | 0;
  if (e === 0xff) return 0;
  if ((e & 1) !== 0) return ((126 + ((127 - e) >> 1)) << 23) | fraction(rsqrtOdd, b);
  return ((126 + ((128 - e) >> 1)) << 23) | fraction(rsqrtEven, b);
}
