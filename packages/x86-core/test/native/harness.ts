/**
 * TypeScript side of the native differential harness (harness.c): builds the C program with the
 * system compiler on first use (cached by source hash under node_modules/.cache), encodes test cases
 * into its binary input format and decodes the final states it reports.
 *
 * The machine state is kept as raw bytes: 16 GPRs as bigints, RFLAGS, and a 512-byte FXSAVE image
 * (Intel SDM Vol. 1, §10.5.1, table 10-2 "Format of an FXSAVE Area" in 64-bit mode) that carries
 * FCW, FSW, the abridged tag byte, MXCSR, the x87 registers in stack order and XMM0–15.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the snippet's code page is mapped (read + execute). */
export const CODE_ADDR = 0x100000;
/** Where the read/write data page is mapped. */
export const DATA_ADDR = 0x200000;
/** A read-only page right after the data page, filled with {@link roPageByte}. */
export const RO_ADDR = 0x201000;
/** Page size of the test mappings. */
export const PAGE = 4096;
/** Longest snippet the harness accepts. */
export const CODE_MAX = 240;

const IN_HEADER = 920;
const OUT_HEADER = 728;
const MAGIC_IN = 0x4e494143;
const MAGIC_OUT = 0x54554f43;

/** Byte `i` of the read-only page. */
export function roPageByte(i: number): number {
  return (i ^ 0xa5) & 0xff;
}

/** The POSIX signal numbers the harness reports (Linux x86-64). */
export const SIG = { SIGILL: 4, SIGTRAP: 5, SIGBUS: 7, SIGFPE: 8, SIGSEGV: 11 } as const;

/** Hardware trap numbers (Intel SDM Vol. 3A, table 6-1). */
export const TRAP = { DE: 0, BP: 3, UD: 6, NM: 7, SS: 12, GP: 13, PF: 14, MF: 16, AC: 17, XM: 19 } as const;

/** One differential test case: the full starting state and the instruction bytes. */
export interface TestCase {
  /** Instruction bytes placed at {@link CODE_ADDR}; an int3 follows them. */
  code: Uint8Array;
  /** Initial bytes of the data page at {@link DATA_ADDR}; the rest of the page is zero. */
  data: Uint8Array;
  /** RAX…R15 in encoding order. */
  gpr: bigint[];
  /** Initial RFLAGS (only CF, PF, AF, ZF, SF, DF, OF should be set). */
  rflags: number;
  /** 512-byte FXSAVE image with the initial x87, MXCSR and XMM state. */
  fx: Uint8Array;
  /** Optional label for reports. */
  name?: string;
  /** FS base at the start (0 when absent). */
  fsBase?: bigint;
  /** GS base at the start (0 when absent). */
  gsBase?: bigint;
}

/** The final state of a case as the hardware (or the emulator) left it. */
export interface CaseResult {
  /** Signal that ended the case: SIGTRAP at the sentinel, or the fault's signal; 0 on timeout. */
  signo: number;
  /** Hardware trap number (TRAP.*), -1 on timeout. */
  trapno: number;
  /** Address of the next instruction (after the int3) or of the faulting instruction. */
  rip: bigint;
  /** Final RFLAGS. */
  rflags: number;
  /** si_addr for memory faults. */
  faultAddr: bigint;
  /** Page-fault error code (bit 1: write). */
  err: number;
  /** RAX…R15. */
  gpr: bigint[];
  /** Final FXSAVE image. */
  fx: Uint8Array;
  /** Final bytes of the data page's first `data.length` bytes. */
  data: Uint8Array;
  /** Σ byte[i]·(i+1) mod 2^32 over the rest of the data page. */
  tailSum: number;
  /** Segment selectors ES, CS, SS, DS, FS, GS (Sreg encoding order). */
  sreg: number[];
  /** Final FS base. */
  fsBase: bigint;
  /** Final GS base. */
  gsBase: bigint;
  /** Emulator side only: the exception that escaped `run()` (a CPU bug; never set natively). */
  error?: string;
}

/** Byte offsets inside an FXSAVE image. */
export const FX = {
  FCW: 0,
  FSW: 2,
  FTW: 4,
  FOP: 6,
  FIP: 8,
  FDP: 16,
  MXCSR: 24,
  MXCSR_MASK: 28,
  ST: 32,
  XMM: 160,
};

/** An FXSAVE image in the state `fninit` + default MXCSR leaves. */
export function defaultFx(): Uint8Array {
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  dv.setUint16(FX.FCW, 0x037f, true);
  dv.setUint32(FX.MXCSR, 0x1f80, true);
  return fx;
}

/** A case with all-zero registers, default FPU state, no data and the given code. */
export function blankCase(code: ArrayLike<number>): TestCase {
  return {
    code: Uint8Array.from(code),
    data: new Uint8Array(0),
    gpr: new Array<bigint>(16).fill(0n),
    rflags: 0x2,
    fx: defaultFx(),
  };
}

const here = dirname(fileURLToPath(import.meta.url));
let harnessPath: string | null = null;

