/**
 * The SSE extension module: every SSE-family opcode row and the CPUID bits it implements, as one
 * {@link CpuExtension} the core's opcode table and cpuid consume.
 */
import type { CpuExtension } from '../table.js';
import { SSE_LEAF1_ECX, SSE_LEAF1_EDX, SSE_LEAF7_EBX } from './features.js';
import { fpRows } from './fp-rows.js';
import { intRows } from './int-rows.js';
import { mmxRows } from './mmx-rows.js';
import { moveRows } from './move-rows.js';
import { sse3Rows, ssse3Rows } from './sse3-rows.js';
import { sse41Rows } from './sse41-rows.js';
import { sse42Rows } from './sse42-rows.js';

/** SSE, SSE2 (and later extensions as they are completed). */
export const sseExtension: CpuExtension = {
  name: 'sse',
  rows: [
    ...moveRows,
    ...fpRows,
    ...intRows,
    ...sse3Rows,
    ...ssse3Rows,
    ...sse41Rows,
    ...sse42Rows,
    ...mmxRows,
  ],
  cpuid: { leaf1Edx: SSE_LEAF1_EDX, leaf1Ecx: SSE_LEAF1_ECX, leaf7Ebx: SSE_LEAF7_EBX },
};

export { SSE_FEATURES } from './features.js';
