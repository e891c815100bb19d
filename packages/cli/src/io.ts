/**
 * The CLI's view of its environment, so that commands can be tested without a real terminal.
 */
import type { Readable, Writable } from 'node:stream';

/** A writable stream with the TTY flag Node sets on terminals. */
export type OutputStream = Writable & { isTTY?: boolean; fd?: number };
/** A readable stream with the TTY flag Node sets on terminals. */
export type InputStream = Readable & { isTTY?: boolean; fd?: number };

/** Streams, environment and working directory a command runs with. */
export interface CliIo {
  /** Standard input (the config when no CONFIG argument is given). */
  stdin: InputStream;
  /** Standard output. */
  stdout: OutputStream;
  /** Standard error (diagnostics and traces). */
  stderr: OutputStream;
  /** Environment variables (NO_COLOR, FORCE_COLOR, TERM). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** Aborted when the user presses Ctrl-C (SIGINT) or the process gets SIGTERM. */
  signal?: AbortSignal;
}

/** Reads a whole stream into one buffer. */
export async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Writes to a stream and resolves once the data is handed to the OS (or the stream failed). */
export function writeAndDrain(stream: Writable, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
