/**
 * Little-endian accessors shared by the generated struct codecs. All multi-byte fields of the
 * CloudABI x86-64 ABI are little-endian; 64-bit fields are exposed as bigint.
 */
import { AbiError } from './errors.js';

/** Wraps a byte array in a DataView over the same memory (a DataView is returned unchanged). */
export function toDataView(view: DataView | Uint8Array): DataView {
  if (view instanceof DataView) return view;
  return new DataView(view.buffer, view.byteOffset, view.byteLength);
}

/** Throws `EFAULT` unless `size` bytes starting at `offset` lie inside the view. */
export function checkStruct(view: DataView, offset: number, size: number, name: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > view.byteLength) {
    throw new AbiError(
      `${name}: ${size} bytes at offset ${offset} do not fit in ${view.byteLength} bytes`,
      'EFAULT',
    );
  }
}

/** Sets `size` bytes at `offset` to zero (padding and inactive union arms). */
export function zeroBytes(view: DataView, offset: number, size: number): void {
  new Uint8Array(view.buffer, view.byteOffset + offset, size).fill(0);
}

/** Copies `length` bytes out of the view. */
export function readBytes(view: DataView, offset: number, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + offset, length).slice();
}

/** Copies a byte array field into the view; shorter input is zero-padded, longer input is rejected. */
export function writeBytes(
  view: DataView,
  offset: number,
  length: number,
  bytes: Uint8Array,
  name: string,
): void {
  if (bytes.length > length) {
    throw new AbiError(`${name}: ${bytes.length} bytes do not fit in a ${length}-byte array`, 'EINVAL');
  }
  const target = new Uint8Array(view.buffer, view.byteOffset + offset, length);
  target.fill(0);
  target.set(bytes);
}
