/**
 * Standard streams for pages: a program's stdin from a Web stream, a callback, or fixed text, and its
 * stdout/stderr into a Web stream or a callback.
 */
import type { MaybePromise } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import { callbackFd, fdFromReadableStream } from '../objects/streams.js';

/**
 * Where standard input comes from: a byte stream, a callback producing the next chunk (null at the
 * end; it may wait, for interactive input), or all of it at once. Absent: empty input.
 */
export type StdinSource =
  | ReadableStream<Uint8Array>
  | (() => MaybePromise<Uint8Array | string | null>)
  | Uint8Array
  | string;

/** Where an output stream goes: a byte stream, or a callback per chunk. Absent: discarded. */
export type OutputSink = WritableStream<Uint8Array> | ((data: Uint8Array) => MaybePromise<void>);

/** A chunk reader over any {@link StdinSource} (null at the end). */
export function stdinReader(source: StdinSource | undefined): () => Promise<Uint8Array | null> {
  if (source === undefined) return async () => null;
  if (typeof source === 'string' || source instanceof Uint8Array) {
    let left: Uint8Array | null = typeof source === 'string' ? new TextEncoder().encode(source) : source;
    return async () => {
      const chunk = left;
      left = null;
      return chunk !== null && chunk.length > 0 ? chunk : null;
    };
  }
  if (typeof source === 'function') {
    return async () => {
      const chunk = await source();
      return typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    };
  }
  const reader = source.getReader();
  return async () => {
    const { done, value } = await reader.read();
    return done ? null : value;
  };
}

/** The fd object for a program's standard input. */
export function stdinFd(source: StdinSource | undefined): FdObject {
  if (source !== undefined && typeof source === 'object' && !(source instanceof Uint8Array)) {
    return fdFromReadableStream(source);
  }
  const next = stdinReader(source);
  return callbackFd({ read: next });
}

/**
 * The fd object for standard output or error. A WritableStream sink is written through a writer
 * this function holds; `close()` closes the stream (runProgram calls it when the run has ended).
 */
export function outputFd(sink: OutputSink | undefined): { fd: FdObject; close: () => Promise<void> } {
  // A callback sink is called directly: a synchronous one completes the guest's write at once.
  if (typeof sink === 'function') return { fd: callbackFd({ write: sink }), close: async () => {} };
  const write = sinkWriter(sink);
  return { fd: callbackFd({ write: write.write }), close: write.close };
}

/** Ordered writes into an {@link OutputSink}, and closing it (a stream only). */
export function sinkWriter(sink: OutputSink | undefined): {
  write: (data: Uint8Array) => Promise<void>;
  close: () => Promise<void>;
} {
  if (sink === undefined) return { write: async () => {}, close: async () => {} };
  if (typeof sink === 'function') return { write: async (data) => sink(data), close: async () => {} };
  const writer = sink.getWriter();
  return { write: (data) => writer.write(data), close: () => writer.close().catch(() => {}) };
}
