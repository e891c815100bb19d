/**
 * Shapes of the ABI metadata tables (type descriptors, struct layouts, syscall descriptors).
 * The tables themselves are generated from the specification into `./generated/`.
 */

/** Names of the built-in integer types of the specification. */
export type IntTypeName = 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'int64' | 'char' | 'size';

/** A scalar: a built-in integer or a named enum, flag set, opaque type or alias. */
export interface ScalarType {
  /** `int` for built-ins, otherwise how the spec declares the named type. */
  readonly kind: 'int' | 'enum' | 'flags' | 'opaque' | 'alias';
  /** Spec type name (`fd`, `whence`, `size`, `uint32`). */
  readonly name: string;
  /** Width in bytes on x86-64. */
  readonly size: 1 | 2 | 4 | 8;
  /** True only for `filedelta` / `int64`. */
  readonly signed: boolean;
}

/** A pointer (`ptr`, `cptr`, optionally `atomic`). */
export interface PointerType {
  /** Discriminant. */
  readonly kind: 'pointer';
  /** Declared `cptr`: the callee only reads through it. */
  readonly const: boolean;
  /** The pointee is accessed atomically (lock and condvar words). */
  readonly atomic: boolean;
  /** What the pointer points to. */
  readonly target: AbiType;
}

/** A (pointer, length) pair (`range`, `crange`); the length counts elements of `element`. */
export interface RangeType {
  /** Discriminant. */
  readonly kind: 'range';
  /** Declared `crange`: read-only memory. */
  readonly const: boolean;
  /** Element type; `void` and `char` ranges count bytes. */
  readonly element: AbiType;
}

/** A fixed-length array inside a struct. */
export interface ArrayType {
  /** Discriminant. */
  readonly kind: 'array';
  /** Number of elements. */
  readonly length: number;
  /** Element type. */
  readonly element: AbiType;
}

/** A struct, by spec name; its layout is in `STRUCTS`. */
export interface StructType {
  /** Discriminant. */
  readonly kind: 'struct';
  /** Spec name (`fdstat`). */
  readonly name: string;
}

/** A function type (thread entry point). */
export interface FunctionType {
  /** Discriminant. */
  readonly kind: 'function';
  /** Spec name (`threadentry`). */
  readonly name: string;
}

/** Untyped memory. */
export interface VoidType {
  /** Discriminant. */
  readonly kind: 'void';
}

/** Any type the ABI can mention. */
export type AbiType = ScalarType | PointerType | RangeType | ArrayType | StructType | FunctionType | VoidType;

/** One named value of an enum, flag set or opaque type. */
export interface MemberInfo {
  /** Spec spelling (`regular_file`). */
  readonly name: string;
  /** Key in the exported object (`REGULAR_FILE`). */
  readonly key: string;
  /** Name in the C headers (`CLOUDABI_FILETYPE_REGULAR_FILE`). */
  readonly cName: string;
  /** Numeric value; bigint for 64-bit types. */
  readonly value: number | bigint;
  /** Only part of the 2015–2016 ABI. */
  readonly legacy: boolean;
}

/** Metadata for one named scalar type of the spec. */
export interface TypeInfo {
  /** Spec type name (`filetype`). */
  readonly name: string;
  /** How the spec declares it. */
  readonly kind: 'enum' | 'flags' | 'opaque' | 'alias';
  /** Width in bytes. */
  readonly size: 1 | 2 | 4 | 8;
  /** Signedness of the representation. */
  readonly signed: boolean;
  /** Only part of the 2015–2016 ABI. */
  readonly legacy: boolean;
  /** One-line summary. */
  readonly doc: string;
  /** Named values, in ascending value order for enums and flags. */
  readonly members: readonly MemberInfo[];
}

