/**
 * Self-tests of the native harness: known snippets on the host CPU must give known results, so the
 * harness is trustworthy on its own before anything is compared against the emulator.
 */
import { describe, expect, it } from 'vitest';
import {
  blankCase,
  CODE_ADDR,
  DATA_ADDR,
  FX,
  RO_ADDR,
  runNative,
  SIG,
  type TestCase,
  TRAP,
} from './harness.js';

const u16 = (fx: Uint8Array, off: number) => fx[off]! | (fx[off + 1]! << 8);
const u32 = (fx: Uint8Array, off: number) => new DataView(fx.buffer, fx.byteOffset).getUint32(off, true);

function withRegs(code: number[], regs: Record<number, bigint>, more: Partial<TestCase> = {}): TestCase {
  const c = blankCase(code);
  for (const [r, v] of Object.entries(regs)) c.gpr[Number(r)] = v;
  return { ...c, ...more };
}

describe('native harness', () => {
  it('runs integer snippets and reports registers, flags and rip', async () => {
    const [mov, add, sub] = await runNative([
      // mov rax, 0x1234
      blankCase([0x48, 0xc7, 0xc0, 0x34, 0x12, 0, 0]),
      // add eax, ebx with eax = 0xffffffff, ebx = 1: zero, carry, AF, PF
      withRegs([0x01, 0xd8], { 0: 0xffffffffn, 3: 1n }),
      // sub rax, rbx with rax = 0, rbx = 1: borrow, sign, AF, PF
      withRegs([0x48, 0x29, 0xd8], { 0: 0n, 3: 1n }),
    ]);
    expect(mov!.signo).toBe(SIG.SIGTRAP);
    expect(mov!.trapno).toBe(TRAP.BP);
    expect(mov!.rip).toBe(BigInt(CODE_ADDR + 7 + 1));
    expect(mov!.gpr[0]).toBe(0x1234n);
    expect(add!.gpr[0]).toBe(0n);
    expect(add!.rflags & 0x8d5).toBe(0x55); // CF PF AF ZF
    expect(sub!.gpr[0]).toBe(0xffffffffffffffffn);
    expect(sub!.rflags & 0x8d5).toBe(0x95); // CF PF AF SF
  });

  it('loads and stores the data page and a stack inside it', async () => {
    const data = new Uint8Array(32);
    data.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const [r] = await runNative([
      // mov rax, [rdi]; push rax; pop rcx; mov [rdi+8], ecx; inc qword [rdi+16]
      withRegs(
        [0x48, 0x8b, 0x07, 0x50, 0x59, 0x89, 0x4f, 0x08, 0x48, 0xff, 0x47, 0x10],
        { 7: BigInt(DATA_ADDR), 4: BigInt(DATA_ADDR + 0x800) },
        { data },
      ),
    ]);
    expect(r!.gpr[0]).toBe(0x0807060504030201n);
    expect(r!.gpr[1]).toBe(0x0807060504030201n);
    expect(Array.from(r!.data.subarray(8, 17))).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 1]);
    // The pushed qword lies beyond the reported bytes and shows up in the tail checksum.
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (i + 1) * (0x7f8 + i + 1);
    expect(r!.tailSum).toBe(sum);
  });

  it('reports faults with signal, trap number, rip and address', async () => {
    const [div, unmapped, ro, ud2, gp, brk] = await runNative([
      blankCase([0xf7, 0xf1]), // div ecx (ecx = 0)
      blankCase([0x8b, 0x04, 0x25, 0, 0, 0x30, 0]), // mov eax, [0x300000]
      withRegs([0x48, 0x89, 0x07], { 7: BigInt(RO_ADDR + 8) }), // mov [rdi], rax
      blankCase([0x90, 0x0f, 0x0b]), // nop; ud2
      withRegs([0x0f, 0x28, 0x07], { 7: BigInt(DATA_ADDR + 8) }), // movaps xmm0, [rdi] misaligned
      blankCase([0xcc, 0x90]), // int3 inside the snippet
    ]);
    expect([div!.signo, div!.trapno, div!.rip]).toEqual([SIG.SIGFPE, TRAP.DE, BigInt(CODE_ADDR)]);
    expect([unmapped!.signo, unmapped!.trapno, unmapped!.faultAddr]).toEqual([
      SIG.SIGSEGV,
      TRAP.PF,
      0x300000n,
    ]);
    expect([ro!.signo, ro!.trapno, ro!.faultAddr, ro!.err & 2]).toEqual([
      SIG.SIGSEGV,
      TRAP.PF,
      BigInt(RO_ADDR + 8),
      2,
    ]);
    expect([ud2!.signo, ud2!.trapno, ud2!.rip]).toEqual([SIG.SIGILL, TRAP.UD, BigInt(CODE_ADDR + 1)]);
    expect([gp!.signo, gp!.trapno, gp!.rip]).toEqual([SIG.SIGSEGV, TRAP.GP, BigInt(CODE_ADDR)]);
    expect([brk!.signo, brk!.rip]).toEqual([SIG.SIGTRAP, BigInt(CODE_ADDR + 1)]);
  });

  it('reads the read-only page pattern', async () => {
    const [r] = await runNative([withRegs([0x8b, 0x07], { 7: BigInt(RO_ADDR + 0x10) })]); // mov eax, [rdi]
    expect(r!.gpr[0]).toBe(0xb6b7b4b5n);
  });

  it('loads and reports x87, MXCSR and XMM state through the FXSAVE image', async () => {
    // fld1; fldpi; faddp st1, st0 → ST0 = 1 + pi in extended precision
    const x87 = blankCase([0xd9, 0xe8, 0xd9, 0xeb, 0xde, 0xc1]);
    // addsd xmm0, xmm1 with 1.5 + 2.25; then stmxcsr is not needed: MXCSR comes back in the image
    const sse = blankCase([0xf2, 0x0f, 0x58, 0xc1]);
    const dv = new DataView(sse.fx.buffer);
    dv.setFloat64(FX.XMM, 1.5, true);
    dv.setFloat64(FX.XMM + 16, 2.25, true);
    // cvtsd2si eax, xmm0 with 2.5 under round-up (RC = 10b): 3
    const rc = blankCase([0xf2, 0x0f, 0x2d, 0xc0]);
    const rdv = new DataView(rc.fx.buffer);
    rdv.setFloat64(FX.XMM, 2.5, true);
    rdv.setUint32(FX.MXCSR, 0x1f80 | (2 << 13), true);
    // An x87 stack handed in through the image: ST0 = 3 (TOP = 6, both slots valid); fmul st0, st1
    const stack = blankCase([0xd8, 0xc9]);
    const sdv = new DataView(stack.fx.buffer);
    sdv.setUint16(FX.FSW, 6 << 11, true);
    stack.fx[FX.FTW] = 0xc0;
    sdv.setBigUint64(FX.ST, 0xc000000000000000n, true);
    sdv.setUint16(FX.ST + 8, 0x4000, true); // 3.0
    sdv.setBigUint64(FX.ST + 16, 0xa000000000000000n, true);
    sdv.setUint16(FX.ST + 24, 0x4001, true); // 5.0
    const [a, b, c, d] = await runNative([x87, sse, rc, stack]);
    expect(u16(a!.fx, FX.FSW) & 0x3800).toBe(7 << 11);
    expect(a!.fx[FX.FTW]).toBe(0x80);
    const st0 = new DataView(a!.fx.buffer, a!.fx.byteOffset);
    expect(st0.getBigUint64(FX.ST, true)).toBe(0x8487ed5110b4611an); // (1 + pi) significand, rounded
    expect(st0.getUint16(FX.ST + 8, true)).toBe(0x4001);
    expect(new DataView(b!.fx.buffer, b!.fx.byteOffset).getFloat64(FX.XMM, true)).toBe(3.75);
    expect(u32(b!.fx, FX.MXCSR)).toBe(0x1f80);
    expect(c!.gpr[0]).toBe(3n);
    expect(u32(c!.fx, FX.MXCSR)).toBe(0x1f80 | (2 << 13) | 0x20); // precision exception sticky
    const dd = new DataView(d!.fx.buffer, d!.fx.byteOffset);
    expect(dd.getBigUint64(FX.ST, true)).toBe(0xf000000000000000n);
    expect(dd.getUint16(FX.ST + 8, true)).toBe(0x4002); // 15.0
  });

  it('starts with the case FS/GS bases and reports selectors and bases a snippet leaves', async () => {
    const [keep, load, bad] = await runNative([
      // mov eax, fs: the base stays
      withRegs([0x8c, 0xe0], {}, { fsBase: 0x12345000n, gsBase: 0x6789000n }),
      // mov fs, ax (0x2b, Linux user data); mov gs, cx (null): both bases are replaced by 0
      withRegs([0x8e, 0xe0, 0x8e, 0xe9], { 0: 0x2bn, 1: 0n }, { fsBase: 0x12345000n, gsBase: 0x6789000n }),
      // mov ds, ax with a kernel selector: #GP
      withRegs([0x8e, 0xd8], { 0: 0x10n }),
    ]);
    expect(keep!.sreg).toEqual([0, 0x33, 0x2b, 0, 0, 0]);
    expect([keep!.fsBase, keep!.gsBase]).toEqual([0x12345000n, 0x6789000n]);
    expect(load!.sreg[4]).toBe(0x2b);
    expect([load!.fsBase, load!.gsBase]).toEqual([0n, 0n]);
    expect([bad!.signo, bad!.trapno, bad!.rip]).toEqual([SIG.SIGSEGV, TRAP.GP, BigInt(CODE_ADDR)]);
  });

  it('stops a snippet that never reaches its sentinel', async () => {
    const [r] = await runNative([blankCase([0xeb, 0xfe])]); // jmp $
    expect(r!.signo).toBe(0);
    expect(r!.trapno).toBe(-1);
  });

  it('runs thousands of cases per second', async () => {
    const cases: TestCase[] = [];
    for (let i = 0; i < 5000; i++) cases.push(withRegs([0x48, 0x01, 0xd8], { 0: BigInt(i), 3: 7n }));
    const start = performance.now();
    const out = await runNative(cases);
    const rate = cases.length / ((performance.now() - start) / 1000);
    expect(out[4999]!.gpr[0]).toBe(5006n);
    expect(rate).toBeGreaterThan(2000);
  });
});
