import { PassThrough } from 'node:stream';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';

/** Runs the CLI in-process with captured streams. */
export async function runCli(
  argv: string[],
  options: { stdin?: string | Uint8Array; env?: Record<string, string>; stdinTTY?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string; stdoutBytes: Uint8Array }> {
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.stdinTTY) stdin.isTTY = true;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdin.end(options.stdin ?? '');
  const io: CliIo = { stdin, stdout, stderr, env: options.env ?? {}, cwd: process.cwd() };
  const code = await main(argv, io);
  const stdoutBytes = new Uint8Array(Buffer.concat(out));
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    stdoutBytes,
  };
}
