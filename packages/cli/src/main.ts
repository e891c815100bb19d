/**
 * The `cabi` command: argument parsing and dispatch. Every failure ends as one line on standard
 * error and an exit status; nothing here calls `process.exit`.
 */
import { parseArgs } from 'node:util';
import { argdataCommand } from './commands/argdata.js';
import { inspectCommand } from './commands/inspect.js';
import { RUN_OPTION_SPEC, TRACE_OPTION_SPEC } from './commands/run-options.js';
import { CliError, EXIT_USAGE, UsageError } from './errors.js';
import { ARGDATA_HELP, INSPECT_HELP, MAIN_HELP, RUN_HELP, TRACE_HELP } from './help.js';
import { type CliIo, writeAndDrain } from './io.js';
import { colorEnabled, createStyle } from './style.js';
import { VERSION } from './version.js';

const HELP: Record<string, string> = {
  run: RUN_HELP,
  trace: TRACE_HELP,
  inspect: INSPECT_HELP,
  argdata: ARGDATA_HELP,
};

/**
 * Runs the CLI with `argv` (without the node and script paths) and returns the exit status.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const errStyle = createStyle(colorEnabled(io.stderr.isTTY === true, io.env));
  const outStyle = createStyle(colorEnabled(io.stdout.isTTY === true, io.env));
  const out = (text: string | Uint8Array) => writeAndDrain(io.stdout, text);
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help') {
      await out(MAIN_HELP);
      return command === undefined ? EXIT_USAGE : 0;
    }
    if (command === '-V' || command === '--version') {
      await out(`cabi ${VERSION}\n`);
      return 0;
    }
    if (command === 'help') {
      const topic = rest[0];
      await out(topic === undefined ? MAIN_HELP : (HELP[topic] ?? MAIN_HELP));
      return topic === undefined || topic in HELP ? 0 : EXIT_USAGE;
    }
    if (!(command in HELP)) {
      throw new UsageError(
        `unknown command "${command}" (commands: run, trace, inspect, argdata; see cabi --help)`,
      );
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      await out(HELP[command]!);
      return 0;
    }
    switch (command) {
      case 'inspect': {
        const { values, positionals } = parse(rest, { json: { type: 'boolean' } });
        return await inspectCommand({ positionals, json: values.json === true }, out, outStyle);
      }
      case 'argdata':
        return await argdataCommand(rest, io);
      case 'run':
      case 'trace': {
        const { values, positionals } = parse(rest, command === 'run' ? RUN_OPTION_SPEC : TRACE_OPTION_SPEC);
        // Loaded on demand: the kernel and CPU are only needed to run something.
        const { runCommand } = await import('./commands/run.js');
        return await runCommand({ command, values, positionals }, io, errStyle);
      }
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof CliError) {
      await writeAndDrain(io.stderr, `${errStyle.red('cabi:')} ${error.message}\n`).catch(() => {});
      return error.exitCode;
    }
    // A bug in cabi itself: still one line, but say so.
    const message = error instanceof Error ? error.message : String(error);
    await writeAndDrain(io.stderr, `${errStyle.red('cabi: internal error:')} ${message}\n`).catch(() => {});
    return 70;
  }
}

type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** parseArgs with errors turned into one-line usage errors. */
export function parse(args: readonly string[], options: OptionSpec) {
  try {
    return parseArgs({ args: [...args], options: options ?? {}, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new UsageError(message.replace(/^Unknown option/, 'unknown option'));
  }
}
