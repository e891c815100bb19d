/**
 * Turns the parsed final specification and the 2016-08 legacy specification into one merged model:
 * every scalar type with its members (legacy-only ones marked), every struct with its x86-64 layout,
 * and every syscall with both numberings and its flattened register form.
 */
import type {
  FieldDecl,
  IntName,
  ScalarDecl,
  SpecFile,
  StructDecl,
  SyscallDecl,
  TypeRef,
} from './spec-parser.js';
import { SpecParseError } from './spec-parser.js';

/** A member of a merged scalar type. */
export interface MemberModel {
  readonly name: string;
  /** Key in the generated `as const` object (`REGULAR_FILE`, `E2BIG`, `SIGSEGV`). */
  readonly key: string;
  /** Name of the constant in the C headers (`CLOUDABI_FILETYPE_REGULAR_FILE`). */
  readonly cName: string;
  readonly value: bigint;
  /** Only present in the 2015–2016 ABI. */
  readonly legacy: boolean;
}

/** A merged enum, flag set, opaque type or alias. */
export interface ScalarModel {
  readonly kind: ScalarDecl['kind'];
  readonly name: string;
  readonly int: IntName;
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  /** Prefix used for C names and for top-level special constants (`LOCK_`). */
  readonly prefix: string;
  readonly members: readonly MemberModel[];
  readonly legacy: boolean;
}

/** A field at a resolved offset. Ranges appear as two fields (pointer half and length half). */
export interface FieldLayoutModel {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  readonly type: TypeRef;
  /** For range halves: which half, and the declared range type. */
  readonly range?: { readonly part: 'pointer' | 'length'; readonly of: string; readonly type: TypeRef };
}

/** One arm of a tagged union with the tag values that select it. */
export interface VariantLayoutModel {
  readonly tags: readonly string[];
  readonly tagValues: readonly bigint[];
  /** Property holding the arm's fields (`clock`), or undefined when the arm's field sits directly in the struct. */
  readonly property: string | undefined;
  /** Fields with offsets relative to the start of the enclosing struct. */
  readonly fields: readonly FieldLayoutModel[];
}

/** A struct with its x86-64 layout. */
export interface StructModel {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly fields: readonly FieldLayoutModel[];
  readonly union:
    | {
        readonly tagField: string;
        readonly tagType: string;
        readonly offset: number;
        readonly size: number;
        readonly align: number;
        /** Arms with a payload, then one arm (property undefined, no fields) for tags without payload. */
        readonly variants: readonly VariantLayoutModel[];
      }
    | undefined;
  readonly legacy: boolean;
}

/** A merged syscall. */
export interface SyscallModel {
  readonly name: string;
  readonly number: number | undefined;
  readonly legacyNumber: number | undefined;
  readonly legacy: boolean;
  readonly noreturn: boolean;
  readonly inputs: readonly FieldDecl[];
  readonly outputs: readonly FieldDecl[];
  /** Allowed values per parameter name under the legacy ABI, when they differ from the final ones. */
  readonly legacyAllowed: Readonly<Record<string, readonly string[]>>;
}

/** The merged ABI. */
export interface AbiModel {
  readonly scalars: readonly ScalarModel[];
  readonly structs: readonly StructModel[];
  /** Every struct as declared in the 2016-08 legacy spec (same sizes, some fields meant other things). */
  readonly legacyStructs: readonly StructModel[];
  readonly syscalls: readonly SyscallModel[];
  readonly functions: readonly string[];
}

const INT_SIZE: Record<IntName, 1 | 2 | 4 | 8> = { uint8: 1, uint16: 2, uint32: 4, uint64: 8, int64: 8 };

function upper(name: string): string {
  return name.toUpperCase();
}

function memberKey(type: string, name: string): string {
  if (type === 'errno') return name === 'success' ? 'SUCCESS' : `E${upper(name)}`;
  if (type === 'signal') return `SIG${upper(name)}`;
  return upper(name);
}

function mergeScalar(final: ScalarDecl | undefined, legacy: ScalarDecl | undefined): ScalarModel {
  const decl = final ?? legacy;
  if (decl === undefined) throw new Error('unreachable');
  if (
    final !== undefined &&
    legacy !== undefined &&
    (final.int !== legacy.int || final.kind !== legacy.kind)
  ) {
    throw new SpecParseError(`type ${decl.name} differs between final and legacy spec`);
  }
  const prefix = decl.cprefix ?? `${upper(decl.name)}_`;
  const members: MemberModel[] = [];
  const seen = new Set<string>();
  const add = (m: { name: string; value: bigint }, isLegacy: boolean): void => {
    seen.add(m.name);
    members.push({
      name: m.name,
      key: memberKey(decl.name, m.name),
      cName: `CLOUDABI_${prefix}${upper(m.name)}`,
      value: m.value,
      legacy: isLegacy,
    });
  };
  for (const m of final?.members ?? []) add(m, false);
  for (const m of legacy?.members ?? []) {
    if (!seen.has(m.name)) add(m, true);
    else {
      const same = members.find((x) => x.name === m.name);
      if (same !== undefined && same.value !== m.value) {
        throw new SpecParseError(`${decl.name}.${m.name} has different values in final and legacy spec`);
      }
    }
  }
  if (final === undefined)
    for (let i = 0; i < members.length; i++) members[i] = { ...members[i]!, legacy: true };
  // Value order reads best in tables and formatted output; the sort is stable for equal values.
  if (decl.kind !== 'opaque') members.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return {
    kind: decl.kind,
    name: decl.name,
    int: decl.int,
    size: INT_SIZE[decl.int],
    signed: decl.int === 'int64',
    prefix,
    members,
    legacy: final === undefined,
  };
}

