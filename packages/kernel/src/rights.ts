/**
 * Rights: what each file type can carry, and the one function that checks an fd's rights.
 *
 * CloudABI attaches two 64-bit masks to every fd: the base rights (what may be done with this fd)
 * and the inheriting rights (the most a descendant fd, e.g. one opened through a directory or
 * received over a socket, may get). Deny by default: a new fd receives the intersection of what
 * was requested, what its parent may pass on and what its type can use (digest §2.9).
 */
import { Errno, Filetype, Rights as R, RIGHTS_ALL, RIGHTS_ALL_LEGACY } from './abi.js';

/** A base/inheriting rights pair. */
export interface RightsPair {
  base: bigint;
  inheriting: bigint;
}

const REGULAR_FILE_BASE =
  R.FD_DATASYNC |
  R.FD_READ |
  R.FD_SEEK |
  R.FD_STAT_PUT_FLAGS |
  R.FD_SYNC |
  R.FD_TELL |
  R.FD_WRITE |
  R.FILE_ADVISE |
  R.FILE_ALLOCATE |
  R.FILE_STAT_FGET |
  R.FILE_STAT_FPUT_SIZE |
  R.FILE_STAT_FPUT_TIMES |
  R.MEM_MAP |
  R.MEM_MAP_EXEC |
  R.POLL_FD_READWRITE |
  R.PROC_EXEC;

const DIRECTORY_BASE =
  R.FD_STAT_PUT_FLAGS |
  R.FD_SYNC |
  R.FILE_ADVISE |
  R.FILE_CREATE_DIRECTORY |
  R.FILE_CREATE_FILE |
  R.FILE_LINK_SOURCE |
  R.FILE_LINK_TARGET |
  R.FILE_OPEN |
  R.FILE_READDIR |
  R.FILE_READLINK |
  R.FILE_RENAME_SOURCE |
  R.FILE_RENAME_TARGET |
  R.FILE_STAT_FGET |
  R.FILE_STAT_FPUT_TIMES |
  R.FILE_STAT_GET |
  R.FILE_STAT_PUT_TIMES |
  R.FILE_SYMLINK |
  R.FILE_UNLINK |
  R.POLL_FD_READWRITE |
  // Legacy (2015–2017) rights of directories: file_create(FIFO), sock_bind and sock_connect.
  R.FILE_CREATE_FIFO |
  R.SOCK_BIND_DIRECTORY |
  R.SOCK_CONNECT_DIRECTORY;

const SOCKET_BASE =
  R.FD_READ |
  R.FD_STAT_PUT_FLAGS |
  R.FD_WRITE |
  R.FILE_STAT_FGET |
  R.POLL_FD_READWRITE |
  R.SOCK_SHUTDOWN |
  // Legacy (2015–2017) rights of sockets: sock_accept/bind/connect/listen/stat_get.
  R.SOCK_ACCEPT |
  R.SOCK_BIND_SOCKET |
  R.SOCK_CONNECT_SOCKET |
  R.SOCK_LISTEN |
  R.SOCK_STAT_GET;

const TTY_BASE = R.FD_READ | R.FD_STAT_PUT_FLAGS | R.FD_WRITE | R.FILE_STAT_FGET | R.POLL_FD_READWRITE;

/**
 * The largest rights an fd of `filetype` can usefully hold (digest §2.9, after the reference
 * emulator's per-type table). `tty` selects the terminal row for character devices.
 */
export function typeRights(filetype: number, tty = false): RightsPair {
  switch (filetype) {
    case Filetype.DIRECTORY:
      return { base: DIRECTORY_BASE, inheriting: DIRECTORY_BASE | REGULAR_FILE_BASE };
    case Filetype.REGULAR_FILE:
      return { base: REGULAR_FILE_BASE, inheriting: 0n };
    case Filetype.SHARED_MEMORY:
      return {
        base: R.FD_READ | R.FD_WRITE | R.FILE_STAT_FGET | R.FILE_STAT_FPUT_SIZE | R.MEM_MAP | R.MEM_MAP_EXEC,
        inheriting: 0n,
      };
    case Filetype.SOCKET_DGRAM:
    case Filetype.SOCKET_STREAM:
    case Filetype.SOCKET_SEQPACKET:
      return { base: SOCKET_BASE, inheriting: RIGHTS_ALL_LEGACY };
    case Filetype.FIFO:
      // Legacy pipes: FreeBSD restricts them like sockets minus shutdown.
      return { base: TTY_BASE, inheriting: 0n };
    case Filetype.POLL:
      return { base: R.POLL_MODIFY | R.POLL_WAIT | R.FILE_STAT_FGET, inheriting: 0n };
    case Filetype.PROCESS:
      return { base: R.FILE_STAT_FGET | R.POLL_PROC_TERMINATE, inheriting: 0n };
    case Filetype.CHARACTER_DEVICE:
      return tty ? { base: TTY_BASE, inheriting: 0n } : { base: RIGHTS_ALL, inheriting: RIGHTS_ALL };
    default:
      return { base: RIGHTS_ALL_LEGACY, inheriting: RIGHTS_ALL_LEGACY };
  }
}

/**
 * The single rights check of the kernel: returns SUCCESS when `have` contains every bit of
 * `need`, ENOTCAPABLE otherwise (spec: "rights" — a missing right is ENOTCAPABLE).
 */
export function checkRights(have: bigint, need: bigint): number {
  return (have & need) === need ? Errno.SUCCESS : Errno.ENOTCAPABLE;
}
