/**
 * `@cabi/kernel`: a CloudABI kernel in TypeScript — processes, green threads, fds with rights,
 * pipes and socket pairs, shared memory, futexes, poll, fork/exec and tracing.
 *
 * @packageDocumentation
 */

export {
  Advice,
  Clockid,
  Errno,
  Eventtype,
  errnoName,
  Fdflags,
  Filetype,
  LOCK_KERNEL_MANAGED,
  LOCK_WRLOCKED,
  MAP_ANON_FD,
  Mflags,
  Mprot,
  Msflags,
  PROCESS_CHILD,
  RIGHTS_ALL,
  Rights,
  Scope,
  Signal,
  type SignalName,
  signalName,
  Whence,
} from './abi.js';
export { type Clock, hostClock, TimerQueue, VIRTUAL_EPOCH_NS, VirtualClock } from './clock.js';
export { Err, err, isErr, KernelError, type MaybePromise } from './errors.js';
export { CONVENTIONAL_SIGNAL_NUMBERS, exitStatusForSignal, shellExitStatus } from './exit-status.js';
export { FdObject, type FileStat, type Readiness } from './fd-object.js';
export { type FdEntry, FdTable } from './fd-table.js';
export {
  FUTEX_SLEEPING,
  FutexEngine,
  type FutexStats,
  type FutexWake,
  type StartTimer,
  type UserWords,
} from './futex.js';
export {
  type CpuFactory,
  createKernel,
  DEFAULT_LIMITS,
  decodeArgs,
  type FdSpec,
  type GuestProcess,
  HostError,
  type ImageLoader,
  type ImageLoadOptions,
  Kernel,
  type KernelHost,
  type KernelOptions,
  type Limits,
  type LoadedImage,
  type ProcessTraceEvent,
  type SchedulerOptions,
  SpawnError,
  type SpawnOptions,
  type SyscallTraceEvent,
  type TraceEvent,
  type Tracer,
} from './kernel.js';
export { ByteQueue } from './objects/byte-queue.js';
export {
  BufferSink,
  bufferSink,
  type MemoryBudget,
  type MemoryFdOptions,
  MemoryFile,
  memoryFd,
  SharedMemoryObject,
} from './objects/memory-file.js';
export {
  ByteChannel,
  createDatagramSocketPair,
  createPipe,
  createStreamSocketPair,
  DatagramChannel,
  DatagramSocket,
  type PairName,
  PipeReadEnd,
  PipeWriteEnd,
  StreamSocket,
} from './objects/pipe.js';
export { ProcessFd, type ProcessHandle, type Termination } from './objects/process-fd.js';
export {
  type CallbackFdOptions,
  callbackFd,
  fdFromReadableStream,
  fdFromWritableStream,
  InputFd,
  OutputFd,
} from './objects/streams.js';
export {
  type ExitStatus,
  type FaultDiagnostic,
  type ParkedCall,
  Process,
  type SharedRegion,
  Thread,
  type ThreadState,
} from './process.js';
export { cryptoRandom, type RandomSource, SeededRandom, seededRandom } from './random.js';
export { checkRights, type RightsPair, typeRights } from './rights.js';
export {
  type ParamType,
  SYSCALL_TABLE,
  type SyscallInfo,
  type SyscallParam,
  syscallByLegacyNumber,
  syscallByName,
  syscallByNumber,
} from './syscall-table.js';
export type {
  HostBackend,
  HostDirEntry,
  HostFile,
  HostOpenFlags,
  SocketBinding,
  SocketListener,
  TimeUpdate,
} from './vfs/backend.js';
export { UnsupportedBackend } from './vfs/backend.js';
export type { FifoEnd, FifoOpen, FifoOpener, NamedFifo } from './vfs/fifo.js';