interface Sized {
  readonly size: number;
  readonly align: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Computes layouts following the x86-64 System V rules (natural alignment, LP64). */
class LayoutEngine {
  private readonly structs = new Map<string, StructModel>();

  constructor(
    private readonly scalars: ReadonlyMap<string, ScalarModel>,
    private readonly structDecls: ReadonlyMap<string, StructDecl>,
    private readonly legacyStructs: ReadonlySet<string>,
  ) {}

  sizeOf(type: TypeRef): Sized {
    switch (type.kind) {
      case 'ptr':
        return { size: 8, align: 8 };
      case 'range':
        return { size: 16, align: 8 };
      case 'array': {
        const el = this.sizeOf(type.element);
        return { size: el.size * type.length, align: el.align };
      }
      case 'named': {
        const n = type.name;
        if (n === 'char' || n === 'uint8') return { size: 1, align: 1 };
        if (n === 'uint16') return { size: 2, align: 2 };
        if (n === 'uint32') return { size: 4, align: 4 };
        if (n === 'uint64' || n === 'int64' || n === 'size') return { size: 8, align: 8 };
        const scalar = this.scalars.get(n);
        if (scalar !== undefined) return { size: scalar.size, align: scalar.size };
        const s = this.struct(n);
        return { size: s.size, align: s.align };
      }
    }
  }

  private place(
    fields: readonly FieldDecl[],
    start: number,
  ): { fields: FieldLayoutModel[]; end: number; align: number } {
    const out: FieldLayoutModel[] = [];
    let offset = start;
    let align = 1;
    for (const f of fields) {
      if (f.type.kind === 'range') {
        const names = f.rangeNames ?? { pointer: f.name, length: `${f.name}_len` };
        offset = alignUp(offset, 8);
        const ptrType: TypeRef = { kind: 'ptr', const: f.type.const, atomic: false, target: f.type.element };
        out.push({
          name: names.pointer,
          offset,
          size: 8,
          align: 8,
          type: ptrType,
          range: { part: 'pointer', of: f.name, type: f.type },
        });
        out.push({
          name: names.length,
          offset: offset + 8,
          size: 8,
          align: 8,
          type: { kind: 'named', name: 'size' },
          range: { part: 'length', of: f.name, type: f.type },
        });
        offset += 16;
        align = Math.max(align, 8);
        continue;
      }
      const s = this.sizeOf(f.type);
      offset = alignUp(offset, s.align);
      out.push({ name: f.name, offset, size: s.size, align: s.align, type: f.type });
      offset += s.size;
      align = Math.max(align, s.align);
    }
    return { fields: out, end: offset, align };
  }

