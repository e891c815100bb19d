/**
 * Assembles the complete opcode table: the core integer/string/system rows plus every extension
 * listed in extensions.ts.
 */
import { OpcodeTables } from './decoder.js';
import { extensions } from './extensions.js';
import { aluRows } from './ops/alu.js';
import { bitRows } from './ops/bits.js';
import { controlRows } from './ops/control.js';
import { moveRows } from './ops/move.js';
import { segmentRows } from './ops/segment.js';
import { shiftRows } from './ops/shift.js';
import { stringRows } from './ops/string.js';
import { systemRows } from './ops/system.js';
import type { OpRow } from './table.js';

/** The rows implemented by the core (integer, string and system instructions). */
export const coreRows: readonly OpRow[] = [
  ...aluRows,
  ...shiftRows,
  ...bitRows,
  ...moveRows,
  ...controlRows,
  ...stringRows,
  ...systemRows,
  ...segmentRows,
];

let tables: OpcodeTables | null = null;

/** The shared decoder tables (built on first use). */
export function opcodeTables(): OpcodeTables {
  tables ??= new OpcodeTables([coreRows, ...extensions.map((e) => e.rows)]);
  return tables;
}

/** Every row known to the decoder: core and extensions (for generated tests and documentation). */
export function allRows(): readonly OpRow[] {
  return opcodeTables().rows;
}
