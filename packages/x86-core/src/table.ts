/**
 * The declarative opcode table. One {@link OpRow} describes one opcode/operand form: how to decode
 * it (map, opcode byte, mandatory prefix, ModRM.reg extension, immediates implied by the operand
 * template), how to show it (mnemonic and operands in Intel notation), which flags it leaves
 * undefined (for the differential tests) and which handler runs it. The decoder, the disassembler
 * and the generated tests all read the same rows.
 *
 * Operand templates follow the Intel SDM Vol. 2, Appendix A notation:
 * - `E?` ModRM r/m (register or memory), `G?` ModRM.reg, `M?` memory only, `R?` register only (rm);
 * - size letters: `b` 8, `w` 16, `d` 32, `q` 64, `v` 16/32/64 by operand size, `z` 16/32
 *   (imm32 sign-extended to 64), `y` 32/64, `x` 128 (SSE), `ss`/`sd`/`ps`/`pd`/`dq` SSE data;
 * - `Ib` imm8, `Ibs` imm8 sign-extended to the operand size, `Iw` imm16, `Iz` imm16/32, `Iv` imm16/32/64,
 *   `Jb`/`Jz` relative branch targets, `Ob`/`Ov` absolute moffs;
 * - `Zb`/`Zv` register in the opcode's low three bits (+REX.B);
 * - `V?` XMM register from ModRM.reg, `W?` XMM or memory from ModRM.rm, `U?` XMM register from rm,
 *   `H?` XMM register from VEX.vvvv, `B?` GPR from VEX.vvvv;
 * - fixed registers: `AL`, `CL`, `DX`, `rAX`, `1`, `ST0`, `STi`, and memory formats `m32fp`,
 *   `m64fp`, `m80fp`, `m16int`, `m32int`, `m64int`, `m80bcd`, `m2byte`, `m14/28byte`, `m94/108byte`,
 *   `m512byte` for x87.
 */
import type { Handler } from './insn.js';

/** Operand-size behaviour of a row in 64-bit mode (Intel SDM Vol. 2A §2.2.1.7 / Appendix A). */
export type SizeRule =
  /** 32 by default, 16 with 66, 64 with REX.W. */
  | 'v'
  /** 64 by default, 16 with 66, never 32 (push, pop, near indirect call/jmp, leave). */
  | 'd64'
  /** Always 64 regardless of prefixes (near branches, ret, syscall). */
  | 'f64';

/** One opcode form. */
export interface OpRow {
  /** Opcode map: 0 one-byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A. For VEX rows, the VEX.mmmmm map (1–3). */
  map: 0 | 1 | 2 | 3;
  /** Opcode byte. With `plusReg`, the base opcode (low 3 bits zero) and 8 consecutive bytes match. */
  opcode: number;
  /** The low three opcode bits select a register (`Zb`/`Zv` operands). */
  plusReg?: boolean;
  /**
   * Mandatory prefix for SSE-style forms in the 0F maps (0 = none, 0x66, 0xF2, 0xF3; for VEX rows,
   * VEX.pp). Leave undefined for integer forms, which accept any prefixes (a 66 then sets the
   * operand size, F2/F3 are ignored). Selection: the last F2/F3 if any, else 66, else 0, must
   * equal this value exactly; rows without `prefix` are the fallback.
   */
  prefix?: 0 | 0x66 | 0xf2 | 0xf3;
  /** The row has a ModRM byte (implied when `ext` is set or an operand uses E/G/M/R/V/W/U). */
  modrm?: boolean;
  /** ModRM.reg opcode extension (/0–/7). */
  ext?: number;
  /** Only the register form (mod == 3) or only the memory form (mod != 3) matches. */
  mod?: 'reg' | 'mem';
  /** With `mod: 'reg'`, ModRM.rm must equal this (0F 01 D0 xgetbv-style encodings). */
  rm?: number;
  /** REX.W / VEX.W must equal this for the row to match (e.g. cmpxchg8b vs cmpxchg16b). */
  w?: 0 | 1;
  /** The row is VEX-encoded; `vexL` is the required VEX.L (0 for the BMI forms). */
  vex?: { l: 0 | 1 };
  /** Operand-size rule (default 'v'). */
  size?: SizeRule;
  /** Intel mnemonic, lower case. */
  mnemonic: string;
  /** Operand template, comma separated, destination first ('' when none). */
  operands: string;
  /** The handler. */
  exec: Handler;
  /** A LOCK prefix is legal (only the memory-destination form: the decoder also checks mod != 3). */
  lock?: boolean;
  /** The form does not exist in 64-bit mode (#UD). */
  invalid64?: boolean;
  /** RFLAGS bits this form leaves architecturally undefined (the differential tests mask them). */
  undefinedFlags?: number;
  /**
   * RFLAGS bits undefined only for some operand values, as a predicate description the verifier
   * understands: 'count>1' (shifts/rotates: OF undefined unless the masked count is 1),
   * 'count!=0' (AF undefined when the masked count is non-zero), 'count>=width' (SHL/SHR/SHLD/SHRD:
   * CF undefined when the masked count is at least the operand width, and for SHLD/SHRD the result
   * too), 'src==0' (BSF/BSR: destination undefined when the source is zero; hardware keeps it).
   * The count is the masked count (CL or imm8 AND 0x1F, or 0x3F for 64-bit operands).
   */
  undefinedFlagsWhen?: { flags: number; when: 'count>1' | 'count!=0' | 'count>=width' | 'src==0' }[];
  /**
   * With a REP prefix the handler may run several iterations per call: it reads `cpu.repBudget`
   * (iterations allowed) and reports completed iterations beyond the first in `cpu.repExtra`.
   */
  repBatch?: boolean;
  /** Test generators should skip this form (control flow, system, privileged). */
  noDiffTest?: boolean;
}

/** A group of rows plus the CPUID feature bits they implement, contributed by one module. */
export interface CpuExtension {
  /** Short name for diagnostics ('sse', 'x87', ...). */
  name: string;
  /** Opcode rows. */
  rows: readonly OpRow[];
  /** CPUID bits to advertise (ORed into the core's answer). */
  cpuid?: {
    /** Leaf 1 EDX. */
    leaf1Edx?: number;
    /** Leaf 1 ECX. */
    leaf1Ecx?: number;
    /** Leaf 7 subleaf 0 EBX. */
    leaf7Ebx?: number;
    /** Leaf 0x80000001 ECX. */
    ext1Ecx?: number;
    /** Leaf 0x80000001 EDX. */
    ext1Edx?: number;
  };
}
