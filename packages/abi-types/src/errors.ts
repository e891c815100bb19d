/** Errno names an {@link AbiError} can carry (a subset of `Errno` keys). */
export type AbiErrorCode = 'EFAULT' | 'EINVAL';

/**
 * Thrown by struct codecs for input they cannot represent: a struct that does not fit in the
 * buffer (`EFAULT`) or a union tag / array length the layout does not allow (`EINVAL`).
 * `code` is the CloudABI errno name a kernel would report for such guest input.
 */
export class AbiError extends Error {
  /** CloudABI errno name matching the failure. */
  readonly code: AbiErrorCode;

  /**
   * @param message - what went wrong, for humans
   * @param code - errno name for the guest
   */
  constructor(message: string, code: AbiErrorCode) {
    super(message);
    this.name = 'AbiError';
    this.code = code;
  }
}
