/**
 * Terminal styling. Colours are used only when the stream is a TTY and `NO_COLOR` is unset
 * (https://no-color.org: any non-empty value disables colour); `FORCE_COLOR` forces them on.
 */

/** A set of styling functions; each returns its input unchanged when colours are off. */
export interface Style {
  /** Whether escape sequences are emitted. */
  readonly enabled: boolean;
  /** Bold text. */
  bold(text: string): string;
  /** Dimmed text (secondary information). */
  dim(text: string): string;
  /** Red text (errors). */
  red(text: string): string;
  /** Green text (success). */
  green(text: string): string;
  /** Yellow text (warnings, errno names). */
  yellow(text: string): string;
  /** Cyan text (names of syscalls). */
  cyan(text: string): string;
}

/** Decides whether to colour output written to a stream with the given TTY status. */
export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

/** Creates a {@link Style}; with `enabled` false every function is the identity. */
export function createStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) =>
    enabled ? (text: string) => `\u001b[${open}m${text}\u001b[${close}m` : (text: string) => text;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}
