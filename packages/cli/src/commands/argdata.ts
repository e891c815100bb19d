/**
 * `cabi argdata encode|decode`: YAML or JSON ↔ binary argdata.
 */
import { readFile, writeFile } from 'node:fs/promises';
import {
  ArgdataError,
  ArgdataYamlError,
  argdataToYaml,
  decode,
  encode,
  Fd,
  type TagRequest,
  yamlToArgdata,
} from '@cabi/argdata';
import { CliError, describeHostError, UsageError } from '../errors.js';
import { type CliIo, readAll, writeAndDrain } from '../io.js';
import { parse } from '../main.js';

/** Describes a tag request for the fd listing on standard error. */
function describeTag(request: TagRequest): string {
  switch (request.tag) {
    case 'fd':
      return request.name ? `!fd ${request.name} (host fd ${request.fd})` : `!fd ${request.fd}`;
    case 'file':
      return `!file ${request.path}${request.mode === 'r' ? '' : ` (mode ${request.mode})`}`;
    case 'socket': {
      const address = request.bind ?? request.connect;
      const where =
        address === undefined
          ? ''
          : address.kind === 'unix'
            ? address.path
            : `${address.host}:${address.port}`;
      return `!socket ${request.type} ${request.bind ? 'bind' : 'connect'} ${where}`;
    }
    case 'executable':
      return '!executable';
  }
}

/** Parses a hex dump (whitespace, `0x` prefixes and line breaks allowed) into bytes. */
export function parseHex(text: string): Uint8Array | undefined {
  const digits = text.replace(/0x/gi, '').replace(/[\s,]+/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) return undefined;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Formats bytes as lowercase hex, 32 bytes per line. */
export function formatHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 32) {
    lines.push(Array.from(bytes.subarray(i, i + 32), (b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return `${lines.join('\n')}\n`;
}

async function readInput(file: string | undefined, io: CliIo): Promise<Uint8Array> {
  if (file === undefined || file === '-') return readAll(io.stdin);
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new CliError(describeHostError('read', file, error), 1);
  }
}

async function writeOutput(file: string | undefined, data: string | Uint8Array, io: CliIo): Promise<void> {
  if (file === undefined || file === '-') return writeAndDrain(io.stdout, data);
  try {
    await writeFile(file, data);
  } catch (error) {
    throw new CliError(describeHostError('write', file, error), 1);
  }
}

/** Runs `cabi argdata ...`. Returns the exit status. */
export async function argdataCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [mode, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    hex: { type: 'boolean' },
    raw: { type: 'boolean' },
    'no-remap': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.hex && values.raw) throw new UsageError('--hex and --raw exclude each other');
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  const file = positionals[0];
  const output = values.output as string | undefined;
  if (mode === 'encode') {
    const text = new TextDecoder().decode(await readInput(file, io));
    const remap = values['no-remap'] !== true;
    const tags = new Map<number, string>();
    let nextId = 0x4000_0000;
    let value: ReturnType<typeof yamlToArgdata>;
    try {
      value = yamlToArgdata(text, {
        filename: file ?? '<stdin>',
        resolveTag: (request) => {
          // Each tag stands for a distinct descriptor; !fd keeps the number it names.
          if (request.tag === 'fd') {
            if (!tags.has(request.fd)) tags.set(request.fd, describeTag(request));
            return new Fd(request.fd);
          }
          if (!remap) throw new Error('with --no-remap only !fd tags can be encoded (they carry a number)');
          const id = nextId++;
          tags.set(id, describeTag(request));
          return new Fd(id);
        },
      });
    } catch (error) {
      if (error instanceof ArgdataYamlError) throw new CliError(error.message, 1);
      throw error;
    }
    let result: ReturnType<typeof encode>;
    try {
      result = encode(value, { remapFds: remap });
    } catch (error) {
      if (error instanceof ArgdataError) throw new CliError(error.message, 1);
      throw error;
    }
    if (remap && result.fds.length > 0) {
      const listing = result.fds.map((host, i) => `fd ${i}: ${tags.get(host) ?? `!fd ${host}`}`).join('\n');
      await writeAndDrain(io.stderr, `${listing}\n`);
    }
    await writeOutput(output, values.raw ? result.bytes : formatHex(result.bytes), io);
    return 0;
  }
  if (mode === 'decode') {
    const input = await readInput(file, io);
    let bytes: Uint8Array;
    if (values.raw) bytes = input;
    else {
      const hex = parseHex(new TextDecoder().decode(input));
      if (hex === undefined && values.hex) throw new CliError('input is not a hex dump', 1);
      bytes = hex ?? input;
    }
    try {
      await writeOutput(output, argdataToYaml(decode(bytes)), io);
    } catch (error) {
      if (error instanceof ArgdataError) throw new CliError(`malformed argdata: ${error.message}`, 1);
      throw error;
    }
    return 0;
  }
  throw new UsageError(
    mode === undefined
      ? 'argdata needs encode or decode'
      : `unknown argdata command "${mode}" (encode or decode)`,
  );
}
