/**
 * The legacy POLL object (2015–2016 ABI: `fd_create1(FILETYPE_POLL)` and `poll_fd`), a kqueue:
 * subscriptions persist across calls and are changed with the legacy subscription flags ADD,
 * DELETE, ENABLE, DISABLE, ONESHOT and CLEAR (spec-legacy: type `subflags`). Entries are keyed
 * like kevent's by type and identifier (the fd, or a clock's identifier). It cannot be passed to
 * another process (FreeBSD refuses to pass kqueues).
 */
import { Filetype } from '../abi.js';
import { FdObject } from '../fd-object.js';

/** One registered subscription. */
export interface PollEntry {
  type: number;
  /** fd number, or the clock subscription's identifier. */
  ident: bigint;
  userdata: bigint;
  enabled: boolean;
  oneshot: boolean;
  /** The object behind an fd subscription. */
  object?: FdObject;
  /** Clock subscriptions: period in ns and the next deadline on the monotonic clock. */
  period?: bigint;
  deadline?: bigint;
}

/** A legacy POLL fd's state. */
export class PollQueue extends FdObject {
  readonly filetype = Filetype.POLL;
  override readonly passable = false;
  readonly entries = new Map<string, PollEntry>();

  /** The map key of a subscription. */
  static key(type: number, ident: bigint): string {
    return `${type}:${ident}`;
  }
}
