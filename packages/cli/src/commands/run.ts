/**
 * `cabi run` and `cabi trace`: load a program, build its argdata from the config, open the host
 * resources the config grants, run it on a kernel and report how it ended.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import type { TagRequest } from '@cabi/argdata';
import { encode } from '@cabi/argdata';
import {
  createKernel,
  type ExitStatus,
  type FdObject,
  type SyscallTraceEvent,
  type TraceEvent,
} from '@cabi/kernel';
import { fdFromHostFd, hostRights, hostSocket, openHostPath } from '@cabi/kernel/node';
import { PROT_READ } from '@cabi/x86-core';
import { buildConfig, type ConfigFlags, hasConfigFlags } from '../config.js';
import { CliError, describeHostError, UsageError } from '../errors.js';
import { type CliIo, readAll, writeAndDrain } from '../io.js';
import { exitStatusForSignal } from '../signals.js';
import type { Style } from '../style.js';
import { formatTraceLine, parseTraceFilter, TraceSummary } from '../trace-format.js';
import { inspectOrFail, readExecutable } from './inspect.js';

export { RUN_OPTION_SPEC, TRACE_OPTION_SPEC } from './run-options.js';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses `512M`, `2G`, `1048576`. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${text}: expected a size such as 512M or 2G`);
  const value = Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  if (!(value > 0)) throw new UsageError(`${flag} ${text}: must be positive`);
  return value;
}

/** Parses a positive count such as `1000000` or `1e9`. */
export function parseCount(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || !Number.isInteger(value)) {
    throw new UsageError(`${flag} ${text}: expected a positive integer`);
  }
  return value;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Opens the host resource a config tag names. */
