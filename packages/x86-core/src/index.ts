/**
 * `@cabi/x86-core`: an x86-64 user-mode CPU for running CloudABI programs.
 *
 * @packageDocumentation
 */

export * from './api.js';
export { CodeCache, codeCacheFor } from './code-cache.js';
export { Cpu, type CpuOptions } from './cpu.js';
export { decode, invalidOpcode, OpcodeTables, type RowInfo } from './decoder.js';
export { formatInsn, gprName } from './disasm.js';
export { extensions } from './extensions.js';
export * from './fault.js';
export * from './flags.js';
export * from './insn.js';
export { JitCpu, type JitOptions } from './jit/jit-cpu.js';
export * from './memory.js';
export { allRows, coreRows, opcodeTables } from './opcodes.js';
export { cpuidLeaf } from './ops/system.js';
export * from './state.js';
export type { CpuExtension, OpRow, SizeRule } from './table.js';
