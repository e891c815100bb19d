/**
 * Extension modules plugged into the opcode table. The SSE and x87 engineers each add one import
 * and one array entry here (see CONTRACT.md); nothing else in this file changes.
 */
import { sseExtension } from './sse/index.js';
import type { CpuExtension } from './table.js';
import { x87Extension } from './x87/table.js';

/** Every extension whose rows the decoder knows and whose CPUID bits are advertised. */
export const extensions: readonly CpuExtension[] = [sseExtension, x87Extension];
