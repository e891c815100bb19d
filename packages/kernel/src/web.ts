/**
 * `@cabi/kernel/web`: CloudABI programs in web pages. Run an executable with a cloudabi-run config
 * over an in-memory file system, with standard streams as Web streams or callbacks, a live syscall
 * trace and cancellation by AbortSignal — on the page's thread or in a Worker — and keep file
 * systems across visits in the Origin Private File System. Nothing here needs Node.
 *
 * @packageDocumentation
 */
export {
  buildWebConfig,
  type WebConfig,
  type WebConfigContext,
  WebConfigError,
} from './host-web/config.js';
export {
  loadFromOpfs,
  OpfsError,
  type OpfsSaveSummary,
  opfsAvailable,
  removeFromOpfs,
  saveToOpfs,
} from './host-web/opfs.js';
export {
  exitCode,
  type RunOptions,
  type RunResult,
  runProgram,
  serveWorker,
  WebRunError,
  type WorkerScope,
} from './host-web/run.js';
export { type OutputSink, outputFd, type StdinSource, stdinFd } from './host-web/stdio.js';
export { traceFilter, type WebTraceEvent, webTraceEvent } from './host-web/trace.js';
export {
  clearTree,
  type FileTree,
  FileTreeError,
  lookupPath,
  readTree,
  type SymlinkEntry,
  writeTree,
} from './host-web/tree.js';
