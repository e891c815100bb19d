/**
 * `@cabi/kernel/node`: fd objects over Node.js streams (stdin/stdout of the host, files opened by
 * the embedder, sockets).
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { err } from './errors.js';
import type { FdObject } from './fd-object.js';
import { errnoOf } from './host-node/errno.js';
import { type NodeBackend, type NodeHostOptions, nodeHost } from './host-node/fs.js';
import type { KernelHost } from './kernel.js';
import { InputFd, OutputFd } from './objects/streams.js';

/**
 * An input fd reading a Node `Readable`. The stream is paused while the fd's buffer is full, so a
 * guest that reads slowly does not make the host buffer the whole stream.
 */
export function fdFromReadable(stream: Readable): FdObject {
  const fd: InputFd = new InputFd(
    () => stream.resume(),
    undefined,
    () => stream.pause(),
  );
  stream.pause();
  stream.on('data', (chunk: Buffer | string) => {
    fd.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk));
    if (!fd.wantsData) stream.pause();
  });
  stream.on('end', () => fd.end());
  stream.on('error', () => fd.fail());
  return fd;
}

/** Options of {@link fdFromWritable}. */
export interface WritableFdOptions {
  /** End the stream when the last fd to it is closed (default false: host stdout stays open). */
  end?: boolean;
}

/**
 * An output fd writing into a Node `Writable`. A write completes when the stream has accepted
 * the chunk, or after 'drain' when the stream's buffer is full.
 */
export function fdFromWritable(stream: Writable, options: WritableFdOptions = {}): FdObject {
  // A reader that goes away (EPIPE) must reach the guest as an errno: without a listener the
  // stream's 'error' event would end the host process.
  let failure: Error | null = null;
  stream.on('error', (error: Error) => {
    failure ??= error;
  });
  return new OutputFd(
    (data) =>
      new Promise<void>((resolve, reject) => {
        if (failure || stream.destroyed) {
          reject(failure ?? Object.assign(new Error('stream destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
          return;
        }
        const ok = stream.write(data, (error) => {
          if (error) reject(error);
        });
        if (ok) resolve();
        else stream.once('drain', () => resolve());
      }),
    options.end ? () => stream.end() : null,
  );
}
/**
 * A {@link KernelHost} over the host's real file system, for `createKernel({ host })`:
 * `kernel.directory(path)` opens the host directory `path` (relative paths from the current
 * directory) as a capability; everything beneath it goes through the kernel's path sandbox and the
 * Node backend's race-proof lookups. Linux only (the backend needs /proc/self/fd).
 */
export function nodeKernelHost(options: NodeHostOptions = {}): KernelHost<number> {
  const backend: NodeBackend = nodeHost(options);
  return {
    backend,
    openRoot(path: string) {
      try {
        return backend.openRoot(resolve(path));
      } catch (error) {
        return err(errnoOf(error));
      }
    },
  };
}

export * from './host-node/index.js';
