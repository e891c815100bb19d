/**
 * System and flag-control instructions: syscall, cpuid, rdtsc, int3/int n, ud2, fences, the
 * clc/stc/cmc/cld/std group, and every privileged instruction, which raises #GP in user mode
 * (Intel SDM Vol. 3A §5.9 "Privileged instructions"; in/out/ins/outs/cli/sti because IOPL is 0).
 */
import type { Cpu } from '../cpu.js';
import { extensions } from '../extensions.js';
import { CpuFault } from '../fault.js';
import { LF_FLAGS } from '../flags.js';
import type { Handler } from '../insn.js';
import { CF, DF } from '../state.js';
import type { OpRow } from '../table.js';

const syscall: Handler = (cpu, i) => {
  // SYSCALL saves the return address in RCX and RFLAGS in R11 (SDM Vol. 2B, SYSCALL).
  const r = cpu.r;
  r[2] = i.next;
  r[3] = 0;
  r[22] = cpu.getRflags() & ~0x10000;
  r[23] = 0;
  cpu.syscallStop();
};

/** Feature bits the core itself implements (SDM Vol. 2A, CPUID, tables 3-10/3-11 and leaf 7). */
const CORE_LEAF1_EDX = (1 << 4) | (1 << 8) | (1 << 15); // TSC, CX8, CMOV
const CORE_LEAF1_ECX = (1 << 13) | (1 << 23); // CMPXCHG16B, POPCNT
const CORE_LEAF7_EBX = (1 << 3) | (1 << 8); // BMI1, BMI2
const CORE_EXT1_ECX = (1 << 0) | (1 << 5); // LAHF/SAHF in 64-bit mode, LZCNT
const CORE_EXT1_EDX = (1 << 11) | (1 << 29); // SYSCALL, long mode

function features(): { edx1: number; ecx1: number; ebx7: number; ecx81: number; edx81: number } {
  let edx1 = CORE_LEAF1_EDX;
  let ecx1 = CORE_LEAF1_ECX;
  let ebx7 = CORE_LEAF7_EBX;
  let ecx81 = CORE_EXT1_ECX;
  let edx81 = CORE_EXT1_EDX;
  for (const e of extensions) {
    edx1 |= e.cpuid?.leaf1Edx ?? 0;
    ecx1 |= e.cpuid?.leaf1Ecx ?? 0;
    ebx7 |= e.cpuid?.leaf7Ebx ?? 0;
    ecx81 |= e.cpuid?.ext1Ecx ?? 0;
    edx81 |= e.cpuid?.ext1Edx ?? 0;
  }
  return { edx1, ecx1, ebx7, ecx81, edx81 };
}

function str4(s: string, at: number): number {
  let v = 0;
  for (let k = 3; k >= 0; k--) v = (v << 8) | (s.charCodeAt(at + k) || 0);
  return v;
}
const VENDOR = 'GenuineIntel';
const BRAND = 'cabi x86-64 interpreter'.padEnd(48, '\0');

/** The four CPUID output registers for `leaf`/`subleaf`. */
export function cpuidLeaf(leaf: number, subleaf: number): [number, number, number, number] {
  const f = features();
  switch (leaf) {
    case 0:
      return [7, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
    case 1:
      // Family 6, model 0x0F, stepping 1; CLFLUSH line size 8 qwords; one logical processor.
      return [0x000006f1, 0x00000800 | (1 << 16), f.ecx1, f.edx1];
    case 7:
      return subleaf === 0 ? [0, f.ebx7, 0, 0] : [0, 0, 0, 0];
    case 0x80000000:
      return [0x80000004, 0, 0, 0];
    case 0x80000001:
      return [0, 0, f.ecx81, f.edx81];
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const o = (leaf - 0x80000002) * 16;
      return [str4(BRAND, o), str4(BRAND, o + 4), str4(BRAND, o + 8), str4(BRAND, o + 12)];
    }
    default:
      return [0, 0, 0, 0];
  }
}

const cpuid: Handler = (cpu) => {
  const r = cpu.r;
  const [a, b, c, d] = cpuidLeaf(r[0]! >>> 0, r[2]! >>> 0);
  r[0] = a;
  r[1] = 0;
  r[6] = b;
  r[7] = 0;
  r[2] = c;
  r[3] = 0;
  r[4] = d;
  r[5] = 0;
};

const rdtsc: Handler = (cpu) => {
  const t = cpu.tsc();
  const r = cpu.r;
  r[0] = (t % 4294967296) | 0;
  r[1] = 0;
  r[4] = Math.floor(t / 4294967296) | 0;
  r[5] = 0;
};

const int3: Handler = (_cpu, i) => {
  // #BP is a trap: the reported rip is that of the next instruction (SDM Vol. 3A §6.15).
  const f = new CpuFault('breakpoint');
  f.rip = i.next;
  throw f;
};
const intN: Handler = (cpu, i) => {
  if ((i.imm & 0xff) === 3) int3(cpu, i);
  // Other vectors have DPL 0 gates in a Unix IDT: #GP from user mode.
  throw cpu.gp(`int 0x${(i.imm & 0xff).toString(16)} from user mode`);
};
const ud2: Handler = (cpu) => {
  throw cpu.ud('ud2');
};
const privileged: Handler = (cpu, i) => {
  throw cpu.gp(`privileged instruction ${i.row?.mnemonic ?? ''}`.trim());
};
const nop: Handler = () => {};
/** mov to/from CRn: CR0, CR2, CR3, CR4, CR8 exist (#GP from user mode), others are #UD. */
const movCr: Handler = (cpu, i) => {
  const n = i.reg;
  if (n === 0 || n === 2 || n === 3 || n === 4 || n === 8) throw cpu.gp('mov to or from a control register');
  throw cpu.ud(`cr${n} does not exist`);
};
/** mov to/from DRn: DR0–DR7 exist (#GP from user mode), DR8–DR15 are #UD. */
const movDr: Handler = (cpu, i) => {
  if (i.reg < 8) throw cpu.gp('mov to or from a debug register');
  throw cpu.ud(`dr${i.reg} does not exist`);
};