/** Compiles harness.c (once per source version) and returns the executable's path. */
export function buildHarness(): string {
  if (harnessPath !== null) return harnessPath;
  const source = join(here, 'harness.c');
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const pkgRoot = join(here, '..', '..');
  const cacheRoot = existsSync(join(pkgRoot, 'node_modules'))
    ? join(pkgRoot, 'node_modules', '.cache', 'cabi-x86-harness')
    : join(tmpdir(), 'cabi-x86-harness');
  mkdirSync(cacheRoot, { recursive: true });
  const exe = join(cacheRoot, `harness-${hash}`);
  if (!existsSync(exe)) {
    const tmp = `${exe}.${process.pid}.tmp`;
    const cc = process.env.CC ?? 'cc';
    const r = spawnSync(cc, ['-O2', '-U_FORTIFY_SOURCE', '-fno-stack-protector', '-o', tmp, source], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      throw new Error(`compiling the native harness with ${cc} failed:\n${r.stderr ?? String(r.error)}`);
    }
    renameSync(tmp, exe);
  }
  harnessPath = exe;
  return exe;
}

/** Serialises cases into the harness's input stream. */
export function encodeCases(cases: readonly TestCase[]): Buffer {
  let total = 0;
  for (const c of cases) total += IN_HEADER + c.data.length;
  const buf = Buffer.alloc(total);
  let off = 0;
  for (const c of cases) {
    if (c.code.length > CODE_MAX) throw new RangeError(`snippet longer than ${CODE_MAX} bytes`);
    if (c.data.length > PAGE) throw new RangeError('data longer than one page');
    if (c.fx.length !== 512) throw new RangeError('fx image must be 512 bytes');
    buf.writeUInt32LE(MAGIC_IN, off);
    buf.writeUInt32LE(c.code.length, off + 4);
    buf.writeUInt32LE(c.data.length, off + 8);
    buf.writeUInt32LE(0, off + 12);
    for (let i = 0; i < 16; i++) buf.writeBigUInt64LE(BigInt.asUintN(64, c.gpr[i] ?? 0n), off + 16 + 8 * i);
    buf.writeBigUInt64LE(BigInt(c.rflags >>> 0), off + 144);
    buf.set(c.fx, off + 152);
    buf.set(c.code, off + 664);
    buf.writeBigUInt64LE(BigInt.asUintN(64, c.fsBase ?? 0n), off + 904);
    buf.writeBigUInt64LE(BigInt.asUintN(64, c.gsBase ?? 0n), off + 912);
    buf.set(c.data, off + IN_HEADER);
    off += IN_HEADER + c.data.length;
  }
  return buf;
}

/** Parses the harness's output stream. */
export function decodeResults(buf: Buffer, count: number): CaseResult[] {
  const out: CaseResult[] = [];
  let off = 0;
  for (let n = 0; n < count; n++) {
    if (off + OUT_HEADER > buf.length) throw new Error(`native harness returned ${n} of ${count} results`);
    if (buf.readUInt32LE(off) !== MAGIC_OUT) throw new Error('native harness output out of sync');
    const gpr: bigint[] = [];
    for (let i = 0; i < 16; i++) gpr.push(buf.readBigUInt64LE(off + 48 + 8 * i));
    const dataLen = buf.readUInt32LE(off + 692);
    out.push({
      signo: buf.readInt32LE(off + 4),
      trapno: buf.readInt32LE(off + 8),
      rip: buf.readBigUInt64LE(off + 16),
      rflags: Number(buf.readBigUInt64LE(off + 24) & 0xffffffffn),
      faultAddr: buf.readBigUInt64LE(off + 32),
      err: Number(buf.readBigUInt64LE(off + 40) & 0xffffffffn),
      gpr,
      fx: Uint8Array.prototype.slice.call(buf, off + 176, off + 688),
      tailSum: buf.readUInt32LE(off + 688),
      sreg: [0, 1, 2, 3, 4, 5].map((k) => buf.readUInt16LE(off + 696 + 2 * k)),
      fsBase: buf.readBigUInt64LE(off + 712),
      gsBase: buf.readBigUInt64LE(off + 720),
      data: Uint8Array.prototype.slice.call(buf, off + OUT_HEADER, off + OUT_HEADER + dataLen),
    });
    off += OUT_HEADER + dataLen;
  }
  return out;
}

/** Runs cases on the host CPU in one harness process. */
export function runNative(cases: readonly TestCase[]): Promise<CaseResult[]> {
  const exe = buildHarness();
  const input = encodeCases(cases);
  return new Promise((resolve, reject) => {
    const child = spawn(exe, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => errs.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(
          new Error(
            `native harness exited with ${code ?? signal}: ${Buffer.concat(errs).toString('utf8').trim()}`,
          ),
        );
        return;
      }
      try {
        resolve(decodeResults(Buffer.concat(chunks), cases.length));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(input);
  });
}

/** Runs cases on the host CPU synchronously (for scripts). */
export function runNativeSync(cases: readonly TestCase[]): CaseResult[] {
  const exe = buildHarness();
  const r = spawnSync(exe, [], { input: encodeCases(cases), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`native harness failed: ${r.stderr?.toString('utf8') ?? r.error}`);
  return decodeResults(r.stdout, cases.length);
}
