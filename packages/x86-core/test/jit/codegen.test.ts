/**
 * Code quality of the JIT without loss of exactness: flags of a lazy-flag record whose kind the
 * translator does not know statically (a region entered with any record the interpreter or an
 * earlier region left) are computed in WebAssembly and must equal the interpreter's getters for
 * every record kind, width and operand edge case.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import {
  LF_ADC,
  LF_ADD,
  LF_AUX,
  LF_BITS,
  LF_DEC,
  LF_DST,
  LF_DSTH,
  LF_FLAGS,
  LF_IMUL64,
  LF_INC,
  LF_LOGIC,
  LF_NONE,
  LF_OP,
  LF_RES,
  LF_RESH,
  LF_SBB,
  LF_SRC,
  LF_SRCH,
  LF_SUB,
  LF_SZP,
} from '../../src/flags.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';
import { LF_I32, MXCSR_I32, XMM_OFFSET } from '../../src/state.js';
import { CODE, RW, rng } from './forms-gen.js';

/** A 32-bit word: often an edge value (0, 1, the sign bit, all ones), else random. */
function edgeWord(next: () => number): number {
  const k = next() % 8;
  return [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x80, 0xff][k] ?? next();
}

/**
 * A lazy-flag record as the interpreter writes them (flags.ts): the kind, a width, operands and
 * a result consistent with the operation (so CF/OF/AF have their real meaning), or for LF_NONE
 * a materialised flag word.
 */
function randomRecord(next: () => number): Int32Array {
  const lf = new Int32Array(10);
  const kinds = [LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_SZP, LF_IMUL64];
  const kind = kinds[next() % kinds.length]!;
  const bits = kind === LF_IMUL64 ? 64 : [8, 16, 32, 64][next() & 3]!;
  const mask = bits >= 32 ? 0xffffffffn : (1n << BigInt(bits)) - 1n;
  const wide = bits === 64 ? (1n << 64n) - 1n : mask;
  const value = () => {
    const lo = BigInt(edgeWord(next));
    const hi = BigInt(edgeWord(next));
    return bits === 64 ? (hi << 32n) | lo : lo & mask;
  };
  let d = value();
  let s = value();
  const aux = next() & 1 ? next() & 1 : next() & 0xfff;
  let r = 0n;
  switch (kind) {
    case LF_ADD:
      r = (d + s) & wide;
      break;
    case LF_ADC:
      r = (d + s + (aux ? 1n : 0n)) & wide;
      break;
    case LF_SUB:
    case LF_SBB:
      r = (d - s - (kind === LF_SBB && aux ? 1n : 0n)) & wide;
      break;
    case LF_INC:
    case LF_DEC:
      s = 1n;
      r = (kind === LF_INC ? d + 1n : d - 1n) & wide;
      break;
    case LF_IMUL64: {
      // Factors near the overflow boundary as well as random ones.
      const pick = [0n, 1n, (1n << 64n) - 1n, 1n << 63n, 1n << 32n, (1n << 31n) + 1n, 3n];
      if (next() & 1) d = pick[next() % pick.length]!;
      if (next() & 1) s = pick[next() % pick.length]!;
      r = (d * s) & wide;
      break;
    }
    default:
      r = value();
  }
  lf[LF_OP] = kind;
  lf[LF_BITS] = bits;
  lf[LF_DST] = Number(d & 0xffffffffn) | 0;
  lf[LF_DSTH] = Number(d >> 32n) | 0;
  lf[LF_SRC] = Number(s & 0xffffffffn) | 0;
  lf[LF_SRCH] = Number(s >> 32n) | 0;
  lf[LF_RES] = Number(r & 0xffffffffn) | 0;
  lf[LF_RESH] = Number(r >> 32n) | 0;
  lf[LF_AUX] = kind === LF_ADC || kind === LF_SBB || kind === LF_INC || kind === LF_DEC ? aux & 1 : aux;
  // The non-arithmetic bits (and, for LF_NONE, all of them); bit 1 always set.
  lf[LF_FLAGS] = (next() & 0x8d5) | 0x202;
  return lf;
}

