// Cross-checks the generated layouts against a C compiler: C declarations are built from the field
// *types* in STRUCTS (not their offsets), then the compiler must agree with every generated offset,
// size and alignment through _Static_assert. clang-14 with the CloudABI x86-64 target is the real ABI.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type AbiType, type FieldLayout, LEGACY_STRUCTS, STRUCTS, type StructLayout } from '../src/index.js';

const CLANG = 'clang-14';
const hasClang = spawnSync(CLANG, ['--version']).status === 0;

function cScalar(size: number, signed: boolean): string {
  const base = { 1: 'char', 2: 'short', 4: 'int', 8: 'long long' }[size];
  if (base === undefined) throw new Error(`no C type of size ${size}`);
  return `${signed ? 'signed' : 'unsigned'} ${base}`;
}

function cDecl(type: AbiType, name: string, size: number, prefix: string): string {
  switch (type.kind) {
    case 'pointer':
      return `void *${name}`;
    case 'array':
      return `unsigned char ${name}[${type.length}]`;
    case 'struct':
      return `struct ${prefix}${type.name} ${name}`;
    case 'int':
    case 'enum':
    case 'flags':
    case 'opaque':
    case 'alias':
      return `${cScalar(size, type.signed)} ${name}`;
    default:
      throw new Error(`unexpected field type ${type.kind}`);
  }
}

function cFields(fields: readonly FieldLayout[], indent: string, prefix: string): string[] {
  return fields.map((f) => `${indent}${cDecl(f.type, f.name, f.size, prefix)};`);
}

function cStructs(table: Readonly<Record<string, StructLayout>>, prefix: string): string[] {
  const out: string[] = [];
  for (const s of Object.values(table)) {
    out.push(`struct ${prefix}${s.name} {`);
    out.push(...cFields(s.fields, '  ', prefix));
    if (s.union !== undefined) {
      out.push('  union {');
      for (const arm of s.union.variants) {
        if (arm.fields.length === 0) continue;
        if (arm.property === undefined) out.push(...cFields(arm.fields, '    ', prefix));
        else out.push('    struct {', ...cFields(arm.fields, '      ', prefix), `    } ${arm.property};`);
      }
      out.push('  } u;');
    }
    out.push('};');
    const assert = (cond: string) => out.push(`_Static_assert(${cond}, "${cond.replace(/"/g, '')}");`);
    assert(`sizeof(struct ${prefix}${s.name}) == ${s.size}`);
    assert(`_Alignof(struct ${prefix}${s.name}) == ${s.align}`);
    for (const f of s.fields)
      assert(`__builtin_offsetof(struct ${prefix}${s.name}, ${f.name}) == ${f.offset}`);
    for (const arm of s.union?.variants ?? []) {
      for (const f of arm.fields) {
        const path = arm.property === undefined ? `u.${f.name}` : `u.${arm.property}.${f.name}`;
        assert(`__builtin_offsetof(struct ${prefix}${s.name}, ${path}) == ${f.offset}`);
      }
    }
  }
  return out;
}

function cSource(): string {
  return `${[...cStructs(STRUCTS, 'cabi_'), ...cStructs(LEGACY_STRUCTS, 'cabi_legacy_')].join('\n')}\n`;
}

describe.runIf(hasClang || process.env.CI)('layouts agree with clang (x86_64-unknown-cloudabi)', () => {
  it('compiles the static assertions for every struct, final and legacy', () => {
    const source = cSource();
    expect(source.match(/_Static_assert/g)?.length).toBeGreaterThan(200);
    const r = spawnSync(
      CLANG,
      ['--target=x86_64-unknown-cloudabi', '-std=c11', '-fsyntax-only', '-x', 'c', '-'],
      {
        input: source,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('notices a wrong offset (the check is not vacuous)', () => {
    const source = cSource().replace(
      'offsetof(struct cabi_subscription, type) == 10',
      'offsetof(struct cabi_subscription, type) == 12',
    );
    const r = spawnSync(
      CLANG,
      ['--target=x86_64-unknown-cloudabi', '-std=c11', '-fsyntax-only', '-x', 'c', '-'],
      {
        input: source,
        encoding: 'utf8',
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/static.assert(ion)? failed/);
  });
});
