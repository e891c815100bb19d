/**
 * Parser for the CloudABI specification format (`cloudabi.txt`).
 *
 * The format is line based and indented with tabs. Top-level lines declare a type or a syscall
 * (`enum uint8 advice`, `struct dirent`, `syscall fd_read`, legacy files also `syscall 10 fd_read`);
 * indented lines below them carry members, fields, parameters and nested variants. Lines whose first
 * non-tab character is `|` are prose and lines starting with `#` are comments; both are skipped here
 * (none of the spec's prose ends up in generated code).
 */

/** One significant line with its nesting depth and its children. */
export interface SpecNode {
  readonly depth: number;
  readonly tokens: readonly string[];
  readonly line: number;
  readonly children: SpecNode[];
}

/** Thrown when the specification text does not have the expected shape. */
export class SpecParseError extends Error {
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'SpecParseError';
  }
}

/** Splits the text into a tree of significant lines, using leading tabs as nesting depth. */
export function parseTree(text: string): SpecNode[] {
  const roots: SpecNode[] = [];
  const stack: SpecNode[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const body = raw.replace(/^\t+/, '');
    if (body.trim() === '' || body.startsWith('|') || body.startsWith('#')) continue;
    if (body.startsWith(' ')) throw new SpecParseError('indentation must use tabs', i + 1);
    const depth = raw.length - body.length;
    const node: SpecNode = { depth, tokens: body.trim().split(/\s+/), line: i + 1, children: [] };
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      if (depth !== 0) throw new SpecParseError('indented line without a parent', i + 1);
      roots.push(node);
    } else {
      if (depth !== parent.depth + 1) throw new SpecParseError('indentation skips a level', i + 1);
      parent.children.push(node);
    }
    stack.push(node);
  }
  return roots;
}

/** Integer types the spec uses as the representation of enums, flags, opaque types and aliases. */
export type IntName = 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'int64';

const INT_NAMES: readonly string[] = ['uint8', 'uint16', 'uint32', 'uint64', 'int64'];

/** A type reference as written in a field or parameter line. */
export type TypeRef =
  | { readonly kind: 'named'; readonly name: string }
  | { readonly kind: 'ptr'; readonly const: boolean; readonly atomic: boolean; readonly target: TypeRef }
  | { readonly kind: 'range'; readonly const: boolean; readonly element: TypeRef }
  | { readonly kind: 'array'; readonly length: number; readonly element: TypeRef };

/** A field of a struct or a parameter of a syscall. A range carries the names of its two halves. */
export interface FieldDecl {
  readonly name: string;
  readonly type: TypeRef;
  /** For ranges: name of the pointer half and of the length half. */
  readonly rangeNames?: { readonly pointer: string; readonly length: string };
  /** Values (member names) listed under a parameter as the only ones accepted. */
  readonly allowed?: readonly string[];
}

/** A member of an enum, flag set or opaque type. */
export interface MemberDecl {
  readonly name: string;
  readonly value: bigint;
}

/** enum / flags / opaque / alias declaration. */
export interface ScalarDecl {
  readonly kind: 'enum' | 'flags' | 'opaque' | 'alias';
  readonly name: string;
  readonly int: IntName;
  /** Explicit C prefix (`@cprefix`), undefined when the default applies. */
  readonly cprefix: string | undefined;
  readonly members: readonly MemberDecl[];
}

/** A variant arm of a struct union: which tag values select it and what it holds. */
export interface VariantDecl {
  readonly tags: readonly string[];
  /** Name of the nested struct, or undefined when the arm is a single plain field. */
  readonly structName: string | undefined;
  readonly fields: readonly FieldDecl[];
}

/** A struct with its fields and at most one tagged union after them. */
export interface StructDecl {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly FieldDecl[];
  readonly variant: { readonly tagField: string; readonly arms: readonly VariantDecl[] } | undefined;
}

/** A function type (thread and process entry points). */
export interface FunctionDecl {
  readonly kind: 'function';
  readonly name: string;
  readonly params: readonly FieldDecl[];
}

/** A syscall with its inputs, outputs and (legacy files only) its number. */
export interface SyscallDecl {
  readonly name: string;
  readonly number: number | undefined;
  readonly inputs: readonly FieldDecl[];
  readonly outputs: readonly FieldDecl[];
  readonly noreturn: boolean;
}

/** The whole parsed specification, in file order. */
export interface SpecFile {
  readonly scalars: readonly ScalarDecl[];
  readonly structs: readonly StructDecl[];
  readonly functions: readonly FunctionDecl[];
  readonly syscalls: readonly SyscallDecl[];
}

function parseTypeAndName(tokens: readonly string[], line: number): FieldDecl {
  let i = 0;
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new SpecParseError(`incomplete declaration "${tokens.join(' ')}"`, line);
    return t;
  };
  const parseType = (): TypeRef => {
    const head = next();
    if (head === 'ptr' || head === 'cptr') {
      let atomic = false;
      if (tokens[i] === 'atomic') {
        atomic = true;
        i++;
      }
      return { kind: 'ptr', const: head === 'cptr', atomic, target: parseType() };
    }
    if (head === 'range' || head === 'crange') {
      return { kind: 'range', const: head === 'crange', element: parseType() };
    }
    if (head === 'array') {
      const length = Number(next());
      if (!Number.isInteger(length) || length <= 0) throw new SpecParseError('bad array length', line);
      return { kind: 'array', length, element: parseType() };
    }
    return { kind: 'named', name: head };
  };
  const type = parseType();
  const rest = tokens.slice(i);
  if (type.kind === 'range') {
    // Final spec: `range T name` (halves `name`, `name_len`). Legacy spec: `range T ptr len name`.
    if (rest.length === 1) {
      const name = rest[0]!;
      return { name, type, rangeNames: { pointer: name, length: `${name}_len` } };
    }
    if (rest.length === 3) {
      return { name: rest[2]!, type, rangeNames: { pointer: rest[0]!, length: rest[1]! } };
    }
    throw new SpecParseError(`bad range declaration "${tokens.join(' ')}"`, line);
  }
  if (rest.length !== 1) throw new SpecParseError(`expected one name in "${tokens.join(' ')}"`, line);
  return { name: rest[0]!, type };
}

