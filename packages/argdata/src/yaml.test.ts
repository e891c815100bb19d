import { describe, expect, it } from 'vitest';
import { argdataToYaml } from './argdata-to-yaml.js';
import { ArgdataYamlError } from './errors.js';
import type { ArgdataValue } from './values.js';
import { ArgdataMap, argdataEquals, Fd, Timestamp } from './values.js';
import { encode } from './writer.js';
import type { TagRequest } from './yaml-to-argdata.js';
import { yamlToArgdata, yamlToArgdataAsync } from './yaml-to-argdata.js';

const HEADER = '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n';

function yamlError(f: () => unknown): ArgdataYamlError {
  try {
    f();
  } catch (e) {
    if (e instanceof ArgdataYamlError) return e;
    throw e;
  }
  throw new Error('expected an ArgdataYamlError');
}

describe('plain scalars resolve like the YAML 1.2 core schema', () => {
  it.each<[string, ArgdataValue]>([
    ['null', null],
    ['Null', null],
    ['~', null],
    ['', null],
    ['true', true],
    ['FALSE', false],
    ['yes', 'yes'],
    ['on', 'on'],
    ['0', 0n],
    ['-17', -17n],
    ['+5', 5n],
    ['0o17', 15n],
    ['0x1F', 31n],
    ['18446744073709551615', 18446744073709551615n],
    ['-9223372036854775808', -9223372036854775808n],
    ['123456789012345678901234567890', 123456789012345678901234567890n],
    ['1.0', 1],
    ['-0.5', -0.5],
    ['1e3', 1000],
    ['.5', 0.5],
    ['.inf', Number.POSITIVE_INFINITY],
    ['-.Inf', Number.NEGATIVE_INFINITY],
    ['.NaN', Number.NaN],
    ['0b101', '0b101'],
    ['2017-01-01', '2017-01-01'],
    ['hello world', 'hello world'],
  ])('%j', (text, expected) => {
    expect(argdataEquals(yamlToArgdata(text), expected)).toBe(true);
  });

  it('keeps 1.0 a float and 1 an int', () => {
    const v = yamlToArgdata('[1, 1.0]') as ArgdataValue[];
    expect(typeof v[0]).toBe('bigint');
    expect(typeof v[1]).toBe('number');
  });

  it('quoted and block scalars are strings', () => {
    expect(yamlToArgdata('["true", \'12\', "null"]')).toEqual(['true', '12', 'null']);
    expect(yamlToArgdata('a: |\n  line\n')).toEqual(new ArgdataMap([['a', 'line\n']]));
    expect(yamlToArgdata('! 12')).toBe('12');
  });

  it('explicit core tags force or check the type', () => {
    expect(yamlToArgdata('!!str 12')).toBe('12');
    expect(yamlToArgdata('!!int "12"')).toBe(12n);
    expect(yamlToArgdata('!!float 3')).toBe(3);
    expect(yamlToArgdata('!!bool "true"')).toBe(true);
    expect(yamlToArgdata('!!null ""')).toBeNull();
    expect(yamlError(() => yamlToArgdata('a: !!int 1.5')).message).toBe('1:4: !!int: invalid int "1.5"');
    expect(yamlError(() => yamlToArgdata('!!bool yes')).reason).toBe('!!bool: invalid bool "yes"');
  });

  it('!!binary decodes base64 across lines', () => {
    const v = yamlToArgdata('!!binary |\n  SGVs\n  bG8=\n');
    expect(Array.from(v as Uint8Array)).toEqual([72, 101, 108, 108, 111]);
    expect(yamlToArgdata('!!binary ""')).toEqual(new Uint8Array(0));
    expect(yamlError(() => yamlToArgdata('- !!binary "a$==="')).reason).toMatch(/^!!binary: /);
    expect(yamlError(() => yamlToArgdata('- !!binary abc')).reason).toMatch(/multiple of 4/);
  });

  it('!!timestamp with fractions and offsets', () => {
    const ts = (s: string) => (yamlToArgdata(`!!timestamp ${s}`) as Timestamp).ns;
    expect(ts('1970-01-01')).toBe(0n);
    expect(ts('2001-12-14t21:59:43.10-05:00')).toBe(1008385183100000000n);
    expect(ts('2001-12-14 21:59:43.10 -5')).toBe(1008385183100000000n);
    expect(ts('2001-12-15T02:59:43.1Z')).toBe(1008385183100000000n);
    expect(ts('1969-12-31T23:59:59.999999999Z')).toBe(-1n);
    expect(yamlError(() => yamlToArgdata('!!timestamp 2017-02-29')).reason).toMatch(/day 29 out of range/);
    expect(yamlError(() => yamlToArgdata('!!timestamp 2017-01-01T00:00:00.0000000001Z')).reason).toMatch(
      /finer than nanoseconds/,
    );
    expect(new Timestamp(1483228800n * 1_000_000_000n).toISOString()).toBe('2017-01-01T00:00:00.000000000Z');
  });
});