async function openResource(request: TagRequest, programPath: string): Promise<FdObject> {
  switch (request.tag) {
    case 'fd':
      try {
        return fdFromHostFd(request.fd);
      } catch (error) {
        throw new CliError(
          `!fd ${request.name ?? request.fd}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    case 'file': {
      const write = request.mode !== 'r';
      try {
        return await openHostPath(request.path, { write, create: write, truncate: request.mode === 'w' });
      } catch (error) {
        throw new CliError(describeHostError('open', request.path, error));
      }
    }
    case 'socket':
      try {
        return await hostSocket({
          type: request.type,
          ...(request.bind ? { bind: request.bind } : {}),
          ...(request.connect ? { connect: request.connect } : {}),
        });
      } catch (error) {
        throw new CliError(`!socket: ${error instanceof Error ? error.message : String(error)}`);
      }
    case 'executable':
      try {
        return await openHostPath(programPath, {});
      } catch (error) {
        throw new CliError(describeHostError('open', programPath, error));
      }
  }
}

/** A one-line description of how a guest ended, for standard error (undefined for a normal exit). */
export function describeExit(program: string, status: ExitStatus): string | undefined {
  if ('exitCode' in status) return undefined;
  let text = `${program} terminated by ${status.signal}`;
  if (status.fault) {
    const f = status.fault;
    text += `: ${f.message} (rip 0x${f.rip.toString(16)}${f.instruction ? `: ${f.instruction}` : ''})`;
  } else if (status.reason) text += `: ${status.reason}`;
  return text;
}

/** Runs `cabi run` or `cabi trace`. Returns the exit status. */
export async function runCommand(
  args: { command: 'run' | 'trace'; values: Values; positionals: string[] },
  io: CliIo,
  errStyle: Style,
): Promise<number> {
  const { command, values, positionals } = args;
  const [program, configPath, extra] = positionals;
  if (program === undefined) throw new UsageError(`${command} needs a PROGRAM (see cabi ${command} --help)`);
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);

  const executable = await readExecutable(program);
  inspectOrFail(program, executable);

  const flags: ConfigFlags = {
    dir: list(values.dir),
    file: list(values.file),
    arg: list(values.arg),
    ...(str(values.stdin) !== undefined ? { stdin: str(values.stdin)! } : {}),
    ...(str(values.stdout) !== undefined ? { stdout: str(values.stdout)! } : {}),
    ...(str(values.stderr) !== undefined ? { stderr: str(values.stderr)! } : {}),
  };
  let configText: string | undefined;
  let configName = '<stdin>';
  if (configPath !== undefined && configPath !== '-') {
    configName = configPath;
    try {
      configText = readFileSync(configPath, 'utf8');
    } catch (error) {
      throw new CliError(describeHostError('read', configPath, error));
    }
  } else if (configPath === '-' || (!hasConfigFlags(flags) && io.stdin.isTTY !== true)) {
    // Like cloudabi-run: without a CONFIG argument the config comes from standard input.
    configText = new TextDecoder().decode(await readAll(io.stdin));
  }

  const limits: Record<string, number> = {};
  if (str(values['max-memory'])) limits.maxMemory = parseSize(str(values['max-memory'])!, '--max-memory');
  if (str(values['max-instructions'])) {
    limits.instructionBudget = parseCount(str(values['max-instructions'])!, '--max-instructions');
  }
  if (str(values.timeout)) {
    const seconds = Number(str(values.timeout));
    if (!(seconds > 0))
      throw new UsageError(`--timeout ${str(values.timeout)}: expected a positive number of seconds`);
    limits.deadlineMs = Math.round(seconds * 1000);
  }
  if (values.jit === true && values.interpret === true)
    throw new UsageError('--jit and --interpret exclude each other');
  let seed: number | undefined;
  if (str(values.seed) !== undefined) {
    seed = Number(str(values.seed));
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed ${str(values.seed)}: expected an integer`);
  }

  // Trace setup.
  let tracer: ((event: TraceEvent) => void) | undefined;
  let finishTrace: () => Promise<void> = async () => {};
  if (command === 'trace') {
    let filter: (name: string) => boolean;
    try {
      filter = parseTraceFilter(str(values.expr));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const limit = str(values.strsize) !== undefined ? parseCount(str(values.strsize)!, '-s') : 32;
    const options = {
      stringLimit: limit,
      showThreads: values.follow === true,
      showTime: values.time === true,
    };
    let sink: WriteStream | undefined;
    const output = str(values.output);
    if (output !== undefined) {
      sink = createWriteStream(output);
      await new Promise<void>((resolve, reject) => {
        sink!.once('open', () => resolve());
        sink!.once('error', (error) => reject(new CliError(describeHostError('write', output, error))));
      });
    }
    const write = (line: string) => (sink ? sink.write(line) : io.stderr.write(line));
    const summary = values.summary === true ? new TraceSummary() : undefined;
    tracer = (event) => {
      if (event.type !== 'syscall' || !filter(event.name)) return;
      if (summary) summary.add(event);
      else if (values.json === true) write(`${JSON.stringify(toJson(event))}\n`);
      else write(`${formatTraceLine(event, readerOf(event), options)}\n`);
    };
    finishTrace = async () => {
      if (summary) write(summary.format());
      if (sink) await new Promise<void>((resolve) => sink!.end(resolve));
    };
  }

  const built = await buildConfig(configText, configName, flags, (request) => openResource(request, program));
  const { bytes, fds } = encode(built.value);
  const kernel = createKernel({
    limits,
    ...(seed !== undefined ? { deterministic: seed } : {}),
    jit: values.interpret !== true,
  });

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  io.signal?.addEventListener('abort', onSignal, { once: true });
  let status: ExitStatus;
  try {
    const proc = await kernel.spawn(executable, {
      argdata: bytes,
      // Each object gets the rights its host access mode allows (a read-only file loses FD_WRITE).
      fds: fds.map((i) => ({ object: built.objects[i]!, rights: hostRights(built.objects[i]!) })),
      ...(tracer ? { trace: tracer } : {}),
      signal: controller.signal,
    });
    status = await proc.wait();
  } catch (error) {
    throw new CliError(`${program}: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    io.signal?.removeEventListener('abort', onSignal);
    await finishTrace();
  }
  if (io.signal?.aborted) {
    await writeAndDrain(io.stderr, `${errStyle.yellow('cabi:')} interrupted\n`);
    return 130;
  }
  const message = describeExit(program, status);
  if (message) await writeAndDrain(io.stderr, `${errStyle.red('cabi:')} ${message}\n`);
  return 'exitCode' in status ? status.exitCode & 0xff : exitStatusForSignal(status.signal);
}

function readerOf(event: SyscallTraceEvent): (address: number, length: number) => Uint8Array | undefined {
  const memory = event.memory;
  return (address, length) =>
    memory.check(address, length, PROT_READ) ? memory.u8.slice(address, address + length) : undefined;
}

function toJson(event: SyscallTraceEvent): Record<string, unknown> {
  const big = (record: Record<string, number | bigint>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
  return {
    pid: event.pid,
    tid: event.tid,
    syscall: event.name,
    legacy: event.legacy,
    args: big(event.args),
    errno: event.errno,
    error: event.errno === 0 ? null : event.errnoName,
    results: big(event.results),
    durationMs: event.durationMs,
  };
}
