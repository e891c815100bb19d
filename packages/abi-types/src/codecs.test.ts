import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as abi from './index.js';
import {
  AbiError,
  Eventtype,
  type FieldLayout,
  Filetype,
  Rights,
  readEvent,
  readFdstat,
  readSubscription,
  STRUCTS,
  type StructLayout,
  writeEvent,
  writeFdstat,
  writeSubscription,
} from './index.js';

type Codec = {
  read: (view: DataView | Uint8Array, offset?: number) => unknown;
  write: (view: DataView | Uint8Array, offset: number, value: never) => void;
};

function pascal(name: string): string {
  return name
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function codec(name: string): Codec {
  const mod = abi as unknown as Record<string, unknown>;
  const read = mod[`read${pascal(name)}`];
  const write = mod[`write${pascal(name)}`];
  if (typeof read !== 'function' || typeof write !== 'function') throw new Error(`no codec for ${name}`);
  return { read, write } as Codec;
}

// Builds an arbitrary value for a struct from its layout table, so every struct is covered the same way.
function fieldArb(f: FieldLayout): fc.Arbitrary<unknown> {
  const t = f.type;
  if (t.kind === 'array') return fc.uint8Array({ minLength: t.length, maxLength: t.length });
  if (t.kind === 'struct') return structArb(STRUCTS[t.name]!);
  const signed =
    (t.kind === 'int' ||
      t.kind === 'enum' ||
      t.kind === 'flags' ||
      t.kind === 'opaque' ||
      t.kind === 'alias') &&
    t.signed;
  if (f.size === 8)
    return signed
      ? fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
      : fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  return fc.integer({ min: 0, max: 2 ** (8 * f.size) - 1 });
}

function recordOf(fields: readonly FieldLayout[]): Record<string, fc.Arbitrary<unknown>> {
  return Object.fromEntries(fields.map((f) => [f.name, fieldArb(f)]));
}

function structArb(layout: StructLayout): fc.Arbitrary<Record<string, unknown>> {
  const u = layout.union;
  const head = layout.fields.filter((f) => f.name !== u?.tag);
  if (u === undefined) return fc.record(recordOf(head));
  const arms = u.variants.map((arm) => {
    const payload =
      arm.property === undefined ? recordOf(arm.fields) : { [arm.property]: fc.record(recordOf(arm.fields)) };
    return fc.record({ ...recordOf(head), [u.tag]: fc.constantFrom(...arm.tagValues), ...payload });
  });
  return fc.oneof(...arms);
}

/** Offsets of bytes no field of the given arm covers (padding). */
function paddingOf(layout: StructLayout, tag: number | undefined): Set<number> {
  const arm = layout.union?.variants.find((v) => tag !== undefined && v.tagValues.includes(tag));
  const covered = new Set<number>();
  for (const f of [...layout.fields, ...(arm?.fields ?? [])])
    for (let i = 0; i < f.size; i++) covered.add(f.offset + i);
  const pad = new Set<number>();
  for (let i = 0; i < layout.size; i++) if (!covered.has(i)) pad.add(i);
  return pad;
}

describe('struct codecs: round trips for every struct', () => {
  for (const layout of Object.values(STRUCTS)) {
    const { read, write } = codec(layout.name);

    it(`${layout.name}: write then read gives the value back, bytes around it stay untouched`, () => {
      fc.assert(
        fc.property(structArb(layout), fc.nat(24), (value, offset) => {
          const bytes = new Uint8Array(offset + layout.size + 8).fill(0xa5);
          write(bytes, offset, value as never);
          expect(read(bytes, offset)).toEqual(value);
          expect(read(new DataView(bytes.buffer), offset)).toEqual(value);
          for (let i = 0; i < bytes.length; i++) {
            if (i < offset || i >= offset + layout.size) expect(bytes[i]).toBe(0xa5);
          }
          // Padding and unused union bytes are zeroed.
          const tag = layout.union === undefined ? undefined : (value[layout.union.tag] as number);
          for (const p of paddingOf(layout, tag)) expect(bytes[offset + p]).toBe(0);
        }),
        { numRuns: 60 },
      );
    });

    it(`${layout.name}: read then write reproduces every non-padding byte`, () => {
      const tags = layout.union?.variants.flatMap((v) => v.tagValues) ?? [undefined];
      const tagField =
        layout.union === undefined ? undefined : layout.fields.find((f) => f.name === layout.union?.tag);
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: layout.size, maxLength: layout.size }),
          fc.constantFrom(...tags),
          (raw, tag) => {
            if (tagField !== undefined && tag !== undefined) {
              const dv = new DataView(raw.buffer, raw.byteOffset);
              if (tagField.size === 1) dv.setUint8(tagField.offset, tag);
              else if (tagField.size === 2) dv.setUint16(tagField.offset, tag, true);
              else dv.setUint32(tagField.offset, tag, true);
            }
            // Nested structs with their own union (sockstat holds two sockaddrs) need valid tags too.
            for (const f of layout.fields) {
              if (f.type.kind === 'struct' && STRUCTS[f.type.name]?.union) raw[f.offset] = 0;
            }
            const value = read(raw, 0);
            const out = new Uint8Array(layout.size).fill(0xff);
            write(out, 0, value as never);
            const pad = paddingOf(layout, tag);
            for (let i = 0; i < layout.size; i++) {
              if (pad.has(i)) expect(out[i]).toBe(0);
              else if (!nestedPadding(layout, i)) expect(out[i]).toBe(raw[i]);
            }
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

/** True when byte i lies in a nested struct field and is padding or inactive union space there. */
function nestedPadding(layout: StructLayout, i: number): boolean {
  for (const f of layout.fields) {
    if (f.type.kind !== 'struct' || i < f.offset || i >= f.offset + f.size) continue;
    return paddingOf(STRUCTS[f.type.name]!, 0).has(i - f.offset);
  }
  return false;
}

describe('struct codecs: concrete encodings', () => {
  it('encodes fdstat little-endian with 64-bit rights', () => {
    const bytes = new Uint8Array(24);
    writeFdstat(bytes, 0, {
      fs_filetype: Filetype.REGULAR_FILE,
      fs_flags: 0x0011,
      fs_rights_base: Rights.FD_READ | Rights.PROC_EXEC,
      fs_rights_inheriting: 0x0102030405060708n,
    });
    expect([...bytes]).toEqual([
      0x60, 0, 0x11, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0x01, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02,
      0x01,
    ]);
    expect(readFdstat(bytes, 0).fs_rights_base).toBe(0x100000002n);
  });

  it('decodes a clock subscription and narrows on type', () => {
    const bytes = new Uint8Array(56);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(0, 0xdeadn, true);
    v.setUint8(10, Eventtype.CLOCK);
    v.setUint32(24, 3, true);
    v.setBigUint64(32, 1_000_000n, true);
    v.setUint16(48, 1, true);
    const sub = readSubscription(bytes);
    expect(sub.type).toBe(Eventtype.CLOCK);
    if (sub.type !== Eventtype.CLOCK) throw new Error('narrowing');
    expect(sub.clock).toEqual({ identifier: 0n, clock_id: 3, timeout: 1_000_000n, precision: 0n, flags: 1 });
    expect(sub.userdata).toBe(0xdeadn);
  });

  it('writes a lock subscription with the pointer at 16 and the scope at 24', () => {
    const bytes = new Uint8Array(56).fill(0x33);
    writeSubscription(bytes, 0, {
      userdata: 1n,
      unused: 0,
      type: Eventtype.LOCK_WRLOCK,
      lock: { lock: 0x7fff_0000_1000n, lock_scope: 4 },
    });
    const v = new DataView(bytes.buffer);
    expect(v.getUint8(10)).toBe(6);
    expect(v.getBigUint64(16, true)).toBe(0x7fff_0000_1000n);
    expect(v.getUint8(24)).toBe(4);
    expect(bytes.subarray(25).every((b) => b === 0)).toBe(true);
  });

  it('writes an fd_read event with nbytes at 16 and flags at 28', () => {
    const bytes = new Uint8Array(32).fill(0xee);
    writeEvent(bytes, 0, {
      userdata: 7n,
      error: 0,
      type: Eventtype.FD_READ,
      fd_readwrite: { nbytes: 5n, unused: new Uint8Array(4), flags: 1 },
    });
    const v = new DataView(bytes.buffer);
    expect(v.getUint8(10)).toBe(3);
    expect(v.getBigUint64(16, true)).toBe(5n);
    expect(v.getUint16(28, true)).toBe(1);
    expect(readEvent(bytes)).toMatchObject({ type: 3, fd_readwrite: { nbytes: 5n, flags: 1 } });
  });

  it('types decoded unions so that checking the tag narrows the payload', () => {
    const sub = readSubscription(
      new Uint8Array(56).fill(0).map((_, i) => (i === 10 ? Eventtype.FD_READ : 0)),
    );
    expectTypeOf(readFdstat).returns.toEqualTypeOf<abi.Fdstat>();
    expectTypeOf<abi.Fdstat['fs_rights_base']>().toEqualTypeOf<bigint>();
    expectTypeOf<abi.Fdstat['fs_flags']>().toEqualTypeOf<number>();
    expectTypeOf<abi.Filetype>().toEqualTypeOf<
      0 | 0x10 | 0x11 | 0x20 | 0x30 | 0x40 | 0x50 | 0x60 | 0x70 | 0x80 | 0x81 | 0x82 | 0x90
    >();
    expectTypeOf<abi.Rights>().toEqualTypeOf<bigint>();
    if (sub.type === Eventtype.FD_READ || sub.type === Eventtype.FD_WRITE) {
      expectTypeOf(sub).toEqualTypeOf<abi.SubscriptionFdReadwrite>();
      expect(sub.fd_readwrite).toEqual({ fd: 0, flags: 0 });
    } else {
      throw new Error('expected an fd_read subscription');
    }
    expectTypeOf<abi.EventNoPayload['type']>().toEqualTypeOf<1 | 2 | 5 | 6>();
    expectTypeOf<abi.Auxv>().toEqualTypeOf<abi.AuxvAVal | abi.AuxvAPtr | abi.AuxvNoPayload>();
  });

  it('respects the byteOffset of a Uint8Array view', () => {
    const backing = new Uint8Array(64);
    const view = backing.subarray(8);
    writeFdstat(view, 4, { fs_filetype: 0x20, fs_flags: 0, fs_rights_base: 1n, fs_rights_inheriting: 2n });
    expect(backing[12]).toBe(0x20);
    expect(readFdstat(view, 4).fs_rights_inheriting).toBe(2n);
  });
});

describe('struct codecs: bad input', () => {
  it('rejects structs that do not fit with EFAULT', () => {
    const err = (() => {
      try {
        readFdstat(new Uint8Array(23), 0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AbiError);
    expect((err as AbiError).code).toBe('EFAULT');
    expect(() => readFdstat(new Uint8Array(30), 7)).toThrow(AbiError);
    expect(() => readFdstat(new Uint8Array(30), -1)).toThrow(AbiError);
    expect(() => readFdstat(new Uint8Array(30), 0.5)).toThrow(AbiError);
    expect(() =>
      writeFdstat(new Uint8Array(8), 0, {
        fs_filetype: 0,
        fs_flags: 0,
        fs_rights_base: 0n,
        fs_rights_inheriting: 0n,
      }),
    ).toThrow(/do not fit/);
  });

  it('rejects unknown union tags with EINVAL and leaves memory untouched on write', () => {
    const bytes = new Uint8Array(56);
    bytes[10] = 99;
    expect(() => readSubscription(bytes)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const out = new Uint8Array(32).fill(0x11);
    expect(() => writeEvent(out, 0, { userdata: 0n, error: 0, type: 42 } as never)).toThrow(AbiError);
    expect(out.every((b) => b === 0x11)).toBe(true);
  });

  it('rejects byte arrays longer than the field', () => {
    expect(() =>
      writeEvent(new Uint8Array(32), 0, {
        userdata: 0n,
        error: 0,
        type: Eventtype.FD_WRITE,
        fd_readwrite: { nbytes: 0n, unused: new Uint8Array(5), flags: 0 },
      }),
    ).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('never throws anything but AbiError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(80), (raw, offset) => {
        for (const layout of Object.values(STRUCTS)) {
          try {
            codec(layout.name).read(raw, offset);
          } catch (e) {
            expect(e).toBeInstanceOf(AbiError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
