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
  if (len > 0) mem.writeBytes(buf, kernel.randomBytes(len));
  return Errno.SUCCESS;
};