describe('structure', () => {
  it('maps keep order and duplicate keys; complex keys are allowed', () => {
    const v = yamlToArgdata('b: 1\na: 2\nb: 3\n? [x]\n: y\n') as ArgdataMap;
    expect(v.entries).toEqual([
      ['b', 1n],
      ['a', 2n],
      ['b', 3n],
      [['x'], 'y'],
    ]);
    expect(v.get('b')).toBe(1n);
  });

  it('JSON is just data', () => {
    const v = yamlToArgdata('{"fd": 3, "file": {"path": "/x"}, "list": [1.5, -2, true, null, "s"]}');
    expect(v).toEqual(
      new ArgdataMap([
        ['fd', 3n],
        ['file', new ArgdataMap([['path', '/x']])],
        ['list', [1.5, -2n, true, null, 's']],
      ]),
    );
  });

  it('anchors and aliases expand, redefinitions follow document order', () => {
    expect(yamlToArgdata('- &a [1, 2]\n- *a\n')).toEqual([
      [1n, 2n],
      [1n, 2n],
    ]);
    expect(yamlToArgdata('- &b [&a 1]\n- &a 2\n- *b\n- *a\n')).toEqual([[1n], 2n, [1n], 2n]);
    expect(yamlError(() => yamlToArgdata('a: &x [1, *x]')).reason).toMatch(/contains it/);
  });

  it('refuses alias bombs', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    expect(yamlError(() => yamlToArgdata(text)).reason).toBe('aliases expand to too many nodes');
  });

  it('an empty document is null; two documents are an error', () => {
    expect(yamlToArgdata('')).toBeNull();
    expect(yamlToArgdata('# only a comment\n')).toBeNull();
    expect(yamlError(() => yamlToArgdata('1\n---\n2\n', { filename: 'c.yaml' })).message).toBe(
      'c.yaml:2:1: a configuration is a single YAML document; found a second one',
    );
  });

  it('syntax errors carry line and column', () => {
    const e = yamlError(() => yamlToArgdata('a: 1\nb: [1, 2\n', { filename: 'config.yaml' }));
    expect(e.filename).toBe('config.yaml');
    expect(e.line).toBeGreaterThanOrEqual(2);
    expect(e.message).toMatch(/^config\.yaml:\d+:\d+: /);
  });
});

