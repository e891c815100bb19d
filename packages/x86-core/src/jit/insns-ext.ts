/**
 * Further instruction forms of the JIT, tried when {@link emitInsn} (insns.ts) declines one:
 * the same contract — emit the instruction through the {@link Emitter} and return true, or emit
 * nothing and return false (the interpreter then runs it).
 */
import { type Insn, PFX_LOCK, PFX_REP, PFX_REPNE, PFX_VEX } from '../insn.js';
import type { Emitter } from './emitter.js';
import { OP } from './wasm.js';

/** Emits `i` if it is one of the forms of this file (see the module comment). */
export function emitExt(e: Emitter, i: Insn): boolean {
  if (i.row === null || i.row.invalid64 || i.pfx & (PFX_LOCK | PFX_REP | PFX_REPNE | PFX_VEX)) return false;
  if (i.map !== 0) return false;
  const size = i.opsize;
  switch (i.opcode) {
    case 0x98:
      // cdqe / cwde (SDM Vol. 2A CBW/CWDE/CDQE): sign-extend the lower half of rAX into it.
      if (size === 8) e.reg32(0).op(OP.i64ExtendI32S).setReg64(0);
      else if (size === 4) e.reg32(0).op(OP.i32Extend16S).setReg32(0);
      else return false;
      return true;
    case 0x99:
      // cqo / cdq (SDM Vol. 2A CWD/CDQ/CQO): rDX receives the sign of rAX in every bit.
      if (size === 8) e.reg64(0).i64(63, 0).op(OP.i64ShrS).setReg64(2);
      else if (size === 4) e.reg32(0).i32(31).op(OP.i32ShrS).setReg32(2);
      else return false;
      return true;
    default:
      return false;
  }
}
