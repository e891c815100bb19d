/** Messages between a page and a worker serving runs (internal to `@cabi/kernel/web`). */
import type { Limits } from '../kernel.js';
import type { ExitStatus } from '../process.js';
import type { WebTraceEvent } from './trace.js';
import type { FileTree } from './tree.js';

/** Starts a run; everything after it goes through `port`. */
export interface RunRequest {
  type: 'cabi-run';
  port: MessagePort;
  executable: Uint8Array;
  config?: string;
  configName?: string;
  files: FileTree;
  trace: boolean;
  limits?: Partial<Limits>;
  deterministic?: boolean | number;
}

export type MainToWorker = { type: 'stdin'; data: Uint8Array } | { type: 'stdin-end' } | { type: 'abort' };

export type WorkerToMain =
  | { type: 'stdout' | 'stderr'; data: Uint8Array }
  | { type: 'trace'; events: WebTraceEvent[] }
  | { type: 'pull' }
  | { type: 'done'; status: ExitStatus; durationMs: number; files: FileTree }
  | { type: 'error'; message: string };
