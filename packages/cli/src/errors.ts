/**
 * Errors the CLI reports to its user: one line each, never a stack trace.
 */

/** Exit status when a program cannot be started at all (cloudabi-run uses the same value). */
export const EXIT_CANNOT_START = 127;
/** Exit status for a command-line usage mistake. */
export const EXIT_USAGE = 2;

/**
 * A mistake the user can fix (a missing file, a bad flag, a malformed config). `main` prints its
 * message on one line, prefixed with `cabi:`, and exits with `exitCode`.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** The process exit status to use. */
    readonly exitCode: number = EXIT_CANNOT_START,
  ) {
    super(message);
  }
}

/** Thrown for command-line usage errors (unknown flags, missing arguments). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/**
 * Turns a Node.js file-system error into a sentence about the path, e.g.
 * "cannot read config.yaml: no such file or directory".
 */
export function describeHostError(action: string, path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ENOTDIR'
            ? 'a component of the path is not a directory'
            : code === 'ELOOP'
              ? 'too many levels of symbolic links'
              : error instanceof Error
                ? error.message
                : String(error);
  return `cannot ${action} ${path}: ${reason}`;
}
