/** random family: random_get (spec: syscall `random_get`). */
import { Errno } from '../abi.js';
import { canWrite } from '../guest.js';
import type { Handler } from './common.js';

/**
 * random_get(buf, buf_len): fills the buffer with random bytes from the kernel's source (crypto
 * randomness, or the seeded generator in deterministic mode). EFAULT when the buffer is not
 * writable.
 */
export const random_get: Handler = (kernel, thread, a) => {
  const buf = a[0] as number;
  const len = a[1] as number;
  const mem = thread.process.memory;
  if (!canWrite(mem, buf, len)) return Errno.EFAULT;
  // In chunks: a guest asking for a gigabyte costs the host 64 KiB at a time.
  for (let at = 0; at < len; at += 65536)
    mem.writeBytes(buf + at, kernel.randomBytes(Math.min(65536, len - at)));
  return Errno.SUCCESS;
};
