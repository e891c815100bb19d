/**
 * `@cabi/x86-core`: an x86-64 user-mode CPU for running CloudABI programs.
 *
 * @packageDocumentation
 */

export * from './api.js';
export * from './fault.js';
export * from './memory.js';
