import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('cabi argdata', () => {
  it('encodes YAML to hex and lists the descriptors', async () => {
    const yaml = '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n- !fd stdout\n- !fd stdout\n- !fd stdout\n';
    const r = await runCli(['argdata', 'encode'], { stdin: yaml });
    expect(r.code).toBe(0);
    // Worked example 9 of the digest: three references to stdout collapse to fd 0.
    expect(r.stdout).toBe('07850300000000850300000000850300000000\n');
    expect(r.stderr).toBe('fd 0: !fd stdout (host fd 1)\n');
  });

  it('encodes a map in JSON', async () => {
    const r = await runCli(['argdata', 'encode'], { stdin: '{"port": 8080}' });
    expect(r.stdout).toBe('068608706f72740083051f90\n');
  });

  it('writes raw bytes with --raw and decodes them back', async () => {
    const enc = await runCli(['argdata', 'encode', '--raw'], { stdin: 'verbose: true\n' });
    expect(Array.from(enc.stdoutBytes)).toEqual([
      0x06,
      0x89,
      0x08,
      ...new TextEncoder().encode('verbose'),
      0,
      0x82,
      2,
      1,
    ]);
    const dec = await runCli(['argdata', 'decode'], { stdin: enc.stdoutBytes });
    expect(dec.code).toBe(0);
    expect(dec.stdout).toContain('verbose: true');
  });

  it('decodes hex', async () => {
    const r = await runCli(['argdata', 'decode'], { stdin: '07 81 05 82 02 01 83 08 41 00\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/- 0\n- true\n- "?A"?\n/);
  });

  it('reports YAML errors with line and column', async () => {
    const r = await runCli(['argdata', 'encode'], {
      stdin: '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nout: !fdd 1\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cabi: <stdin>:3:\d+: .*fdd/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports malformed argdata', async () => {
    const r = await runCli(['argdata', 'decode', '--hex'], { stdin: '0799' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cabi: malformed argdata: /);
  });

  it('refuses a missing input file in one line', async () => {
    const r = await runCli(['argdata', 'encode', '/nonexistent/config.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cabi: cannot read /nonexistent/config.yaml: no such file or directory\n');
  });

  it('rejects unknown subcommands and flag combinations', async () => {
    expect((await runCli(['argdata', 'frobnicate'])).code).toBe(2);
    expect((await runCli(['argdata', 'encode', '--hex', '--raw'])).stderr).toMatch(/exclude each other/);
  });
});