describe('cloudabi-run tags', () => {
  const calls: TagRequest[] = [];
  const resolveTag = (r: TagRequest): number => {
    calls.push(r);
    return 100 + calls.length;
  };

  it('passes each tag to the callback with its position', () => {
    calls.length = 0;
    const text = `${HEADER}out: !fd stdout
err: !fd stderr
in: !fd 0
log: !file
  path: /var/log/app.log
  mode: rw
data: !file {path: /srv/data}
listen: !socket {bind: "0.0.0.0:8080"}
peer: !socket {type: dgram, connect: /run/peer.sock}
self: !executable
`;
    const v = yamlToArgdata(text, { resolveTag, filename: 'app.yaml' }) as ArgdataMap;
    expect(calls.map((c) => [c.tag, c.line, c.column])).toEqual([
      ['fd', 3, 6],
      ['fd', 4, 6],
      ['fd', 5, 5],
      ['file', 6, 6],
      ['file', 9, 7],
      ['socket', 10, 9],
      ['socket', 11, 7],
      ['executable', 12, 7],
    ]);
    expect(calls[0]).toMatchObject({
      tag: 'fd',
      fd: 1,
      name: 'stdout',
      value: 'stdout',
      filename: 'app.yaml',
    });
    expect(calls[2]).toMatchObject({ tag: 'fd', fd: 0, name: undefined, value: 0 });
    expect(calls[7]).toMatchObject({ tag: 'executable', value: '' });
    expect(calls[3]).toMatchObject({ tag: 'file', path: '/var/log/app.log', mode: 'rw' });
    expect(calls[4]).toMatchObject({
      tag: 'file',
      path: '/srv/data',
      mode: 'r',
      value: { path: '/srv/data' },
    });
    expect(calls[5]).toMatchObject({
      tag: 'socket',
      type: 'stream',
      bind: { kind: 'inet', host: '0.0.0.0', port: 8080 },
      connect: undefined,
    });
    expect(calls[6]).toMatchObject({ type: 'dgram', connect: { kind: 'unix', path: '/run/peer.sock' } });
    expect(v.get('out')).toEqual(new Fd(101));
    expect(v.get('self')).toEqual(new Fd(108));
  });

  it('an alias of a tagged node reuses one descriptor', () => {
    calls.length = 0;
    const v = yamlToArgdata(`${HEADER}- &f !file {path: /a}\n- *f\n`, { resolveTag });
    expect(calls.length).toBe(1);
    expect(v).toEqual([new Fd(101), new Fd(101)]);
    expect(encode(v).fds).toEqual([101]);
  });

  it('local !fd without the %TAG directive, and verbatim tags, work too', () => {
    expect(yamlToArgdata('- !fd 4')).toEqual([new Fd(4)]);
    expect(yamlToArgdata('!<tag:nuxi.nl,2015:cloudabi/fd> 5')).toEqual(new Fd(5));
  });

  it.each([
    [`${HEADER}a: !fdd 3`, '3:4: unknown tag !fdd'],
    [`${HEADER}a: !fd stdin`, '3:4: !fd stdin is not a cloudabi-run keyword; write !fd 0'],
    [`${HEADER}a: !fd -1`, '3:4: !fd: expected a descriptor number, stdout or stderr, found "-1"'],
    [`${HEADER}a: !fd [1]`, '3:4: !fd takes a descriptor number, stdout or stderr'],
    [`${HEADER}a: !file /x`, '3:4: !file takes a map'],
    [`${HEADER}a: !file {mode: r}`, '3:4: !file needs a non-empty string path'],
    [`${HEADER}a: !file {path: /x, mode: x}`, '3:4: !file: mode must be r, w or rw, found "x"'],
    [`${HEADER}a: !file {path: /x, flags: 1}`, '3:4: !file: unknown key flags (allowed: path, mode)'],
    [`${HEADER}a: !socket {type: stream}`, '3:4: !socket needs exactly one of bind and connect'],
    [`${HEADER}a: !socket {bind: /a, connect: /b}`, '3:4: !socket needs exactly one of bind and connect'],
    [
      `${HEADER}a: !socket {type: raw, bind: /a}`,
      '3:4: !socket: type must be stream, dgram or seqpacket, found "raw"',
    ],
    [`${HEADER}a: !socket {bind: "host:99999"}`, '3:4: !socket: port 99999 out of range'],
    [
      `${HEADER}a: !socket {bind: nohost}`,
      '3:4: !socket: invalid socket address "nohost" (expected /path, host:port or [ipv6]:port)',
    ],
    [`${HEADER}a: !executable {}`, '3:4: !executable takes a scalar (its value is ignored)'],
    [`${HEADER}- !!map [1]`, '3:3: unknown tag !!map'],
    ['- !foo 1', '1:3: unknown tag !foo'],
  ])('%j → %s', (text, message) => {
    expect(yamlError(() => yamlToArgdata(text, { resolveTag: () => 3 })).message).toBe(message);
  });

  it('without a callback only !fd works', () => {
    expect(yamlToArgdata(`${HEADER}[!fd stdout, !fd 7]`)).toEqual([new Fd(1), new Fd(7)]);
    expect(yamlError(() => yamlToArgdata(`${HEADER}x: !file {path: /x}`)).message).toBe(
      '3:4: !file: needs a resolveTag callback',
    );
  });

  it('callback failures are located at the tag', () => {
    const e = yamlError(() =>
      yamlToArgdata(`${HEADER}\nx: !file {path: /nope}`, {
        filename: 'c.yaml',
        resolveTag: () => {
          throw new Error('ENOENT: no such file');
        },
      }),
    );
    expect(e.message).toBe('c.yaml:4:4: !file: ENOENT: no such file');
    expect((e.cause as Error).message).toBe('ENOENT: no such file');
    expect(yamlError(() => yamlToArgdata('!fd 1', { resolveTag: () => -1 })).reason).toMatch(
      /not a descriptor/,
    );
    expect(
      yamlError(() => yamlToArgdata('!fd 1', { resolveTag: () => Promise.resolve(1) as unknown as number }))
        .reason,
    ).toMatch(/yamlToArgdataAsync/);
  });

  it('yamlToArgdataAsync awaits the callback in document order', async () => {
    const seen: string[] = [];
    const v = await yamlToArgdataAsync(`${HEADER}[!file {path: /a}, !file {path: /b}]`, {
      resolveTag: async (r) => {
        seen.push(r.tag === 'file' ? r.path : r.tag);
        await new Promise((res) => setTimeout(res, 1));
        return seen.length;
      },
    });
    expect(seen).toEqual(['/a', '/b']);
    expect(v).toEqual([new Fd(1), new Fd(2)]);
    await expect(
      yamlToArgdataAsync('!file {path: /a}', {
        resolveTag: async () => {
          throw new Error('denied');
        },
      }),
    ).rejects.toThrow('1:1: !file: denied');
  });
});

