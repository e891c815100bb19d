/** A FIFO of byte chunks with a capacity, the buffer behind pipes, socket pairs and input streams. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  /** Bytes currently queued. */
  length = 0;

  constructor(
    /** Bytes the queue accepts before writers must wait. */
    readonly capacity: number,
  ) {}

  /** Room left before the capacity is reached. */
  get room(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Appends a copy of up to `room` bytes of `data` (all of it when `force`); returns how many. */
  push(data: Uint8Array, force = false): number {
    const n = force ? data.length : Math.min(data.length, this.room);
    if (n === 0) return 0;
    this.chunks.push(data.slice(0, n));
    this.length += n;
    return n;
  }

  /** Removes and returns up to `len` bytes (the caller owns the array it gets). */
  shift(len: number): Uint8Array {
    const n = Math.min(len, this.length);
    const first = this.chunks[0];
    if (first !== undefined && this.head + n <= first.length) {
      // Served from the first chunk alone: hand the whole chunk over when it is taken entirely
      // (it is our own copy), else one copy of the part.
      let out: Uint8Array;
      if (this.head === 0 && n === first.length) {
        out = first;
        this.chunks.shift();
      } else {
        out = first.slice(this.head, this.head + n);
        this.head += n;
        if (this.head === first.length) {
          this.chunks.shift();
          this.head = 0;
        }
      }
      this.length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const take = Math.min(n - filled, chunk.length - this.head);
      out.set(chunk.subarray(this.head, this.head + take), filled);
      filled += take;
      this.head += take;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }
}
