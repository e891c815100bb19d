/**
 * file family, the part that needs no path: file_stat_fget and file_stat_fput on an fd (spec:
 * syscalls `file_stat_fget`, `file_stat_fput`). Path-based calls belong to the file system.
 */
import { Errno, Rights } from '../abi.js';
import { isErr } from '../errors.js';
import { canWrite, copyIn } from '../guest.js';
import { andThen, type Handler } from './common.js';
import { timeUpdates } from './file-path.js';

/** FILESTAT_* flags (spec: type `fsflags`). */
const ATIM = 0x1;
const ATIM_NOW = 0x2;
const MTIM = 0x4;
const MTIM_NOW = 0x8;
const SIZE = 0x10;

/** file_stat_fget(fd, buf): writes the object's filestat (needs FILE_STAT_FGET). */
export const file_stat_fget: Handler = (_k, t, a) => {
  const e = t.process.fds.get(a[0] as number, Rights.FILE_STAT_FGET);
  if (isErr(e)) return e.errno;
  const buf = a[1] as number;
  if (!canWrite(t.process.memory, buf, 56)) return Errno.EFAULT;
  return andThen(e.object.stat(), (st) => {
    if (isErr(st)) return st.errno;
    const mem = t.process.memory;
    if (!canWrite(mem, buf, 56)) return Errno.EFAULT;
    const out = new Uint8Array(56);
    const dv = new DataView(out.buffer);
    dv.setBigUint64(0, st.dev, true);
    dv.setBigUint64(8, st.ino, true);
    dv.setUint8(16, st.filetype);
    dv.setUint32(20, st.nlink, true);
    dv.setBigUint64(24, st.size, true);
    dv.setBigUint64(32, st.atim, true);
    dv.setBigUint64(40, st.mtim, true);
    dv.setBigUint64(48, st.ctim, true);
    mem.writeBytes(buf, out);
    return Errno.SUCCESS;
  });
};

/**
 * file_stat_fput(fd, buf, flags): FILESTAT_SIZE alone truncates or extends the object (needs
 * FILE_STAT_FPUT_SIZE); the time flags alone set timestamps (needs FILE_STAT_FPUT_TIMES; objects
 * without timestamps answer ENOTSUP). Mixing size and times, or no flag at all, is EINVAL.
 */
export const file_stat_fput: Handler = (_k, t, a) => {
  const flags = a[2] as number;
  const times = flags & (ATIM | ATIM_NOW | MTIM | MTIM_NOW);
  if (flags & ~(ATIM | ATIM_NOW | MTIM | MTIM_NOW | SIZE)) return Errno.EINVAL;
  if (flags & SIZE ? times !== 0 : times === 0) return Errno.EINVAL;
  const need = flags & SIZE ? Rights.FILE_STAT_FPUT_SIZE : Rights.FILE_STAT_FPUT_TIMES;
  const e = t.process.fds.get(a[0] as number, need);
  if (isErr(e)) return e.errno;
  const bytes = copyIn(t.process.memory, a[1] as number, 56);
  if (!bytes) return Errno.EFAULT;
  if (!(flags & SIZE)) {
    const { atim, mtim } = timeUpdates(bytes, flags);
    return e.object.utimes(atim, mtim);
  }
  const size = new DataView(bytes.buffer).getBigUint64(24, true);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) return Errno.EFBIG;
  return e.object.truncate(Number(size));
};
