/**
 * `@cabi/abi-types`: the CloudABI x86-64 ABI as data. Constants, flag sets, struct layouts and
 * syscall signatures are generated from the specification (`scripts/generate.ts`); this module
 * adds struct codecs, name formatting and syscall lookups.
 *
 * @packageDocumentation
 */

export { ERRNO_MESSAGES } from './errno-messages.js';
export { AbiError, type AbiErrorCode } from './errors.js';
export {
  errnoMessage,
  errnoName,
  formatEnum,
  formatFlags,
  formatRights,
  formatValue,
  unpackLookup,
} from './format.js';
export * from './generated/constants.js';
export * from './generated/structs.js';
export * from './generated/syscalls.js';
export { syscallByLegacyNumber, syscallByName, syscallByNumber } from './syscalls.js';
export type * from './types.js';
