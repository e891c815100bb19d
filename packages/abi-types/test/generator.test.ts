// Unit tests of the specification parser and layout engine on small hand-written inputs.
import { describe, expect, it } from 'vitest';
import { emitAll } from '../scripts/emit.js';
import { buildModel } from '../scripts/model.js';
import { parseSpec, parseTree, SpecParseError } from '../scripts/spec-parser.js';

const FINAL = [
  '| prose is skipped',
  'enum uint8 kind',
  '\t| more prose',
  '\t1 a',
  '\t2 b',
  '',
  'flags uint64 rights',
  '\t@cprefix RIGHT_',
  '\t0x01 x',
  '\t\t# a comment',
  '',
  'opaque uint32 fd',
  '\t@cprefix',
  '\t0xffffffff none',
  '',
  'struct pair',
  '\tuint8 tag_byte',
  '\tkind kind',
  '\tvariant kind',
  '\t\ta',
  '\t\t\tstruct a',
  '\t\t\t\tuint16 small',
  '\t\t\t\tuint64 big',
  '',
  'struct buf',
  '\tcrange void data',
  '\tarray 3 char pad',
  '',
  'syscall sys_b',
  '\tin',
  '\t\tfd fd',
  '\t\tcrange char path',
  '\tout',
  '\t\tfd fd',
  '',
  'syscall sys_a',
  '\tnoreturn',
  '',
].join('\n');

const LEGACY = [
  'enum uint8 kind',
  '\t1 a',
  '\t2 b',
  '\t3 c',
  'flags uint64 rights',
  '\t@cprefix RIGHT_',
  '\t0x01 x',
  '\t0x100000000 y',
  'opaque uint32 fd',
  '\t@cprefix',
  '\t0xffffffff none',
  'syscall 0 sys_b',
  '\tin',
  '\t\tfd fd',
  '\t\tcrange char p plen p',
  '\tout',
  '\t\tfd fd',
  'syscall 1 sys_old',
  '\tin',
  '\t\tcrange void mem memlen mem',
].join('\n');

describe('spec parser', () => {
  it('builds a tree from tab indentation and skips prose and comments', () => {
    const roots = parseTree('a\n\tb\n\t\t| prose\n\t\tc\n# comment\nd\n');
    expect(roots.map((r) => r.tokens)).toEqual([['a'], ['d']]);
    expect(roots[0]!.children[0]!.children[0]!.tokens).toEqual(['c']);
  });

  it('rejects malformed input with SpecParseError', () => {
    expect(() => parseTree('\tindented first\n')).toThrow(SpecParseError);
    expect(() => parseTree('a\n\t\tskips\n')).toThrow(/skips a level/);
    expect(() => parseTree('a\n  spaces\n')).toThrow(/tabs/);
    expect(() => parseSpec('enum uint7 x\n')).toThrow(/bad enum/);
    expect(() => parseSpec('enum uint8 x\n\tzz y\n')).toThrow(/bad member value/);
    expect(() => parseSpec('thing x\n')).toThrow(/unknown declaration/);
    expect(() => parseSpec('syscall x\n\tsideways\n')).toThrow(/unexpected/);
    expect(() => parseSpec('struct s\n\trange void\n')).toThrow(SpecParseError);
  });

  it('parses types, ranges with both naming styles, variants and numbers', () => {
    const spec = parseSpec(FINAL);
    expect(spec.scalars.map((s) => [s.kind, s.name, s.cprefix])).toEqual([
      ['enum', 'kind', undefined],
      ['flags', 'rights', 'RIGHT_'],
      ['opaque', 'fd', ''],
    ]);
    const buf = spec.structs.find((s) => s.name === 'buf')!;
    expect(buf.fields[0]).toMatchObject({
      name: 'data',
      rangeNames: { pointer: 'data', length: 'data_len' },
    });
    expect(buf.fields[1]!.type).toEqual({
      kind: 'array',
      length: 3,
      element: { kind: 'named', name: 'char' },
    });
    const legacy = parseSpec(LEGACY);
    expect(legacy.syscalls.map((s) => [s.number, s.name])).toEqual([
      [0, 'sys_b'],
      [1, 'sys_old'],
    ]);
    expect(legacy.syscalls[1]!.inputs[0]).toMatchObject({
      name: 'mem',
      rangeNames: { pointer: 'mem', length: 'memlen' },
    });
  });
});

describe('model and layout', () => {
  const model = buildModel(parseSpec(FINAL), parseSpec(LEGACY));

  it('merges legacy members and marks them', () => {
    const kind = model.scalars.find((s) => s.name === 'kind')!;
    expect(kind.members.map((m) => [m.key, m.value, m.legacy])).toEqual([
      ['A', 1n, false],
      ['B', 2n, false],
      ['C', 3n, true],
    ]);
    expect(model.scalars.find((s) => s.name === 'fd')!.members[0]!.cName).toBe('CLOUDABI_NONE');
  });

  it('lays out unions after the header with the union alignment', () => {
    const pair = model.structs.find((s) => s.name === 'pair')!;
    expect(pair.union).toMatchObject({ offset: 8, size: 16, align: 8 });
    expect(pair.size).toBe(24);
    expect(pair.union!.variants.map((v) => [v.property, v.tags])).toEqual([
      ['a', ['a']],
      [undefined, ['b']],
    ]);
    expect(pair.union!.variants[0]!.fields.map((f) => [f.name, f.offset])).toEqual([
      ['small', 8],
      ['big', 16],
    ]);
    const buf = model.structs.find((s) => s.name === 'buf')!;
    expect(buf.fields.map((f) => [f.name, f.offset, f.size])).toEqual([
      ['data', 0, 8],
      ['data_len', 8, 8],
      ['pad', 16, 3],
    ]);
    expect(buf.size).toBe(24);
  });

  it('numbers final syscalls alphabetically and keeps legacy numbers', () => {
    expect(model.syscalls.map((s) => [s.name, s.number, s.legacyNumber, s.legacy])).toEqual([
      ['sys_a', 0, undefined, false],
      ['sys_b', 1, 0, false],
      ['sys_old', undefined, 1, true],
    ]);
  });

  it('refuses a legacy syscall whose registers differ from the final one', () => {
    const bad = LEGACY.replace('\t\tcrange char p plen p', '\t\tfd other');
    expect(() => buildModel(parseSpec(FINAL), parseSpec(bad))).toThrow(/different signature/);
  });

  it('refuses a member whose value changed between the two specs', () => {
    const bad = LEGACY.replace('\t2 b', '\t9 b');
    expect(() => buildModel(parseSpec(FINAL), parseSpec(bad))).toThrow(/different values/);
  });

  it('insists on a hand-written summary for every item', () => {
    expect(() => emitAll(model)).toThrow(/no summary written/);
  });
});