function setFlagBit(cpu: Cpu, bit: number, mode: 0 | 1 | 2): void {
  const f = cpu.materialize();
  const v = mode === 0 ? 0 : mode === 1 ? bit : (f & bit) ^ bit;
  cpu.lf[LF_FLAGS] = (f & ~bit) | v;
}

const rows: OpRow[] = [
  { map: 1, opcode: 0x05, size: 'f64', mnemonic: 'syscall', operands: '', exec: syscall, noDiffTest: true },
  { map: 1, opcode: 0xa2, mnemonic: 'cpuid', operands: '', exec: cpuid, noDiffTest: true },
  { map: 1, opcode: 0x31, mnemonic: 'rdtsc', operands: '', exec: rdtsc, noDiffTest: true },
  { map: 0, opcode: 0xcc, mnemonic: 'int3', operands: '', exec: int3, noDiffTest: true },
  { map: 0, opcode: 0xcd, mnemonic: 'int', operands: 'Ib', exec: intN, noDiffTest: true },
  { map: 0, opcode: 0xce, mnemonic: 'into', operands: '', exec: ud2, invalid64: true, noDiffTest: true },
  { map: 1, opcode: 0x0b, mnemonic: 'ud2', operands: '', exec: ud2, noDiffTest: true },
  { map: 1, opcode: 0xae, ext: 5, mod: 'reg', prefix: 0, mnemonic: 'lfence', operands: '', exec: nop },
  { map: 1, opcode: 0xae, ext: 6, mod: 'reg', prefix: 0, mnemonic: 'mfence', operands: '', exec: nop },
  { map: 1, opcode: 0xae, ext: 7, mod: 'reg', prefix: 0, mnemonic: 'sfence', operands: '', exec: nop },
  { map: 0, opcode: 0xf8, mnemonic: 'clc', operands: '', exec: (cpu) => setFlagBit(cpu, CF, 0) },
  { map: 0, opcode: 0xf9, mnemonic: 'stc', operands: '', exec: (cpu) => setFlagBit(cpu, CF, 1) },
  { map: 0, opcode: 0xf5, mnemonic: 'cmc', operands: '', exec: (cpu) => setFlagBit(cpu, CF, 2) },
  { map: 0, opcode: 0xfc, mnemonic: 'cld', operands: '', exec: (cpu) => setFlagBit(cpu, DF, 0) },
  { map: 0, opcode: 0xfd, mnemonic: 'std', operands: '', exec: (cpu) => setFlagBit(cpu, DF, 1) },
];
const priv = (
  map: 0 | 1,
  opcode: number,
  mnemonic: string,
  operands = '',
  extra: Partial<OpRow> = {},
): OpRow => ({
  map,
  opcode,
  mnemonic,
  operands,
  exec: privileged,
  noDiffTest: true,
  ...extra,
});
rows.push(
  priv(0, 0xf4, 'hlt'),
  priv(0, 0xfa, 'cli'),
  priv(0, 0xfb, 'sti'),
  priv(0, 0xe4, 'in', 'AL,Ib'),
  priv(0, 0xe5, 'in', 'eAX,Ib'),
  priv(0, 0xe6, 'out', 'Ib,AL'),
  priv(0, 0xe7, 'out', 'Ib,eAX'),
  priv(0, 0xec, 'in', 'AL,DX'),
  priv(0, 0xed, 'in', 'eAX,DX'),
  priv(0, 0xee, 'out', 'DX,AL'),
  priv(0, 0xef, 'out', 'DX,eAX'),
  priv(0, 0x6c, 'insb'),
  priv(0, 0x6d, 'insd'),
  priv(0, 0x6e, 'outsb'),
  priv(0, 0x6f, 'outsd'),
  priv(1, 0x06, 'clts'),
  priv(1, 0x07, 'sysret'),
  priv(1, 0x08, 'invd'),
  priv(1, 0x09, 'wbinvd'),
  priv(1, 0x30, 'wrmsr'),
  priv(1, 0x32, 'rdmsr'),
  priv(1, 0x33, 'rdpmc'),
  priv(1, 0x20, 'mov', 'Rq,Cd', { modrm: true, exec: movCr }),
  priv(1, 0x21, 'mov', 'Rq,Dd', { modrm: true, exec: movDr }),
  priv(1, 0x22, 'mov', 'Cd,Rq', { modrm: true, exec: movCr }),
  priv(1, 0x23, 'mov', 'Dd,Rq', { modrm: true, exec: movDr }),
  priv(1, 0x01, 'lgdt', 'M', { ext: 2, mod: 'mem' }),
  priv(1, 0x01, 'lidt', 'M', { ext: 3, mod: 'mem' }),
  priv(1, 0x01, 'lmsw', 'Ew', { ext: 6 }),
  priv(1, 0x01, 'invlpg', 'M', { ext: 7, mod: 'mem' }),
  priv(1, 0x01, 'swapgs', '', { ext: 7, mod: 'reg', rm: 0 }),
  priv(1, 0x00, 'lldt', 'Ew', { ext: 2 }),
  priv(1, 0x00, 'ltr', 'Ew', { ext: 3 }),
);

/** System rows. */
export const systemRows: readonly OpRow[] = rows;
