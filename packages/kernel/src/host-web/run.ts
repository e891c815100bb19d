/**
 * Running a CloudABI program from a page: on the calling thread, or in a Worker (so that a long
 * computation never blocks the page). Both take the same options and give the same result.
 */

import { shellExitStatus } from '../exit-status.js';
import type { FdObject } from '../fd-object.js';
import { type MemoryBackend, memoryHost } from '../host-memory/index.js';
import { createKernel, type Limits } from '../kernel.js';
import type { ExitStatus } from '../process.js';
import { buildWebConfig } from './config.js';
import { type OutputSink, outputFd, type StdinSource, sinkWriter, stdinFd, stdinReader } from './stdio.js';
import { type WebTraceEvent, webTraceEvent } from './trace.js';
import { clearTree, type FileTree, readTree, writeTree } from './tree.js';
import type { MainToWorker, RunRequest, WorkerToMain } from './worker-protocol.js';

/** Options of {@link runProgram}. */
export interface RunOptions {
  /** The CloudABI executable (ELF) to run. */
  executable: Uint8Array;
  /** A cloudabi-run config (YAML or JSON) whose `!file` paths name entries of `fs`. */
  config?: string;
  /** Name of the config in error messages (default `config.yaml`). */
  configName?: string;
  /**
   * The in-memory file system the config's paths refer to (default: a new, empty one). After a run
   * in a worker it holds what the program left there, as after a run on this thread.
   */
  fs?: MemoryBackend;
  /** Standard input (default: empty). */
  stdin?: StdinSource;
  /** Standard output and error (default: discarded). A WritableStream is closed when the run ends. */
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** Receives each system call (of the process and its children). */
  trace?: (event: WebTraceEvent) => void;
  /** Ends the program (SIGKILL) when aborted. */
  signal?: AbortSignal;
  /** Kernel limits (instruction budget, memory, deadline…). */
  limits?: Partial<Limits>;
  /** Deterministic mode (virtual clock, seeded randomness and scheduling); a number is the seed. */
  deterministic?: boolean | number;
  /**
   * Run in this Worker, or in one made by this factory and terminated afterwards. The worker's
   * script must call {@link serveWorker} (from `@cabi/kernel/web`).
   */
  worker?: Worker | (() => Worker);
}

/** How a run ended. */
export interface RunResult {
  status: ExitStatus;
  /** The exit code as a shell shows it: the low 8 bits of a normal exit, 128 + signal number otherwise. */
  code: number;
  /** Wall-clock milliseconds from spawn to exit. */
  durationMs: number;
}

/** The exit code as a shell shows it (see {@link shellExitStatus}). */
export function exitCode(status: ExitStatus): number {
  return shellExitStatus(status);
}

/** A program run failed before the program started (bad config, unloadable executable). */
export class WebRunError extends Error {
  override readonly name = 'WebRunError';
}

/** Runs a program to completion. Rejects for a bad config or executable; guest failures are statuses. */
export function runProgram(options: RunOptions): Promise<RunResult> {
  return options.worker === undefined ? runHere(options) : runInWorker(options, options.worker);
}

async function runHere(options: RunOptions): Promise<RunResult> {
  const fs = options.fs ?? memoryHost();
  const stdout = outputFd(options.stdout);
  const stderr = outputFd(options.stderr);
  try {
    return await runWith(options, fs, stdout.fd, stderr.fd);
  } finally {
    await Promise.all([stdout.close(), stderr.close()]);
  }
}