/** Which half of a range field a {@link FieldLayout} is. */
export interface RangeHalf {
  /** Name of the range (the pointer half's name). */
  readonly of: string;
  /** Pointer or length half. */
  readonly part: 'pointer' | 'length';
  /** The declared range type. */
  readonly type: RangeType;
}

/** A field of a struct at its x86-64 offset. Range fields appear as their two halves. */
export interface FieldLayout {
  /** Field name as in the C headers (`fs_rights_base`, `ri_data_len`). */
  readonly name: string;
  /** Byte offset from the start of the outermost struct. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
  /** Field type; a range half is a pointer or a `size`. */
  readonly type: AbiType;
  /** For range halves: the range this half belongs to and which half it is. */
  readonly range?: RangeHalf;
}

/** One arm of a tagged union. */
export interface VariantLayout {
  /** Tag member names (`fd_read`, `fd_write`). */
  readonly tags: readonly string[];
  /** Tag values selecting this arm. */
  readonly tagValues: readonly number[];
  /** Property holding the arm's fields in decoded objects (`fd_readwrite`); undefined when the fields sit directly in the object or there are none. */
  readonly property: string | undefined;
  /** Fields of the arm (offsets from the start of the struct). Empty for tags without payload. */
  readonly fields: readonly FieldLayout[];
}

/** The tagged union at the end of a struct. */
export interface UnionLayout {
  /** Name of the tag field (`type`). */
  readonly tag: string;
  /** Spec type of the tag (`eventtype`). */
  readonly tagType: string;
  /** Offset of the union. */
  readonly offset: number;
  /** Size of the union. */
  readonly size: number;
  /** Alignment of the union. */
  readonly align: number;
  /** Arms; the last one collects tags without payload, if any. */
  readonly variants: readonly VariantLayout[];
}

/** x86-64 layout of a struct. */
export interface StructLayout {
  /** Spec name (`subscription`). */
  readonly name: string;
  /** Size in bytes, including trailing padding. */
  readonly size: number;
  /** Alignment in bytes. */
  readonly align: number;
  /** Only part of the 2015–2016 ABI. */
  readonly legacy: boolean;
  /** One-line summary. */
  readonly doc: string;
  /** Fields before the union (or all fields). */
  readonly fields: readonly FieldLayout[];
  /** The tagged union, if the struct has one. */
  readonly union: UnionLayout | undefined;
  /** Every field offset by path (`fs_flags`, `clock.timeout`, `a_val`). */
  readonly offsets: Readonly<Record<string, number>>;
}

/**
 * What a syscall parameter means, for decoding arguments and printing traces:
 * - `value`: plain scalar (see its type for enum / flags / width);
 * - `fd`: a file descriptor number; `lookup`: fd in the low and lookup flags in the high 32 bits;
 * - `path` / `string`: (ptr, len) text, not NUL-terminated; `path` is resolved relative to a directory fd;
 * - `buffer-in` / `buffer-out`: (ptr, len) bytes read / written by the kernel;
 * - `memory-region`: (ptr, len) address range operated on, not its contents;
 * - `iovec-array` / `ciovec-array`: (ptr, count) of scatter/gather records;
 * - `fd-array`: (ptr, count) of u32 fds;
 * - `struct-in` / `struct-out`: pointer to one struct read / written by the kernel;
 * - `struct-array-in` / `struct-array-out`: pointer to several structs, count in `count` or the range length;
 * - `atomic-word`: pointer to a u32 lock or condition variable;
 * - `address`: a plain guest address;
 * - `result-pointer`: (vDSO only) where the function stores one result.
 */
export type ParamRole =
  | 'value'
  | 'fd'
  | 'lookup'
  | 'path'
  | 'string'
  | 'buffer-in'
  | 'buffer-out'
  | 'memory-region'
  | 'iovec-array'
  | 'ciovec-array'
  | 'fd-array'
  | 'struct-in'
  | 'struct-out'
  | 'struct-array-in'
  | 'struct-array-out'
  | 'atomic-word'
  | 'address'
  | 'result-pointer';