describe('argdataToYaml', () => {
  it('writes a readable cloudabi-run document', () => {
    const v = new ArgdataMap([
      ['logfile', new Fd(0)],
      ['port', 8080n],
      ['ratio', 2],
      ['name', 'my server'],
      ['flags', ['a', 'true', '']],
      [42n, new ArgdataMap()],
      ['raw', new Uint8Array([104, 105])],
      ['when', new Timestamp(0n)],
      ['nothing', null],
    ]);
    expect(argdataToYaml(v)).toBe(
      `${HEADER}logfile: !fd 0
port: 8080
ratio: 2.0
name: "my server"
flags:
  - a
  - "true"
  - ""
42: {}
raw: !!binary "aGk="
when: !!timestamp "1970-01-01T00:00:00.000000000Z"
nothing: null
`,
    );
  });

  it('escapes what YAML cannot show', () => {
    const s = 'tab\tnul\0bell\u0007del\u007fnbsp\u00a0bom\ufeffé😀"\\';
    const text = argdataToYaml(s);
    expect(text).toBe(`${HEADER.trimEnd()} "tab\\tnul\\0bell\\adel\\x7fnbsp\\_bom\\ufeffé😀\\"\\\\"\n`);
    expect(yamlToArgdata(text)).toBe(s);
  });

  it('floats keep their type and special values', () => {
    const v = [0, -0, 1e21, 5e-324, Number.NaN, Number.NEGATIVE_INFINITY, 0.1];
    const text = argdataToYaml(v);
    expect(text).toContain('- -0.0\n');
    expect(text).toContain('- 1e+21\n');
    expect(argdataEquals(yamlToArgdata(text), v)).toBe(true);
  });
});