async function runWith(
  options: RunOptions,
  fs: MemoryBackend,
  stdout: FdObject,
  stderr: FdObject,
): Promise<RunResult> {
  const config = await buildWebConfig(
    options.config,
    { fs, stdio: [stdinFd(options.stdin), stdout, stderr], executable: options.executable },
    options.configName,
  );
  const kernel = createKernel({
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.deterministic !== undefined ? { deterministic: options.deterministic } : {}),
  });
  const trace = options.trace;
  const started = performance.now();
  const proc = await kernel.spawn(options.executable, {
    argdata: config.argdata,
    fds: config.fds,
    ...(trace
      ? { trace: (event) => (event.type === 'syscall' ? trace(webTraceEvent(event)) : undefined) }
      : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const status = await proc.wait();
  return { status, code: exitCode(status), durationMs: performance.now() - started };
}

/** Milliseconds a worker we own gets to answer an abort before it is terminated. */
const ABORT_GRACE_MS = 1000;

function runInWorker(options: RunOptions, target: Worker | (() => Worker)): Promise<RunResult> {
  const owned = typeof target === 'function';
  const worker = owned ? target() : target;
  const channel = new MessageChannel();
  const port = channel.port1;
  const fs = options.fs;
  const nextInput = stdinReader(options.stdin);
  const out = sinkWriter(options.stdout);
  const err = sinkWriter(options.stderr);
  const post = (message: MainToWorker, transfer: Transferable[] = []) => port.postMessage(message, transfer);

  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      worker.removeEventListener('error', onError);
      port.close();
      if (owned) worker.terminate();
      void Promise.all([out.close(), err.close()]).then(outcome);
    };
    const onAbort = () => {
      post({ type: 'abort' });
      if (owned) {
        killTimer = setTimeout(() => {
          const status: ExitStatus = { signal: 'SIGKILL', reason: 'aborted (the worker was terminated)' };
          finish(() => resolve({ status, code: exitCode(status), durationMs: Number.NaN }));
        }, ABORT_GRACE_MS);
      }
    };
    // Output is written in order: each chunk waits for the previous one's sink.
    let outputs: Promise<void> = Promise.resolve();
    port.onmessage = (message: MessageEvent<WorkerToMain>) => {
      const data = message.data;
      switch (data.type) {
        case 'stdout':
          outputs = outputs.then(() => out.write(data.data));
          break;
        case 'stderr':
          outputs = outputs.then(() => err.write(data.data));
          break;
        case 'trace':
          if (options.trace) for (const event of data.events) options.trace(event);
          break;
        case 'pull':
          nextInput().then(
            (chunk) => {
              if (settled) return;
              if (chunk === null) post({ type: 'stdin-end' });
              else {
                const copy = chunk.slice();
                post({ type: 'stdin', data: copy }, [copy.buffer]);
              }
            },
            () => post({ type: 'stdin-end' }),
          );
          break;
        case 'done':
          outputs.then(
            () => {
              if (fs) {
                clearTree(fs);
                writeTree(fs, data.files);
              }
              finish(() =>
                resolve({ status: data.status, code: exitCode(data.status), durationMs: data.durationMs }),
              );
            },
            (error: unknown) => finish(() => reject(error)),
          );
          break;
        case 'error':
          finish(() => reject(new WebRunError(data.message)));
          break;
      }
    };
    const onError = (event: ErrorEvent) =>
      finish(() => reject(new WebRunError(`worker failed: ${event.message || 'could not load its script'}`)));
    worker.addEventListener('error', onError);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const executable = options.executable.slice();
    const request: RunRequest = {
      type: 'cabi-run',
      port: channel.port2,
      executable,
      files: fs ? readTree(fs.root) : {},
      trace: options.trace !== undefined,
      ...(options.config !== undefined ? { config: options.config } : {}),
      ...(options.configName !== undefined ? { configName: options.configName } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.deterministic !== undefined ? { deterministic: options.deterministic } : {}),
    };
    worker.postMessage(request, [channel.port2, executable.buffer]);
  });
}

/** What a worker needs from its global scope. */
export interface WorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/**
 * Serves {@link runProgram} requests in a Worker: call it once from the worker's script. Any
 * number of runs may follow one another (or overlap) in the same worker.
 */
export function serveWorker(scope: WorkerScope = globalThis as unknown as WorkerScope): void {
  scope.addEventListener('message', (event: MessageEvent) => {
    const request = event.data as RunRequest | undefined;
    if (request?.type !== 'cabi-run') return;
    serveRun(request).catch((error: unknown) => {
      request.port.postMessage({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
      } satisfies WorkerToMain);
    });
  });
}

async function serveRun(request: RunRequest): Promise<void> {
  const port = request.port;
  const send = (message: WorkerToMain, transfer: Transferable[] = []) => port.postMessage(message, transfer);
  const controller = new AbortController();
  // Standard input is pulled from the page one chunk at a time.
  let waiting: ((chunk: Uint8Array | null) => void) | null = null;
  port.onmessage = (message: MessageEvent<MainToWorker>) => {
    const data = message.data;
    if (data.type === 'abort') controller.abort();
    else if (waiting) {
      const deliver = waiting;
      waiting = null;
      deliver(data.type === 'stdin' ? data.data : null);
    }
  };
  const stdin = () =>
    new Promise<Uint8Array | null>((resolve) => {
      waiting = resolve;
      send({ type: 'pull' });
    });
  const output = (type: 'stdout' | 'stderr') => (data: Uint8Array) => {
    const copy = data.slice();
    send({ type, data: copy }, [copy.buffer]);
  };
  let batch: WebTraceEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (batch.length > 0) send({ type: 'trace', events: batch });
    batch = [];
  };
  const trace = (event: WebTraceEvent) => {
    batch.push(event);
    if (batch.length >= 256) flush();
    else flushTimer ??= setTimeout(flush, 16);
  };
  const fs = memoryHost();
  writeTree(fs, request.files);
  const result = await runHere({
    executable: request.executable,
    fs,
    stdin,
    stdout: output('stdout'),
    stderr: output('stderr'),
    signal: controller.signal,
    ...(request.config !== undefined ? { config: request.config } : {}),
    ...(request.configName !== undefined ? { configName: request.configName } : {}),
    ...(request.trace ? { trace } : {}),
    ...(request.limits ? { limits: request.limits } : {}),
    ...(request.deterministic !== undefined ? { deterministic: request.deterministic } : {}),
  });
  flush();
  send({ type: 'done', status: result.status, durationMs: result.durationMs, files: readTree(fs.root) });
  port.close();
}

export type { FileTree };