function parseFieldNode(node: SpecNode): FieldDecl {
  const field = parseTypeAndName(node.tokens, node.line);
  if (node.children.length === 0) return field;
  const allowed = node.children.map((c) => {
    if (c.tokens.length !== 1 || c.children.length > 0) throw new SpecParseError('bad allowed value', c.line);
    return c.tokens[0]!;
  });
  return { ...field, allowed };
}

function parseStruct(node: SpecNode, name: string): StructDecl {
  const fields: FieldDecl[] = [];
  let variant: StructDecl['variant'];
  for (const child of node.children) {
    if (child.tokens[0] === 'variant') {
      const tagField = child.tokens[1];
      if (tagField === undefined || variant !== undefined)
        throw new SpecParseError('bad variant', child.line);
      const arms: VariantDecl[] = child.children.map((arm) => {
        const body = arm.children;
        const first = body[0];
        if (first === undefined) throw new SpecParseError('empty variant arm', arm.line);
        if (first.tokens[0] === 'struct' && body.length === 1) {
          const inner = first.tokens[1];
          if (inner === undefined) throw new SpecParseError('unnamed variant struct', first.line);
          return { tags: arm.tokens, structName: inner, fields: first.children.map(parseFieldNode) };
        }
        if (body.length !== 1)
          throw new SpecParseError('variant arm must hold one field or struct', arm.line);
        return { tags: arm.tokens, structName: undefined, fields: [parseFieldNode(first)] };
      });
      variant = { tagField, arms };
    } else {
      if (variant !== undefined)
        throw new SpecParseError('fields after a variant are not supported', child.line);
      fields.push(parseFieldNode(child));
    }
  }
  return { kind: 'struct', name, fields, variant };
}

function parseScalar(node: SpecNode, kind: ScalarDecl['kind']): ScalarDecl {
  const int = node.tokens[1];
  const name = node.tokens[2];
  if (int === undefined || name === undefined || !INT_NAMES.includes(int)) {
    throw new SpecParseError(`bad ${kind} declaration`, node.line);
  }
  let cprefix: string | undefined;
  const members: MemberDecl[] = [];
  for (const child of node.children) {
    if (child.tokens[0] === '@cprefix') {
      cprefix = child.tokens[1] ?? '';
      continue;
    }
    const [value, memberName] = child.tokens;
    if (value === undefined || memberName === undefined || child.tokens.length !== 2) {
      throw new SpecParseError('bad member', child.line);
    }
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new SpecParseError('bad member value', child.line);
    members.push({ name: memberName, value: BigInt(value) });
  }
  return { kind, name, int: int as IntName, cprefix, members };
}

function parseSyscall(node: SpecNode): SyscallDecl {
  let number: number | undefined;
  let name: string | undefined;
  if (node.tokens.length === 3) {
    number = Number(node.tokens[1]);
    name = node.tokens[2];
    if (!Number.isInteger(number)) throw new SpecParseError('bad syscall number', node.line);
  } else if (node.tokens.length === 2) {
    name = node.tokens[1];
  }
  if (name === undefined) throw new SpecParseError('bad syscall declaration', node.line);
  let inputs: FieldDecl[] = [];
  let outputs: FieldDecl[] = [];
  let noreturn = false;
  for (const child of node.children) {
    const word = child.tokens[0];
    if (word === 'in') inputs = child.children.map(parseFieldNode);
    else if (word === 'out') outputs = child.children.map(parseFieldNode);
    else if (word === 'noreturn') noreturn = true;
    else throw new SpecParseError(`unexpected "${word}" in syscall`, child.line);
  }
  return { name, number, inputs, outputs, noreturn };
}

/** Parses a whole specification file into declarations. */
export function parseSpec(text: string): SpecFile {
  const scalars: ScalarDecl[] = [];
  const structs: StructDecl[] = [];
  const functions: FunctionDecl[] = [];
  const syscalls: SyscallDecl[] = [];
  for (const node of parseTree(text)) {
    const word = node.tokens[0];
    switch (word) {
      case 'enum':
      case 'flags':
      case 'opaque':
      case 'alias':
        scalars.push(parseScalar(node, word));
        break;
      case 'struct': {
        const name = node.tokens[1];
        if (name === undefined) throw new SpecParseError('unnamed struct', node.line);
        structs.push(parseStruct(node, name));
        break;
      }
      case 'function': {
        const name = node.tokens[1];
        if (name === undefined) throw new SpecParseError('unnamed function', node.line);
        const params = node.children.find((c) => c.tokens[0] === 'in')?.children.map(parseFieldNode) ?? [];
        functions.push({ kind: 'function', name, params });
        break;
      }
      case 'syscall':
        syscalls.push(parseSyscall(node));
        break;
      default:
        throw new SpecParseError(`unknown declaration "${word}"`, node.line);
    }
  }
  return { scalars, structs, functions, syscalls };
}
