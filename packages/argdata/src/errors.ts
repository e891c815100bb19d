/**
 * The CloudABI errno names an argdata operation can fail with. They match the
 * reference C library's return values (digest §4); a kernel maps the name to its
 * number with the errno table of `@cabi/abi-types`.
 *
 * - `EINVAL`: wrong type for the getter, malformed tag, bad length or subfield prefix.
 * - `ERANGE`: an integer or timestamp that does not fit the requested range.
 * - `EILSEQ`: a string that is not valid UTF-8 (or contains NUL where that is not allowed).
 * - `EBADF`: a file descriptor leaf that does not name a valid descriptor.
 */
export type ArgdataErrorCode = 'EINVAL' | 'ERANGE' | 'EILSEQ' | 'EBADF';

/**
 * A typed failure of the argdata codec. `code` says which errno the reference
 * library would have returned; `offset`, when known, is the byte offset into the
 * buffer being read where the problem was found. The message names both.
 */
export class ArgdataError extends Error {
  /** The CloudABI errno name. */
  readonly code: ArgdataErrorCode;
  /** Byte offset of the offending data in the decoded buffer, if the error came from reading bytes. */
  readonly offset: number | undefined;

  constructor(code: ArgdataErrorCode, message: string, offset?: number) {
    super(offset === undefined ? `${code}: ${message}` : `${code}: ${message} at byte offset ${offset}`);
    this.name = 'ArgdataError';
    this.code = code;
    this.offset = offset;
  }
}

/**
 * A failure to turn a YAML (or JSON) configuration into argdata. `line` and
 * `column` are 1-based and point at the offending token; the message has the form
 * `config.yaml:3:7: unknown tag !fdd` when a file name was given, `3:7: ...`
 * otherwise. `reason` is the message without the location prefix.
 */
export class ArgdataYamlError extends Error {
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column of the offending token. */
  readonly column: number;
  /** The file name given by the caller, if any. */
  readonly filename: string | undefined;
  /** What is wrong, without the location prefix. */
  readonly reason: string;

  constructor(
    reason: string,
    line: number,
    column: number,
    filename?: string,
    options?: { cause?: unknown },
  ) {
    const where = filename === undefined ? `${line}:${column}` : `${filename}:${line}:${column}`;
    super(`${where}: ${reason}`, options);
    this.name = 'ArgdataYamlError';
    this.line = line;
    this.column = column;
    this.filename = filename;
    this.reason = reason;
  }
}
