/**
 * Command-line options of `cabi run` and `cabi trace` (kept apart from the command so that parsing
 * them does not load the kernel).
 */

/** Options of `cabi run`. */
export const RUN_OPTION_SPEC = {
  dir: { type: 'string', multiple: true },
  file: { type: 'string', multiple: true },
  stdin: { type: 'string' },
  stdout: { type: 'string' },
  stderr: { type: 'string' },
  arg: { type: 'string', multiple: true },
  'max-memory': { type: 'string' },
  'max-instructions': { type: 'string' },
  timeout: { type: 'string' },
  seed: { type: 'string' },
  jit: { type: 'boolean' },
  interpret: { type: 'boolean' },
} as const;

/** Options of `cabi trace`: the run options plus the trace options. */
export const TRACE_OPTION_SPEC = {
  ...RUN_OPTION_SPEC,
  output: { type: 'string', short: 'o' },
  strsize: { type: 'string', short: 's' },
  follow: { type: 'boolean', short: 'f' },
  expr: { type: 'string', short: 'e' },
  summary: { type: 'boolean', short: 'c' },
  time: { type: 'boolean', short: 'T' },
  json: { type: 'boolean' },
} as const;
