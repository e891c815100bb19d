/**
 * Test support: runs x87 instruction cases on the host CPU through native/x87-probe.c and in
 * {@link executeX87}, and reports the differences. Used by the *.test.ts files only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeX87, type X87Host } from './execute.js';
import type { F80 as RegF80 } from './float80.js';
import { X87 } from './fpu.js';

export const MEM = 112;

/** A double-extended test operand with its significand as one bigint (test support only). */
export interface F80 {
  sign: number;
  exp: number;
  sig: bigint;
}

/** The register form of a test operand. */
export function toReg(v: F80): RegF80 {
  return { sign: v.sign, exp: v.exp, hi: Number(v.sig >> 32n), lo: Number(v.sig & 0xffffffffn) };
}

/** The test form of a register value. */
export function fromReg(v: RegF80): F80 {
  return { sign: v.sign, exp: v.exp, sig: (BigInt(v.hi) << 32n) | BigInt(v.lo) };
}

/** One case: control word, stack depth, ST(0) and the value below it, memory, instruction bytes. */
export interface ProbeCase {
  cw: number;
  n: number;
  a: F80;
  b: F80;
  mem: Uint8Array;
  /**
   * Instruction bytes: optional `6a ii 9d` (push imm8; popfq) prefix, an optional 66 prefix, then
   * the x87 opcode and ModRM.
   */
  code: number[];
  /** Status-word bits preset before the instruction (C0–C3, exception flags masked by `cw`). */
  sw?: number;
}

export interface ProbeResult {
  sw: number;
  tw: number;
  flags: number;
  mem: Uint8Array;
  /** ST(0)..ST(7) as 20 hex digits (sign/exponent, significand). */
  st: string[];
}

const hex = (v: number | bigint, w: number) => v.toString(16).padStart(w, '0');

export function f80Hex(v: F80): string {
  return hex((v.sign << 15) | v.exp, 4) + hex(v.sig, 16);
}

export function parseF80(s: string): F80 {
  const se = Number.parseInt(s.slice(0, 4), 16);
  return { sign: se >> 15, exp: se & 0x7fff, sig: BigInt(`0x${s.slice(4)}`) };
}

function bytesHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += hex(x, 2);
  return s;
}

let probePath: string | null = null;

/** Compiles the probe once per process. */
function probe(): string {
  if (probePath) return probePath;
  const dir = mkdtempSync(join(tmpdir(), 'x87-probe-'));
  const src = join(dirname(fileURLToPath(import.meta.url)), 'native', 'x87-probe.c');
  const out = join(dir, 'x87-probe');
  execFileSync('gcc', ['-O2', '-o', out, src]);
  probePath = out;
  return out;
}

function parseLine(line: string): ProbeResult {
  const parts = line.split(' ');
  const mem = new Uint8Array(MEM);
  const m = parts[3]!;
  for (let i = 0; i < MEM; i++) mem[i] = Number.parseInt(m.slice(2 * i, 2 * i + 2), 16);
  return {
    sw: Number.parseInt(parts[0]!, 16),
    tw: Number.parseInt(parts[1]!, 16),
    flags: Number.parseInt(parts[2]!, 16),
    mem,
    st: parts.slice(4, 12),
  };
}

/** Runs all cases on the host CPU in one process. */
export function runNative(cases: ProbeCase[]): ProbeResult[] {
  const input = cases
    .map(
      (c) =>
        `${hex(c.cw, 4)} ${c.n} ${f80Hex(c.a)} ${f80Hex(c.b)} ${bytesHex(c.mem)} ${c.code.map((x) => hex(x, 2)).join('')}`,
    )
    .join('\n');
  const out = execFileSync(probe(), { input: `${input}\n`, maxBuffer: 1 << 30 }).toString();
  return out.trimEnd().split('\n').map(parseLine);
}

/** Runs one case in the emulator. */
export function runEmulated(c: ProbeCase): ProbeResult {
  const f = new X87();
  const mem = Uint8Array.from(c.mem);
  let flags = 0x2;
  const host: X87Host = {
    read8: (a) => mem[a]!,
    read16: (a) => mem[a]! | (mem[a + 1]! << 8),
    read32: (a) => (mem[a]! | (mem[a + 1]! << 8) | (mem[a + 2]! << 16) | (mem[a + 3]! << 24)) >>> 0,
    write8: (a, v) => {
      mem[a] = v;
    },
    write16: (a, v) => {
      mem[a] = v & 0xff;
      mem[a + 1] = (v >> 8) & 0xff;
    },
    write32: (a, v) => {
      for (let i = 0; i < 4; i++) mem[a + i] = (v >>> (8 * i)) & 0xff;
    },
    getFlags: () => flags,
    setCompareFlags: (zf, pf, cf) => {
      flags = (flags & ~0x8d5) | (zf ? 0x40 : 0) | (pf ? 4 : 0) | (cf ? 1 : 0);
    },
    setAx: () => {},
    probeWrite: () => {},
    getMxcsr: () => 0x1f80,
    setMxcsr: () => {},
    readXmm: () => {},
    writeXmm: () => {},
    mxcsrMask: 0x2ffff,
  };
  f.setControl(c.cw);
  for (let i = 1; i < c.n; i++) f.load(toReg(c.b));
  if (c.n > 0) f.load(toReg(c.a));
  if (c.sw) f.sw = (f.sw & 0x3800) | (c.sw & ~0x3800);
  let code = c.code;
  if (code[0] === 0x6a && code[2] === 0x9d) {
    flags = (code[1]! & 0xd5) | 2;
    code = code.slice(3);
  }
  const opsize16 = code[0] === 0x66;
  if (opsize16) code = code.slice(1);
  executeX87(f, host, code[0]!, code[1]!, 0, 0, opsize16);
  const st: string[] = [];
  for (let i = 0; i < 8; i++) st.push(f80Hex(fromReg(f.st(i))));
  return { sw: f.sw, tw: f.tagWord, flags: flags & 0x8d5, mem, st };
}

/** Describes the differences between the host and the emulator ('' when they agree). */
export function diff(
  c: ProbeCase,
  hw: ProbeResult,
  em: ProbeResult,
  opts: { flags: boolean; memBytes: number },
): string {
  const out: string[] = [];
  if (hw.sw !== em.sw) out.push(`sw hw=${hex(hw.sw, 4)} em=${hex(em.sw, 4)}`);
  if (hw.tw !== em.tw) out.push(`tw hw=${hex(hw.tw, 4)} em=${hex(em.tw, 4)}`);
  if (opts.flags && hw.flags !== em.flags) out.push(`flags hw=${hex(hw.flags, 3)} em=${hex(em.flags, 3)}`);
  for (let i = 0; i < opts.memBytes; i++) {
    if (hw.mem[i] !== em.mem[i]) {
      out.push(
        `mem hw=${bytesHex(hw.mem.subarray(0, opts.memBytes))} em=${bytesHex(em.mem.subarray(0, opts.memBytes))}`,
      );
      break;
    }
  }
  const top = (hw.sw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    if (((hw.tw >> (2 * ((top + i) & 7))) & 3) === 3) continue;
    if (hw.st[i] !== em.st[i]) out.push(`st${i} hw=${hw.st[i]} em=${em.st[i]}`);
  }
  if (out.length === 0) return '';
  return `cw=${hex(c.cw, 4)} sw0=${hex(c.sw ?? 0, 4)} n=${c.n} a=${f80Hex(c.a)} b=${f80Hex(c.b)} mem=${bytesHex(c.mem.subarray(0, 16))} code=${c.code.map((x) => hex(x, 2)).join('')}: ${out.join('; ')}`;
}
