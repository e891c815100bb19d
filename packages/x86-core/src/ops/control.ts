/**
 * Control transfer: jmp, jcc, call, ret, loop/loope/loopne, jrcxz (Intel SDM Vol. 2A/2B under
 * each mnemonic). Near branches always use a 64-bit operand size in 64-bit mode.
 */
import type { Handler } from '../insn.js';
import type { OpRow } from '../table.js';
import { CC_NAMES } from './common.js';

const jmpRel: Handler = (cpu, i) => {
  cpu.rip = i.target;
};
/**
 * Jcc handlers, one function literal per condition so each call of `cond` sees a constant code
 * (the engine can then specialise the condition evaluation per opcode).
 */
const JCC: Handler[] = [
  (cpu, i) => {
    if (cpu.cond(0)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(1)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(2)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(3)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(4)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(5)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(6)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(7)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(8)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(9)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(10)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(11)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(12)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(13)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(14)) cpu.rip = i.target;
  },
  (cpu, i) => {
    if (cpu.cond(15)) cpu.rip = i.target;
  },
];
const jmpE: Handler = (cpu, i) => {
  const lo = cpu.getRm64(i);
  cpu.jump(lo, cpu.hi);
};
const callRel: Handler = (cpu, i) => {
  cpu.push64(i.next, 0);
  cpu.rip = i.target;
};
const callE: Handler = (cpu, i) => {
  const lo = cpu.getRm64(i);
  const hi = cpu.hi;
  // Validate the target before the return address is pushed (a #GP leaves RSP unchanged).
  const top = hi >> 15;
  if (hi !== 0 && top !== 0 && top !== -1) throw cpu.gp('call to a non-canonical address');
  cpu.push64(i.next, 0);
  cpu.jump(lo, hi);
};
const ret: Handler = (cpu) => {
  const r = cpu.r;
  const sp0 = r[8]!;
  const sp1 = r[9]!;
  const lo = cpu.pop64();
  try {
    cpu.jump(lo, cpu.hi);
  } catch (e) {
    r[8] = sp0;
    r[9] = sp1;
    throw e;
  }
};
const retI: Handler = (cpu, i) => {
  const r = cpu.r;
  const sp0 = r[8]!;
  const sp1 = r[9]!;
  const lo = cpu.pop64();
  try {
    cpu.jump(lo, cpu.hi);
  } catch (e) {
    r[8] = sp0;
    r[9] = sp1;
    throw e;
  }
  const t = (r[8]! >>> 0) + (i.imm & 0xffff);
  r[8] = t | 0;
  if (t > 0xffffffff) r[9] = (r[9]! + 1) | 0;
};

/** Decrements rCX (ECX with a 67 prefix) and returns whether it is now non-zero. */
function decCount(r: Int32Array, a32: boolean): boolean {
  if (a32) {
    r[2] = (r[2]! - 1) | 0;
    r[3] = 0;
    return r[2] !== 0;
  }
  const lo = r[2]!;
  r[2] = (lo - 1) | 0;
  if (lo === 0) r[3] = (r[3]! - 1) | 0;
  return (r[2]! | r[3]!) !== 0;
}
/**
 * loop/loope/loopne. With an F2 or F3 prefix (never emitted by compilers) the host CPU (AMD Zen 4)
 * takes the ZF condition of loope/loopne from the last of them, like repne/repe: F3 → ZF = 1,
 * F2 → ZF = 0; plain loop ignores them. x86-core does the same.
 */
const loop =
  (kind: 0 | 1 | 2): Handler =>
  (cpu, i) => {
    const nz = decCount(cpu.r, i.adsize === 4);
    const cc = kind === 2 || i.lastRep === 0 ? kind : i.lastRep === 0xf3 ? 1 : 0;
    const ok = cc === 2 ? nz : cc === 1 ? nz && cpu.getZF() === 1 : nz && cpu.getZF() === 0;
    if (ok) cpu.rip = i.target;
  };
const jrcxz: Handler = (cpu, i) => {
  const r = cpu.r;
  const zero = i.adsize === 4 ? r[2] === 0 : (r[2]! | r[3]!) === 0;
  if (zero) cpu.rip = i.target;
};

const rows: OpRow[] = [
  { map: 0, opcode: 0xeb, size: 'f64', mnemonic: 'jmp', operands: 'Jb', exec: jmpRel, noDiffTest: true },
  { map: 0, opcode: 0xe9, size: 'f64', mnemonic: 'jmp', operands: 'Jz', exec: jmpRel, noDiffTest: true },
  {
    map: 0,
    opcode: 0xff,
    ext: 4,
    size: 'f64',
    mnemonic: 'jmp',
    operands: 'Eq',
    exec: jmpE,
    noDiffTest: true,
  },
  { map: 0, opcode: 0xe8, size: 'f64', mnemonic: 'call', operands: 'Jz', exec: callRel, noDiffTest: true },
  {
    map: 0,
    opcode: 0xff,
    ext: 2,
    size: 'f64',
    mnemonic: 'call',
    operands: 'Eq',
    exec: callE,
    noDiffTest: true,
  },
  { map: 0, opcode: 0xc3, size: 'f64', mnemonic: 'ret', operands: '', exec: ret, noDiffTest: true },
  { map: 0, opcode: 0xc2, size: 'f64', mnemonic: 'ret', operands: 'Iw', exec: retI, noDiffTest: true },
  { map: 0, opcode: 0xe2, size: 'f64', mnemonic: 'loop', operands: 'Jb', exec: loop(2), noDiffTest: true },
  { map: 0, opcode: 0xe1, size: 'f64', mnemonic: 'loope', operands: 'Jb', exec: loop(1), noDiffTest: true },
  { map: 0, opcode: 0xe0, size: 'f64', mnemonic: 'loopne', operands: 'Jb', exec: loop(0), noDiffTest: true },
  { map: 0, opcode: 0xe3, size: 'f64', mnemonic: 'jrcxz', operands: 'Jb', exec: jrcxz, noDiffTest: true },
];
for (let cc = 0; cc < 16; cc++) {
  const mnemonic = `j${CC_NAMES[cc]}`;
  rows.push(
    { map: 0, opcode: 0x70 + cc, size: 'f64', mnemonic, operands: 'Jb', exec: JCC[cc]!, noDiffTest: true },
    { map: 1, opcode: 0x80 + cc, size: 'f64', mnemonic, operands: 'Jz', exec: JCC[cc]!, noDiffTest: true },
  );
}

/** Control-transfer rows. */
export const controlRows: readonly OpRow[] = rows;
