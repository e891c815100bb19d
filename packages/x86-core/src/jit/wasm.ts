/**
 * A minimal WebAssembly binary writer for the JIT: one module with one function of type
 * `(i32) -> i32` that imports a memory as `e.m` and is exported as `f`. Encodings follow the
 * WebAssembly core specification §5 (binary format).
 */

/** Value type codes (spec §5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;

/** Opcodes used by the translator (spec §5.4). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  call: 0x10,
  /** Tail call through a table (tail-call proposal; V8 11.2+ without flags). */
  returnCallIndirect: 0x13,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Load16U: 0x2f,
  i64Load: 0x29,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32LeS: 0x4c,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i32GeS: 0x4e,
  i64Eqz: 0x50,
  i64Ne: 0x52,
  i64Eq: 0x51,
  i64LtS: 0x53,
  i64LtU: 0x54,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i32Rotr: 0x78,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i64Rotr: 0x8a,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
  f64Load: 0x2b,
  f64Store: 0x39,
  f64Const: 0x44,
  f64Eq: 0x61,
  f64Lt: 0x63,
  f64Gt: 0x64,
  f64Le: 0x65,
  f64Ge: 0x66,
  f64Abs: 0x99,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  i64ReinterpretF64: 0xbd,
  f64ReinterpretI64: 0xbf,
  i32Extend8S: 0xc0,
  i32Extend16S: 0xc1,
  i64LeU: 0x58,
  i64DivS: 0x7f,
  f64Ne: 0x62,
  f64Trunc: 0x9d,
  i32TruncF64S: 0xaa,
  i64TruncF64S: 0xb0,
  f64ConvertI32S: 0xb7,
  f64ConvertI64S: 0xb9,
  f64PromoteF32: 0xbb,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Eq: 0x5b,
  f32Lt: 0x5d,
  f32Ge: 0x60,
  f32Abs: 0x8b,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32ConvertI32S: 0xb2,
  f32ConvertI64S: 0xb4,
  f32DemoteF64: 0xb6,
  i32ReinterpretF32: 0xbc,
  f32ReinterpretI32: 0xbe,
  /** The prefix of the SIMD instructions ({@link SIMD_OP}). */
  simd: 0xfd,
} as const;

/** The value type v128 (SIMD specification, "Value Types"). */
export const V128 = 0x7b;

/**
 * SIMD opcodes, written after OP.simd as a LEB128 u32 (SIMD specification, "Instructions"). The
 * integer lane operations are named by their lane width: i8 = i8x16, i16 = i16x8, i32 = i32x4,
 * i64 = i64x2.
 */
export const SIMD_OP = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  shuffle: 0x0d,
  i32ExtractLane: 0x1b,
  i32ReplaceLane: 0x1c,
  i64ExtractLane: 0x1d,
  i64ReplaceLane: 0x1e,
  f32ExtractLane: 0x1f,
  f64ExtractLane: 0x21,
  f64ReplaceLane: 0x22,
  i8Eq: 0x23,
  i8GtS: 0x27,
  i16Eq: 0x2d,
  i16GtS: 0x31,
  i32Eq: 0x37,
  i32GtS: 0x3b,
  f64x2Eq: 0x47,
  f64x2Ne: 0x48,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  anyTrue: 0x53,
  i8Bitmask: 0x64,
  i8NarrowS: 0x65,
  i8NarrowU: 0x66,
  i8Add: 0x6e,
  i8Sub: 0x71,
  i8MinU: 0x77,
  i8MaxU: 0x79,
  i16NarrowS: 0x85,
  i16Shl: 0x8b,
  i16ShrS: 0x8c,
  i16ShrU: 0x8d,
  i16Add: 0x8e,
  i16Sub: 0x91,
  i32Shl: 0xab,
  i32ShrS: 0xac,
  i32ShrU: 0xad,
  i32Add: 0xae,
  i32Sub: 0xb1,
  i64Shl: 0xcb,
  i64ShrU: 0xcd,
  i64Add: 0xce,
  i64Sub: 0xd1,
  i64LtS: 0xd8,
  f64x2Abs: 0xec,
  f64x2Sqrt: 0xef,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
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

function name(b: Bytes, s: string): void {
  b.u32(s.length);
  for (let k = 0; k < s.length; k++) b.byte(s.charCodeAt(k));
}

/** A function signature: parameter and result value types. */
export interface FuncType {
  params: readonly number[];
  results: readonly number[];
}

/** A function defined by the module. */
export interface FuncDef {
  /** Index into the module's type list. */
  type: number;
  /** Extra locals after the parameters. */
  locals: readonly number[];
  /** The body without its final `end`. */
  code: Bytes;
  /** Export name, if exported. */
  export?: string;
}

/**
 * What {@link assemble} builds: `e.m` memory import, optionally an `e.t` funcref table import,
 * `e.<name>` function imports, functions.
 */
export interface ModuleSpec {
  types: readonly FuncType[];
  /** Import a funcref table as `e.t` (table index 0), for `return_call_indirect`. */
  table?: boolean;
  /** Imported functions (module "e"), numbered before the defined ones. */
  imports: readonly { name: string; type: number }[];
  funcs: readonly FuncDef[];
}

/** Assembles a module that imports memory `e.m` (spec §5.5). */
export function assemble(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const out = new Bytes();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const types = new Bytes().u32(spec.types.length);
  for (const t of spec.types) {
    types.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  }
  section(out, 1, types);
  const imp = new Bytes().u32(1 + (spec.table === true ? 1 : 0) + spec.imports.length);
  name(imp, 'e');
  name(imp, 'm');
  imp.byte(0x02).byte(0x00).u32(1);
  if (spec.table === true) {
    // Table import: reference type funcref (0x70), limits with a minimum only (spec §5.5.5).
    name(imp, 'e');
    name(imp, 't');
    imp.byte(0x01).byte(0x70).byte(0x00).u32(0);
  }
  for (const f of spec.imports) {
    name(imp, 'e');
    name(imp, f.name);
    imp.byte(0x00).u32(f.type);
  }
  section(out, 2, imp);
  const fs = new Bytes().u32(spec.funcs.length);
  for (const f of spec.funcs) fs.u32(f.type);
  section(out, 3, fs);
  const exported = spec.funcs
    .map((f, k) => [f.export, k + spec.imports.length] as const)
    .filter((e) => e[0] !== undefined);
  const ex = new Bytes().u32(exported.length);
  for (const [n, k] of exported) {
    name(ex, n as string);
    ex.byte(0x00).u32(k);
  }
  section(out, 7, ex);
  const code = new Bytes().u32(spec.funcs.length);
  for (const f of spec.funcs) {
    const body = new Bytes();
    const groups: [number, number][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [n, t] of groups) body.u32(n).byte(t);
    body.bytes(f.code.take()).byte(OP.end);
    code.u32(body.length).bytes(body.take());
  }
  section(out, 10, code);
  return out.take();
}

/**
 * Assembles a module around one exported function `f` of type `(i32) -> i32`: `locals` lists the
 * extra local types, `code` is the instruction sequence without the final `end`.
 */
export function assembleModule(locals: readonly number[], code: Bytes): Uint8Array<ArrayBuffer> {
  return assemble({
    types: [{ params: [I32], results: [I32] }],
    imports: [],
    funcs: [{ type: 0, locals, code, export: 'f' }],
  });
}