/** An input parameter as declared by the spec (ranges not yet split). */
export interface SyscallParam {
  /** Parameter name (`path`, `dirfd`). */
  readonly name: string;
  /** Declared type. */
  readonly type: AbiType;
  /** Meaning for decoding and printing. */
  readonly role: ParamRole;
  /** Struct involved, for the struct roles (`fdstat`). */
  readonly struct?: string;
  /** For struct arrays given by a plain pointer: the parameter holding the element count. */
  readonly count?: string;
  /** The only values the final ABI accepts, when the spec restricts them. */
  readonly allowed?: readonly number[];
  /** The values the legacy ABI accepts, when they differ from `allowed`. */
  readonly legacyAllowed?: readonly number[];
}

/** An output of a syscall. */
export interface SyscallResult {
  /** Result name (`fd`, `nread`). */
  readonly name: string;
  /** Result type. */
  readonly type: AbiType;
  /** Register holding it after a raw `syscall` on success. */
  readonly register: 'rax' | 'rdx';
  /** Width of the store the vDSO makes through the out-pointer (4 for fd/tid, else 8). */
  readonly storeSize: 4 | 8;
}

/** Registers carrying arguments of the raw `syscall` instruction, in order. */
export type RawRegister = 'rdi' | 'rsi' | 'rdx' | 'r10' | 'r8' | 'r9';

/** Registers carrying the first six arguments of a SysV AMD64 C call, in order. */
export type CallRegister = 'rdi' | 'rsi' | 'rdx' | 'rcx' | 'r8' | 'r9';

/** One register-sized argument, after ranges are split into (pointer, length). */
export interface FlatParam {
  /** Name of this half (`path`, `path_len`) or of the whole parameter. */
  readonly name: string;
  /** The declared parameter it comes from. */
  readonly param: string;
  /** Whole value, pointer half or length half of a range; `result` is an out-pointer (vDSO only). */
  readonly part: 'value' | 'pointer' | 'length' | 'result';
  /** Meaning of the declared parameter (`result-pointer` for out-pointers). */
  readonly role: ParamRole;
  /** Type of this register: pointer, `size`, scalar or the `lookup` struct (packed in one register). */
  readonly type: AbiType;
}

/** A raw-`syscall` argument and its register. */
export interface RegisterParam extends FlatParam {
  /** Register holding it. */
  readonly register: RawRegister;
}

/** A vDSO C-call argument and where it is passed. */
export interface VdsoParam extends FlatParam {
  /** Register holding it, or `stack` for arguments past the sixth. */
  readonly location: CallRegister | 'stack';
  /** For `stack`: offset from rsp at function entry (the return address is at 0). */
  readonly stackOffset?: number;
}

/** Everything known about one syscall. */
export interface SyscallDescriptor {
  /** Name without prefix (`fd_read`); the vDSO symbol is `cloudabi_sys_<name>`. */
  readonly name: string;
  /** Number in the final spec's alphabetical numbering (0..48), undefined for removed syscalls. */
  readonly number: number | undefined;
  /** Number in the 2015–2016 raw `syscall` numbering (0..57), undefined for later additions. */
  readonly legacyNumber: number | undefined;
  /** Only part of the legacy ABI. */
  readonly legacy: boolean;
  /** Never returns (`proc_exit`, `thread_exit`). */
  readonly noreturn: boolean;
  /** One-line summary. */
  readonly doc: string;
  /** Inputs as declared. */
  readonly params: readonly SyscallParam[];
  /** Outputs (`rax`, then `rdx`). */
  readonly results: readonly SyscallResult[];
  /** Inputs of the raw `syscall` instruction, in register order. */
  readonly registerParams: readonly RegisterParam[];
  /** Arguments of the vDSO C function: flattened inputs, then one out-pointer per result. */
  readonly vdsoParams: readonly VdsoParam[];
}
