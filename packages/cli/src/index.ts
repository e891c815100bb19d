/**
 * `@cabi/cli`: the `cabi` command as a library, for embedding its behaviour in other tools and for
 * tests. The executable is `bin.js`.
 *
 * @packageDocumentation
 */
export {
  type BuiltConfig,
  buildConfig,
  type ConfigFlags,
  hasConfigFlags,
  type ResourceOpener,
} from './config.js';
export { CliError, EXIT_CANNOT_START, EXIT_USAGE, UsageError } from './errors.js';
export type { CliIo, InputStream, OutputStream } from './io.js';
export { main } from './main.js';
export { CONVENTIONAL_SIGNAL_NUMBERS, exitStatusForSignal } from './signals.js';
export { colorEnabled, createStyle, type Style } from './style.js';
export {
  formatTraceLine,
  type MemoryReader,
  parseTraceFilter,
  quoteBytes,
  TRACE_FAMILIES,
  type TraceFormatOptions,
  TraceSummary,
} from './trace-format.js';
