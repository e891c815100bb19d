/**
 * A minimal WebAssembly binary writer for the JIT: one module with one function of type
 * `(i32) -> i32` that imports a memory as `e.m` and is exported as `f`. Encodings follow the
 * WebAssembly core specification §5 (binary format).
 */

/** Value type codes (spec §5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes used by the translator (spec §5.4). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32GeS: 0x4e,
  i64Eqz: 0x50,
  i64Ne: 0x52,
  i64LtS: 0x53,
  i64LtU: 0x54,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
} as const;

/** Block type "no result" (spec §5.4.1). */
export const VOID = 0x40;

/** A growable byte buffer with LEB128 helpers. */
export class Bytes {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const n = new Uint8Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
    }
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let k = 0; k < bs.length; k++) this.byte(bs[k]!);
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^32. */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      const b = x & 0x7f;
      x >>>= 7;
      this.byte(x !== 0 ? b | 0x80 : b);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of an int32. */
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of the 64-bit value hi:lo (two int32 halves), without BigInt. */
  s64(lo: number, hi: number): this {
    let l = lo >>> 0;
    let h = hi | 0;
    for (;;) {
      const b = l & 0x7f;
      // Arithmetic shift of the 64-bit pair by 7.
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>= 7;
      const done =
        (h === 0 && l === 0 && (b & 0x40) === 0) || (h === -1 && l === 0xffffffff && (b & 0x40) !== 0);
      if (done) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  /** A copy of the written bytes. */
  take(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

function section(out: Bytes, id: number, body: Bytes): void {
  out.byte(id).u32(body.length).bytes(body.take());
}

/**
 * Assembles a module around one function body: `locals` lists the extra local types (after the
 * single i32 parameter), `code` is the instruction sequence without the final `end`.
 */
export function assembleModule(locals: readonly number[], code: Bytes): Uint8Array<ArrayBuffer> {
  const out = new Bytes();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  // Type section: one type (func (param i32) (result i32)).
  section(out, 1, new Bytes().u32(1).byte(0x60).u32(1).byte(I32).u32(1).byte(I32));
  // Import section: memory "e" "m" with minimum 1 page.
  const imp = new Bytes().u32(1);
  imp.u32(1).byte(0x65).u32(1).byte(0x6d).byte(0x02).byte(0x00).u32(1);
  section(out, 2, imp);
  // Function section.
  section(out, 3, new Bytes().u32(1).u32(0));
  // Export section: "f" → function 0.
  section(out, 7, new Bytes().u32(1).u32(1).byte(0x66).byte(0x00).u32(0));
  // Code section: locals run-length encoded by type.
  const body = new Bytes();
  const groups: [number, number][] = [];
  for (const t of locals) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  body.u32(groups.length);
  for (const [n, t] of groups) body.u32(n).byte(t);
  body.bytes(code.take()).byte(OP.end);
  const code2 = new Bytes().u32(1).u32(body.length).bytes(body.take());
  section(out, 10, code2);
  return out.take();
}
