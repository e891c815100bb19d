/**
 * Copies a {@link ProcessImage}'s initial registers into an `X86Cpu` (digest §3.2: every other GPR
 * is zero, rflags has only IF and the reserved bit 1 set, as FreeBSD's exec_setregs leaves them).
 */
import type { Reg, X86Cpu } from '@cabi/x86-core';
import type { ProcessImage } from './load-process.js';
import type { ThreadStartState } from './thread-start.js';

/** RFLAGS at entry: IF (bit 9) and the always-one bit 1 (Intel SDM Vol. 1, §3.4.3). */
export const INITIAL_RFLAGS = 0x202;

/** Sets rip, rsp, rdi and the fs base of `cpu` for the process entry; all other GPRs become 0. */
export function applyProcessImage(cpu: X86Cpu, image: ProcessImage): void {
  for (let r = 0; r < 16; r++) cpu.setRegNumber(r as Reg, 0);
  cpu.setRegNumber(4, image.rsp);
  cpu.setRegNumber(7, image.rdi);
  cpu.setRflags(INITIAL_RFLAGS);
  cpu.rip = image.entry;
  cpu.fsBase = BigInt(image.fsBase);
  cpu.gsBase = 0n;
}

/** Sets the registers of a new thread from {@link threadStartState} (memory writes are the caller's). */
export function applyThreadStart(cpu: X86Cpu, state: ThreadStartState): void {
  for (let r = 0; r < 16; r++) cpu.setRegNumber(r as Reg, 0);
  cpu.setRegNumber(4, state.rsp);
  cpu.setRegNumber(5, state.rbp);
  cpu.setRegNumber(7, state.rdi);
  cpu.setRegNumber(6, state.rsi);
  cpu.setRflags(INITIAL_RFLAGS);
  cpu.rip = state.rip;
  cpu.fsBase = BigInt(state.fsBase);
}
