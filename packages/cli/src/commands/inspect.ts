/**
 * `cabi inspect PROGRAM`: what an executable is, without running it.
 */
import { readFile } from 'node:fs/promises';
import { ElfError, type ElfInspection, inspectElf } from '@cabi/elf-loader';
import { CliError, describeHostError, UsageError } from '../errors.js';
import type { Style } from '../style.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Reads an executable from disk, turning host errors into one-line CLI errors. */
export async function readExecutable(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new CliError(describeHostError('read', path, error));
  }
}

/** Parses and inspects an executable, turning loader errors into one-line CLI errors. */
export function inspectOrFail(path: string, bytes: Uint8Array): ElfInspection {
  try {
    return inspectElf(bytes);
  } catch (error) {
    if (error instanceof ElfError) throw new CliError(`${path}: ${error.message}`);
    throw error;
  }
}

/** What the program will need from a runtime, in words. */
export function requirements(info: ElfInspection): string[] {
  const needs: string[] = [];
  if (info.abi.era === 'vdso' || info.abi.era === 'mixed') {
    needs.push('system calls through the vDSO (AT_SYSINFO_EHDR), numbered as in the final specification');
  }
  if (info.abi.era === 'raw-syscall' || info.abi.era === 'mixed') {
    needs.push('raw syscall instructions with the 2015–2016 numbering');
  }
  if (info.tls) needs.push(`thread-local storage: ${info.tls.memsz} bytes, aligned to ${info.tls.align}`);
  if (info.relro)
    needs.push(`mem_protect to make ${info.relro.memsz} bytes of RELRO read-only after relocation`);
  if (info.stack.executable)
    needs.push('an executable stack (refused: CloudABI stacks are never executable)');
  needs.push('argdata with the file descriptors it expects (see the program’s documentation)');
  return needs;
}

/** Formats an inspection as aligned text. */
export function formatInspection(path: string, info: ElfInspection, style: Style): string {
  const lines: string[] = [];
  const h = info.header;
  lines.push(style.bold(path));
  lines.push(`  type       ${h.type}`);
  lines.push(`  machine    ${h.machine}, OS/ABI ${h.osabi} (CloudABI)`);
  lines.push(`  entry      ${hex(h.entry)}`);
  lines.push(
    `  image      ${hex(info.image.start)}–${hex(info.image.end)} (${info.image.end - info.image.start} bytes)`,
  );
  lines.push(`  ABI era    ${info.abi.era}: ${info.abi.reason}`);
  lines.push('');
  lines.push(style.bold('Segments'));
  lines.push(
    `  ${'type'.padEnd(16)}${'flags'.padEnd(6)}${'vaddr'.padStart(12)}${'filesz'.padStart(10)}${'memsz'.padStart(10)}`,
  );
  for (const s of info.segments) {
    lines.push(
      `  ${s.type.padEnd(16)}${s.flags.padEnd(6)}${hex(s.vaddr).padStart(12)}${String(s.filesz).padStart(10)}${String(s.memsz).padStart(10)}`,
    );
  }
  lines.push('');
  lines.push(
    `${style.bold('TLS')}        ${info.tls ? `${info.tls.memsz} bytes (${info.tls.filesz} initialised), align ${info.tls.align}` : 'none'}`,
  );
  lines.push(
    `${style.bold('RELRO')}      ${info.relro ? `${hex(info.relro.vaddr)}, ${info.relro.memsz} bytes` : 'none'}`,
  );
  lines.push(
    `${style.bold('Stack')}      ${info.stack.present ? (info.stack.executable ? 'executable (PT_GNU_STACK RWX)' : 'non-executable') : 'no PT_GNU_STACK'}`,
  );
  lines.push('');
  lines.push(style.bold('Needs'));
  for (const need of requirements(info)) lines.push(`  - ${need}`);
  return `${lines.join('\n')}\n`;
}

/** Runs `cabi inspect`. Returns the exit status. */
export async function inspectCommand(
  args: { positionals: string[]; json: boolean },
  out: (text: string) => Promise<void>,
  style: Style,
): Promise<number> {
  const [path, extra] = args.positionals;
  if (path === undefined) throw new UsageError('inspect needs a PROGRAM (see cabi inspect --help)');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  const info = inspectOrFail(path, await readExecutable(path));
  await out(args.json ? `${JSON.stringify(info, null, 2)}\n` : formatInspection(path, info, style));
  return 0;
}