/** 64-bit imul records of every pair of edge factors (the overflow boundary, −1 × −2^63). */
function imulRecords(): Int32Array[] {
  const edges = [0n, 1n, 3n, -1n, -(1n << 63n), (1n << 63n) - 1n, 1n << 32n, (1n << 31n) + 1n, -(1n << 32n)];
  const out: Int32Array[] = [];
  for (const d of edges) {
    for (const s of edges) {
      const lf = new Int32Array(10);
      const r = BigInt.asUintN(64, d * s);
      lf[LF_OP] = LF_IMUL64;
      lf[LF_BITS] = 64;
      lf[LF_DST] = Number(BigInt.asUintN(32, d)) | 0;
      lf[LF_DSTH] = Number(BigInt.asUintN(32, d >> 32n)) | 0;
      lf[LF_SRC] = Number(BigInt.asUintN(32, s)) | 0;
      lf[LF_SRCH] = Number(BigInt.asUintN(32, s >> 32n)) | 0;
      lf[LF_RES] = Number(r & 0xffffffffn) | 0;
      lf[LF_RESH] = Number(r >> 32n) | 0;
      lf[LF_FLAGS] = 0x202;
      out.push(lf);
    }
  }
  return out;
}

/** setcc into sixteen byte registers (al … r15b), one per condition code. */
const SETCC_ALL = Array.from({ length: 16 }, (_, cc) => [
  0x40 | (cc >> 3),
  0x0f,
  0x90 + cc,
  0xc0 | (cc & 7),
]).flat();

/** Programs that start a region with a read of the incoming record (each ends with syscall). */
const PROGRAMS: { name: string; code: number[] }[] = [
  { name: 'setcc of every condition', code: SETCC_ALL },
  // cmovcc rbx, rcx for one condition, then the sixteen setcc (the record stays unknown).
  ...Array.from({ length: 16 }, (_, cc) => ({
    name: `cmov${cc}`,
    code: [0x48, 0x0f, 0x40 + cc, 0xd9, ...SETCC_ALL],
  })),
  // rol/ror (32 and 64 bits) keep SF, ZF, AF, PF of the record and replace CF and OF.
  { name: 'rol eax, 1', code: [0xd1, 0xc0, ...SETCC_ALL] },
  { name: 'ror rdx, 7', code: [0x48, 0xc1, 0xca, 7, ...SETCC_ALL] },
  // inc/dec carry CF over from the record.
  { name: 'inc ebx', code: [0xff, 0xc3, ...SETCC_ALL] },
  { name: 'dec rsi', code: [0x48, 0xff, 0xce, ...SETCC_ALL] },
  // Records of a kind known in the block: imul64, add/sub then a rotate, 8-bit logic, a shift.
  { name: 'imul rcx, rbx', code: [0x48, 0x0f, 0xaf, 0xcb, ...SETCC_ALL] },
  { name: 'add ebx, ecx; ror eax, 3', code: [0x01, 0xcb, 0xc1, 0xc8, 3, ...SETCC_ALL] },
  { name: 'sub rbx, rcx; rol rdx, 1', code: [0x48, 0x29, 0xcb, 0x48, 0xd1, 0xc2, ...SETCC_ALL] },
  { name: 'and bl, cl; rol eax, 1', code: [0x20, 0xcb, 0xd1, 0xc0, ...SETCC_ALL] },
  { name: 'shl ebx, 3; rol eax, 1', code: [0xc1, 0xe3, 3, 0xd1, 0xc0, ...SETCC_ALL] },
  { name: 'imul rcx, rbx; ror rax, 1', code: [0x48, 0x0f, 0xaf, 0xcb, 0x48, 0xd1, 0xc8, ...SETCC_ALL] },
  { name: 'add ebx, ecx; inc ecx', code: [0x01, 0xcb, 0xff, 0xc1, ...SETCC_ALL] },
  // Rotates after rotates, and inc/dec reading the CF a rotate left.
  { name: 'rol eax, 1; ror rdx, 7', code: [0xd1, 0xc0, 0x48, 0xc1, 0xca, 7, ...SETCC_ALL] },
  { name: 'ror eax, 3; inc ebx', code: [0xc1, 0xc8, 3, 0xff, 0xc3, ...SETCC_ALL] },
  {
    name: 'add ebx, ecx; rol eax, 1; dec rsi',
    code: [0x01, 0xcb, 0xd1, 0xc0, 0x48, 0xff, 0xce, ...SETCC_ALL],
  },
  {
    name: 'xor ebx, ecx; ror eax, 9; rol eax, 2',
    code: [0x31, 0xcb, 0xc1, 0xc8, 9, 0xc1, 0xc0, 2, ...SETCC_ALL],
  },
  // A region that is a lone jcc: mov eax, 1; syscall when not taken, mov eax, 2; syscall when taken.
  ...Array.from({ length: 16 }, (_, cc) => ({
    name: `j${cc}`,
    code: [0x70 + cc, 7, 0xb8, 1, 0, 0, 0, 0x0f, 0x05, 0xb8, 2, 0, 0, 0],
  })),
];