  struct(name: string): StructModel {
    const cached = this.structs.get(name);
    if (cached !== undefined) return cached;
    const decl = this.structDecls.get(name);
    if (decl === undefined) throw new SpecParseError(`unknown type ${name}`);
    const head = this.place(decl.fields, 0);
    let end = head.end;
    let align = head.align;
    let union: StructModel['union'];
    if (decl.variant !== undefined) {
      const tagField = head.fields.find((f) => f.name === decl.variant?.tagField);
      if (tagField === undefined || tagField.type.kind !== 'named')
        throw new SpecParseError(`bad tag in ${name}`);
      const tagType = this.scalars.get(tagField.type.name);
      if (tagType === undefined) throw new SpecParseError(`tag of ${name} is not an enum`);
      // Lay each arm out at offset 0 first to learn the union's alignment, then shift it.
      const arms = decl.variant.arms.map((arm) => ({ arm, placed: this.place(arm.fields, 0) }));
      const unionAlign = Math.max(1, ...arms.map((a) => a.placed.align));
      const unionSize = alignUp(Math.max(0, ...arms.map((a) => a.placed.end)), unionAlign);
      const unionOffset = alignUp(end, unionAlign);
      const tagValue = (tag: string): bigint => {
        const m = tagType.members.find((x) => x.name === tag);
        if (m === undefined) throw new SpecParseError(`${name}: unknown tag ${tag}`);
        return m.value;
      };
      const used = new Set<string>();
      const variants: VariantLayoutModel[] = arms.map(({ arm, placed }) => {
        for (const t of arm.tags) used.add(t);
        return {
          tags: arm.tags,
          tagValues: arm.tags.map(tagValue),
          property: arm.structName,
          fields: placed.fields.map((f) => ({ ...f, offset: f.offset + unionOffset })),
        };
      });
      // Tags of the enum without an arm carry no payload (e.g. event types clock/condvar/lock at HEAD).
      const bare = tagType.members.filter(
        (m) => !used.has(m.name) && !(m.legacy && !this.legacyStructs.has(name)),
      );
      if (bare.length > 0) {
        variants.push({
          tags: bare.map((m) => m.name),
          tagValues: bare.map((m) => m.value),
          property: undefined,
          fields: [],
        });
      }
      union = {
        tagField: tagField.name,
        tagType: tagType.name,
        offset: unionOffset,
        size: unionSize,
        align: unionAlign,
        variants,
      };
      end = unionOffset + unionSize;
      align = Math.max(align, unionAlign);
    }
    const model: StructModel = {
      name,
      size: alignUp(end, align),
      align,
      fields: head.fields,
      union,
      legacy: this.legacyStructs.has(name),
    };
    this.structs.set(name, model);
    return model;
  }
}

/** Register-level shape of a parameter list, used to check that legacy and final declarations agree. */
function flatShape(fields: readonly FieldDecl[]): string {
  return fields
    .map((f) => (f.type.kind === 'range' ? `${JSON.stringify(f.type)},size` : JSON.stringify(f.type)))
    .join(';');
}

/** Builds the merged model from the final and legacy specification files. */
export function buildModel(final: SpecFile, legacy: SpecFile): AbiModel {
  const finalScalars = new Map(final.scalars.map((s) => [s.name, s]));
  const legacyScalars = new Map(legacy.scalars.map((s) => [s.name, s]));
  const scalarNames = [
    ...final.scalars.map((s) => s.name),
    ...legacy.scalars.map((s) => s.name).filter((n) => !finalScalars.has(n)),
  ];
  const scalars = scalarNames.map((n) => mergeScalar(finalScalars.get(n), legacyScalars.get(n)));
  const scalarMap = new Map(scalars.map((s) => [s.name, s]));

  const finalStructNames = new Set(final.structs.map((s) => s.name));
  const legacyOnly = legacy.structs.filter((s) => !finalStructNames.has(s.name));
  const structDecls = new Map<string, StructDecl>([...final.structs, ...legacyOnly].map((s) => [s.name, s]));
  const engine = new LayoutEngine(scalarMap, structDecls, new Set(legacyOnly.map((s) => s.name)));
  const structs = [...final.structs, ...legacyOnly].map((s) => engine.struct(s.name));
  const legacyEngine = new LayoutEngine(
    scalarMap,
    new Map(legacy.structs.map((s) => [s.name, s])),
    new Set(legacy.structs.map((s) => s.name)),
  );
  const legacyStructs = legacy.structs.map((s) => legacyEngine.struct(s.name));

  const finalSorted = [...final.syscalls].sort((a, b) => (a.name < b.name ? -1 : 1));
  const legacyByName = new Map(legacy.syscalls.map((s) => [s.name, s]));
  const finalByName = new Map(final.syscalls.map((s) => [s.name, s]));
  const names = [
    ...new Set([...final.syscalls.map((s) => s.name), ...legacy.syscalls.map((s) => s.name)]),
  ].sort();
  const syscalls: SyscallModel[] = names.map((name) => {
    const f = finalByName.get(name);
    const l: SyscallDecl | undefined = legacyByName.get(name);
    const decl = f ?? l;
    if (decl === undefined) throw new Error('unreachable');
    if (l !== undefined && l.number === undefined)
      throw new SpecParseError(`legacy syscall ${name} has no number`);
    if (f !== undefined && l !== undefined) {
      if (flatShape(f.inputs) !== flatShape(l.inputs) || flatShape(f.outputs) !== flatShape(l.outputs)) {
        throw new SpecParseError(`syscall ${name} has a different signature in the legacy spec`);
      }
    }
    const legacyAllowed: Record<string, readonly string[]> = {};
    if (f !== undefined && l !== undefined) {
      f.inputs.forEach((p, i) => {
        const lp = l.inputs[i];
        if (lp?.allowed !== undefined && JSON.stringify(lp.allowed) !== JSON.stringify(p.allowed)) {
          legacyAllowed[p.name] = lp.allowed;
        }
      });
    }
    return {
      name,
      number: f === undefined ? undefined : finalSorted.indexOf(f),
      legacyNumber: l?.number,
      legacy: f === undefined,
      noreturn: decl.noreturn,
      inputs: decl.inputs,
      outputs: decl.outputs,
      legacyAllowed,
    };
  });
  return { scalars, structs, legacyStructs, syscalls, functions: final.functions.map((f) => f.name) };
}
