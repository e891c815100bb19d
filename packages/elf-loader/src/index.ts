/**
 * `@cabi/elf-loader`: ELF64 parsing and validation for CloudABI x86-64 executables, the synthesized
 * vDSO, and process and thread startup state.
 *
 * @packageDocumentation
 */

export { applyProcessImage, applyThreadStart, INITIAL_RFLAGS } from './apply-to-cpu.js';
export { AT, ELFOSABI_CLOUDABI } from './elf-constants.js';
export { ElfError, type ElfErrorCode } from './elf-error.js';
export {
  type AbiEra,
  type ElfInspection,
  type InspectedSegment,
  inspectElf,
} from './inspect-elf.js';
export {
  type AuxEntry,
  CANARY_SIZE,
  DEFAULT_STACK_SIZE,
  IMAGE_WINDOW_SIZE,
  IMAGE_WINDOW_START,
  type LoadOptions,
  loadProcess,
  type MappedRegion,
  MIN_STACK_SIZE,
  type ProcessImage,
  type TlsInfo,
  vdsoSymbolName,
} from './load-process.js';
export {
  ADDRESS_SPACE_LIMIT,
  ELF_PAGE_SIZE,
  type ElfHeader,
  type ElfImage,
  type ElfSegment,
  MAX_PHNUM,
  parseElf,
} from './parse-elf.js';
export { type ResultWidth, VDSO_SYSCALLS, type VdsoSyscall } from './syscall-table.js';
export {
  MIN_THREAD_STACK,
  type StartWrite,
  type ThreadAttr,
  type ThreadStartState,
  threadStartState,
} from './thread-start.js';
export {
  buildVdso,
  elfHash,
  isVdsoAddress,
  VDSO_SYMBOL_PREFIX,
  type Vdso,
  type VdsoPlacement,
  type VdsoSyscallSite,
} from './vdso.js';