function makeCpu(code: number[], jit: boolean): Cpu {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
  mem.poke(CODE, Uint8Array.from([...code, 0x0f, 0x05]));
  mem.map(RW, 0x1000, PROT_READ | PROT_WRITE);
  return jit ? new JitCpu(mem, { threshold: 0 }) : new Cpu(mem);
}

/** Random registers, the record `lf`, rip at the start of the program. */
function reset(cpu: Cpu, lf: Int32Array, seed: number): void {
  const next = rng(seed);
  for (let k = 0; k < 32; k++) cpu.r[k] = next() | 0;
  cpu.r[8] = RW + 2048;
  cpu.r[9] = 0;
  cpu.lf.set(lf);
  cpu.rip = CODE;
}

describe('JIT code generation', () => {
  it('flags of a record of unknown kind equal the interpreter getters (every kind, width, condition)', () => {
    let jitted = 0;
    for (const p of PROGRAMS) {
      const a = makeCpu(p.code, false);
      const b = makeCpu(p.code, true) as JitCpu;
      const next = rng(0xf1a9);
      const records = [...Array.from({ length: 300 }, () => randomRecord(next)), ...imulRecords()];
      for (const [n, lf] of records.entries()) {
        reset(a, lf, n + 1);
        reset(b, lf, n + 1);
        const ra = a.run(1000);
        const rb = b.run(1000);
        const what = `${p.name} record ${Array.from(lf).join(',')}`;
        expect(rb, what).toEqual(ra);
        expect(b.rip, what).toBe(a.rip);
        expect(Array.from(b.r.subarray(0, LF_I32)), what).toEqual(Array.from(a.r.subarray(0, LF_I32)));
        expect(b.getRflags(), what).toBe(a.getRflags());
      }
      jitted += b.jitRetired;
    }
    // The programs actually ran translated.
    expect(jitted).toBeGreaterThan(300 * PROGRAMS.length);
  });

  it('keeps the flags of an earlier instruction when SSE2 arithmetic leaves the region (an #XM fault sees them)', () => {
    // add eax, ebx; addsd xmm0, xmm1; cmp eax, eax — with PE unmasked the inexact sum faults in
    // the interpreter, after the add: RFLAGS must be the add's, although cmp would overwrite them.
    const code = [0x01, 0xd8, 0xf2, 0x0f, 0x58, 0xc1, 0x39, 0xc0];
    const [a, b] = [makeCpu(code, false), makeCpu(code, true)];
    const results = [a, b].map((c) => {
      reset(c, randomRecord(rng(3)), 4);
      c.r[0] = -1;
      c.r[6] = 1;
      c.u32[MXCSR_I32] = 0x0f80;
      new Float64Array(c.b.buffer, c.b.byteOffset + XMM_OFFSET, 4).set([1, 0, 1e-20, 0]);
      return c.run(100);
    });
    expect(results[0]!.reason).toBe('fault');
    expect(results[1]).toEqual(results[0]);
    expect(b.rip).toBe(a.rip);
    expect(b.getRflags()).toBe(a.getRflags());
    expect(b.r[0]).toBe(a.r[0]);
  });

  it('checks MXCSR in every block with SSE2 arithmetic, whichever path ran first', () => {
    // test eax, eax; jz L2; addsd xmm0, xmm1; jmp end; L2: addsd xmm2, xmm3; end: syscall — an
    // inexact sum with PE still clear must leave to the interpreter (which sets PE) on both paths.
    const code = [0x85, 0xc0, 0x74, 0x06, 0xf2, 0x0f, 0x58, 0xc1, 0xeb, 0x04, 0xf2, 0x0f, 0x58, 0xd3];
    for (const eax of [0, 1]) {
      for (const mxcsr of [0x1f80, 0x1fa0, 0x3fa0]) {
        const [a, b] = [makeCpu(code, false), makeCpu(code, true)];
        for (const c of [a, b]) {
          reset(c, randomRecord(rng(5)), 9);
          c.r[0] = eax;
          c.u32[MXCSR_I32] = mxcsr;
          new Float64Array(c.b.buffer, c.b.byteOffset + XMM_OFFSET, 8).set([1, 0, 0.1, 0, 3, 0, 0.7, 0]);
          c.run(100);
        }
        const what = `eax ${eax} mxcsr ${mxcsr.toString(16)}`;
        expect(b.u32[MXCSR_I32], what).toBe(a.u32[MXCSR_I32]);
        expect(
          Buffer.from(b.b.subarray(XMM_OFFSET, XMM_OFFSET + 64)).equals(
            Buffer.from(a.b.subarray(XMM_OFFSET, XMM_OFFSET + 64)),
          ),
          what,
        ).toBe(true);
        expect(b.rip, what).toBe(a.rip);
      }
    }
  });

  it('checked memory accesses at page ends, near 2^32 and 2^64: same state, memory and faults', () => {
    // L: mov dl, [rdi]; mov [rdi], dl; <access through rsi>; dec ecx; jnz L; syscall — three
    // rounds; rdi points into the page of rsi's low 32 bits, so that the page is in the read and
    // the write TLB before the access. Sizes 1, 2, 4, 8 and 16: loads, stores, read-modify-writes.
    const accesses = [
      [0x0f, 0xb6, 0x06], // movzx eax, byte [rsi]
      [0x0f, 0xb7, 0x06], // movzx eax, word [rsi]
      [0x8b, 0x06], // mov eax, [rsi]
      [0x48, 0x8b, 0x06], // mov rax, [rsi]
      [0xf3, 0x0f, 0x6f, 0x06], // movdqu xmm0, [rsi]
      [0x88, 0x1e], // mov [rsi], bl
      [0x89, 0x1e], // mov [rsi], ebx
      [0x48, 0x89, 0x1e], // mov [rsi], rbx
      [0x48, 0x01, 0x1e], // add [rsi], rbx
      [0xf3, 0x0f, 0x7f, 0x06], // movdqu [rsi], xmm0
      [0x48, 0x03, 0x46, 0x7f], // add rax, [rsi + 127]
    ];
    // RW and the page after it are writable, the page after those is unmapped.
    const bases: bigint[] = [
      BigInt(RW),
      BigInt(RW + 0x2000 - 16),
      2n ** 32n - 8n,
      2n ** 32n + BigInt(RW),
      2n ** 64n - 8n,
    ];
    for (let k = 1; k <= 16; k++) bases.push(BigInt(RW + 0x1000 - k), BigInt(RW + 0x2000 - k));
    let jitted = 0;
    for (const access of accesses) {
      const code = [0x8a, 0x17, 0x88, 0x17, ...access, 0xff, 0xc9, 0x75, -(access.length + 8) & 0xff];
      for (const base of bases) {
        const run = (jit: boolean) => {
          const mem = new GuestMemory({ maxBytes: 1 << 22 });
          mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
          mem.poke(CODE, Uint8Array.from([...code, 0x0f, 0x05]));
          mem.map(RW, 0x2000, PROT_READ | PROT_WRITE);
          mem.poke(
            RW,
            Uint8Array.from({ length: 0x2000 }, (_, j) => (j * 7 + 3) & 0xff),
          );
          const cpu = jit ? new JitCpu(mem, { threshold: 0 }) : new Cpu(mem);
          for (let j = 0; j < 32; j++) cpu.r[j] = (j * 0x9e3779b9) | 0;
          cpu.r[2] = 3;
          cpu.r[3] = 0;
          cpu.r[12] = Number(base & 0xffffffffn) | 0;
          cpu.r[13] = Number(base >> 32n) | 0;
          const page = Number(base & 0xfffff000n);
          cpu.r[14] = (page >= RW && page < RW + 0x2000 ? page : RW) + 0x10;
          cpu.r[15] = 0;
          cpu.r[8] = RW + 0x800;
          cpu.r[9] = 0;
          cpu.rip = CODE;
          const r = cpu.run(100);
          return { cpu, r, bytes: Buffer.from(mem.readBytes(RW, 0x2000)) };
        };
        const a = run(false);
        const b = run(true);
        const what = `${access.map((x) => x.toString(16)).join(' ')} at ${base.toString(16)}`;
        expect(b.r, what).toEqual(a.r);
        expect(b.cpu.rip, what).toBe(a.cpu.rip);
        expect(Array.from(b.cpu.r.subarray(0, LF_I32)), what).toEqual(
          Array.from(a.cpu.r.subarray(0, LF_I32)),
        );
        expect(b.cpu.getRflags(), what).toBe(a.cpu.getRflags());
        expect(b.bytes.equals(a.bytes), what).toBe(true);
        const xmm = (c: Cpu) => Buffer.from(c.b.subarray(XMM_OFFSET, XMM_OFFSET + 256));
        expect(xmm(b.cpu).equals(xmm(a.cpu)), what).toBe(true);
        jitted += (b.cpu as JitCpu).jitRetired;
      }
    }
    expect(jitted).toBeGreaterThan(1000);
  });
});
