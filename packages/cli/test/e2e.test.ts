/**
 * End-to-end tests of the `cabi` executable against our own CloudABI fixture programs
 * (fixtures/bin, built from fixtures/ with clang-14; committed so no compiler is needed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseElf } from '@cabi/elf-loader';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const bin = resolve(import.meta.dirname, '../dist/bin.js');
const fixture = (name: string) => join(root, 'fixtures/bin', name);

function cabi(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of `hello` whose entry point starts with `code` (to make it fault on purpose). */
function patchedHello(code: number[]): string {
  const bytes = new Uint8Array(readFileSync(fixture('hello')));
  const elf = parseElf(bytes);
  const entry = elf.header.entry;
  const seg = elf.loads.find((s) => entry >= s.vaddr && entry < s.vaddr + s.filesz)!;
  bytes.set(code, seg.offset + (entry - seg.vaddr));
  const dir = mkdtempSync(join(tmpdir(), 'cabi-e2e-'));
  const path = join(dir, 'patched');
  writeFileSync(path, bytes);
  return path;
}

describe('README quick start', () => {
  it('prints exactly the output the README shows', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const shown = /The first command prints[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    const r = cabi(['run', fixture('ls'), 'examples/ls.yaml']);
    expect(r).toMatchObject({ status: 0, stdout: shown, stderr: '' });
  });
});

describe('cabi run', () => {
  it('runs hello with a config file and with the config on stdin', () => {
    const a = cabi(['run', fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(a).toMatchObject({ status: 0, stdout: 'Hello, CloudABI!\n', stderr: '' });
    const b = cabi(
      ['run', fixture('hello')],
      readFileSync(join(root, 'fixtures/examples/hello.yaml'), 'utf8'),
    );
    expect(b).toMatchObject({ status: 0, stdout: 'Hello, CloudABI!\n' });
  });

  it('shares the file offset of a redirected standard output with the host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-e2e-'));
    const out = join(dir, 'out.txt');
    const run = `"${process.execPath}" "${bin}" run "${fixture('hello')}" fixtures/examples/hello.yaml`;
    const r = spawnSync('sh', ['-c', `{ echo before; ${run}; echo after; } > "${out}"`], { cwd: root });
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('before\nHello, CloudABI!\nafter\n');
  });

  it('builds the config from flags and JSON', () => {
    const r = cabi(['run', fixture('hello'), '--stdout', 'stdout', '--arg', 'name=flags']);
    expect(r).toMatchObject({ status: 0, stdout: 'Hello, flags!\n' });
    const dir = mkdtempSync(join(tmpdir(), 'cabi-e2e-'));
    writeFileSync(join(dir, 'c.json'), '{"name": "JSON"}');
    const j = cabi(['run', fixture('hello'), join(dir, 'c.json'), '--stdout', 'stdout']);
    expect(j).toMatchObject({ status: 0, stdout: 'Hello, JSON!\n' });
  });

  it('lists a granted directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-ls-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.txt'), 'abc');
    writeFileSync(join(dir, 'sub', 'b.txt'), 'hello');
    const r = cabi(['run', fixture('ls'), '--dir', `${dir}=dir`, '--stdout', 'stdout']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('a.txt (3 bytes)');
    expect(r.stdout).toContain('sub/');
    expect(r.stdout).toContain('b.txt (5 bytes)');
  });

  it('exits with the program’s exit code', () => {
    const r = cabi(['run', fixture('proc'), '--stdout', 'stdout', '--arg', 'exit=3']);
    expect(r.status).toBe(3);
  });

  it('reports a crash as 128 + signal with one line naming the fault', () => {
    const ill = cabi(['run', patchedHello([0x0f, 0x0b]), '--stdout', 'stdout']);
    expect(ill.status).toBe(128 + 4);
    expect(ill.stderr).toMatch(/^cabi: .*patched terminated by SIGILL: .*rip 0x[0-9a-f]+: ud2\)\n$/);
    // mov dword ptr [0], eax
    const segv = cabi(['run', patchedHello([0x89, 0x04, 0x25, 0, 0, 0, 0]), '--stdout', 'stdout']);
    expect(segv.status).toBe(128 + 11);
    expect(segv.stderr).toMatch(/terminated by SIGSEGV: .*0x0/);
  });

  it('stops runaway programs at the instruction limit', () => {
    // jmp $ (an endless loop at the entry point)
    const r = cabi(['run', patchedHello([0xeb, 0xfe]), '--max-instructions', '100000', '--stdout', 'stdout']);
    expect(r.status).toBe(128 + 24);
    expect(r.stderr).toMatch(/SIGXCPU/);
  });

  it('stops programs at the wall-clock timeout and refuses to start beyond the memory limit', () => {
    const t = cabi(['run', patchedHello([0xeb, 0xfe]), '--timeout', '0.5', '--stdout', 'stdout']);
    expect(t.status).toBe(128 + 9);
    expect(t.stderr).toMatch(/terminated by SIGKILL: wall-clock deadline/);
    const m = cabi(['run', '--max-memory', '2M', fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(m.status).toBe(127);
    expect(m.stderr).toMatch(/^cabi: .*hello: cannot start: .*ENOMEM\n$/);
    const ok = cabi(['run', '--max-memory', '64M', fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(ok).toMatchObject({ status: 0, stdout: 'Hello, CloudABI!\n' });
  });

  it('is deterministic with --seed', () => {
    const a = cabi(['run', '--seed', '7', fixture('random'), 'fixtures/programs/random.yaml']);
    const b = cabi(['run', '--seed', '7', fixture('random'), 'fixtures/programs/random.yaml']);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('gives the same results on the interpreter (--interpret) as with the JIT (the default, --jit)', () => {
    for (const [program, config] of [
      ['workers', 'fixtures/examples/workers.yaml'],
      ['printf', 'fixtures/programs/printf.yaml'],
    ] as const) {
      const plain = cabi(['run', '--seed', '3', '--interpret', fixture(program), config]);
      const jit = cabi(['run', '--seed', '3', fixture(program), config]);
      const explicit = cabi(['run', '--seed', '3', '--jit', fixture(program), config]);
      expect(plain.status).toBe(0);
      expect(plain.stdout.length).toBeGreaterThan(100);
      expect(jit).toMatchObject({ status: 0, stdout: plain.stdout, stderr: plain.stderr });
      expect(explicit).toMatchObject({ status: 0, stdout: plain.stdout, stderr: plain.stderr });
    }
    const both = cabi(['run', '--jit', '--interpret', fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(both.status).toBe(2);
    expect(both.stderr.trim()).toBe('cabi: --jit and --interpret exclude each other');
  });
});

describe('cabi run with a reader that goes away', () => {
  it('gives the guest EPIPE instead of crashing the host', async () => {
    // Like `cabi run ls ... | head -1`: standard output closes after the first line.
    const child = spawn(
      process.execPath,
      [bin, 'run', fixture('ls'), '--dir', `${root}/fixtures=dir`, '--arg', 'depth=1', '--stdout', 'stdout'],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    expect(stderr).not.toMatch(/Unhandled|EPIPE|internal error/);
    expect(status).toBe(0);
  });
});

describe('cabi run interrupted', () => {
  it('ends the guest cleanly on Ctrl-C and exits with 130', async () => {
    const child = spawn(process.execPath, [bin, 'run', patchedHello([0xeb, 0xfe]), '--stdout', 'stdout'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Give the guest time to start spinning, then interrupt it as a terminal would.
    setTimeout(() => child.kill('SIGINT'), 1500);
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    expect(status).toBe(130);
    expect(stderr).toBe('cabi: interrupted\n');
  });
});

describe('cabi run with sockets', () => {
  it('serves a TCP client through a granted listening socket', async () => {
    const { createConnection, createServer } = await import('node:net');
    // Find a free loopback port, then hand it to the echo server's config.
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => done(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'cabi-echo-'));
    const config = join(dir, 'echo.yaml');
    writeFileSync(
      config,
      `%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nstdout: !fd stdout\nsocket: !socket\n  bind: 127.0.0.1:${port}\ncount: 1\n`,
    );
    const server = spawn(process.execPath, [bin, 'run', fixture('echo'), config], { cwd: root });
    let serverOut = '';
    server.stdout.on('data', (c: Buffer) => (serverOut += c.toString()));
    server.stderr.on('data', (c: Buffer) => (serverOut += c.toString()));
    const reply = await new Promise<string>((done, fail) => {
      const attempt = (left: number) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        let data = '';
        let failed: Error | null = null;
        socket.on('connect', () => socket.end('ping over cabi\n'));
        socket.on('data', (c: Buffer) => (data += c.toString()));
        socket.on('error', (e) => (failed = e));
        // Until the server listens, connecting is refused: try again shortly.
        socket.on('close', () => {
          if (!failed) done(data);
          else if (left > 0) setTimeout(() => attempt(left - 1), 200);
          else fail(failed);
        });
      };
      attempt(50);
    });
    expect(reply).toBe('ping over cabi\n');
    // count: 1 — the server exits by itself after one connection.
    const status = await new Promise<number | null>((done) => server.on('close', (code) => done(code)));
    expect(status).toBe(0);
    expect(serverOut).not.toMatch(/internal error/);
  });
});

describe('cabi run errors: one line, exit 127', () => {
  const oneLine = (r: { stderr: string }) => expect(r.stderr.trim().split('\n')).toHaveLength(1);

  it('names a missing program', () => {
    const r = cabi(['run', 'no-such-program', '--stdout', 'stdout']);
    expect(r.status).toBe(127);
    expect(r.stderr).toBe('cabi: cannot read no-such-program: no such file or directory\n');
  });

  it('says what a non-CloudABI file is', () => {
    const r = cabi(['run', process.execPath, '--stdout', 'stdout']);
    expect(r.status).toBe(127);
    oneLine(r);
    expect(r.stderr).toMatch(/a Linux x86-64 executable .*not CloudABI/);
    const t = cabi(['run', join(root, 'README.md'), '--stdout', 'stdout']);
    expect(t.status).toBe(127);
    oneLine(t);
  });

  it('points at YAML errors and unknown tags by line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-e2e-'));
    writeFileSync(join(dir, 'bad.yaml'), '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nstdout: !fdd stdout\n');
    const r = cabi(['run', fixture('hello'), join(dir, 'bad.yaml')]);
    expect(r.status).toBe(127);
    oneLine(r);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+: .*!fdd/);
    writeFileSync(join(dir, 'syntax.yaml'), 'a: [1, 2\n');
    const s = cabi(['run', fixture('hello'), join(dir, 'syntax.yaml')]);
    expect(s.status).toBe(127);
    oneLine(s);
    expect(s.stderr).toMatch(/syntax\.yaml:\d+:\d+: /);
  });

  it('names an unreadable path in the config', () => {
    const r = cabi(['run', fixture('ls'), '--dir', '/nonexistent/dir=dir', '--stdout', 'stdout']);
    expect(r.status).toBe(127);
    oneLine(r);
    expect(r.stderr).toMatch(/\/nonexistent\/dir/);
  });

  it('rejects bad flags with exit status 2', () => {
    const r = cabi(['run', fixture('hello'), '--max-memory', 'lots']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--max-memory lots: expected a size/);
  });
});

describe('cabi trace', () => {
  it('prints one line per syscall with names, decoded arguments and results', () => {
    const r = cabi(['trace', fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Hello, CloudABI!\n');
    expect(r.stderr).toMatch(
      /^mem_map\(NULL, \d+, WRITE\|READ, ANON\|PRIVATE, 4294967295, 0\) = 0 mem=0x[0-9a-f]+$/m,
    );
    expect(r.stderr).toMatch(/^fd_write\(0, \[\{"Hello, CloudABI!\\n", 17\}\], 1\) = 0 nwritten=17$/m);
  });

  it('shows errno names and messages, threads, durations, JSON and summaries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-ls-'));
    const t = cabi([
      'trace',
      '-f',
      '-T',
      '-e',
      'trace=file',
      fixture('ls'),
      '--dir',
      `${dir}=dir`,
      '--stdout',
      'stdout',
    ]);
    expect(t.status).toBe(0);
    expect(t.stderr).toMatch(/^\[\d+:\d+\] file_readdir\(.*\) = 0 bufused=\d+ <\d+\.\d{6}>$/m);
    expect(t.stderr).not.toMatch(/fd_write/);
    const j = cabi(['trace', '--json', fixture('hello'), 'fixtures/examples/hello.yaml']);
    const lines = j.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { syscall: string });
    expect(lines.map((l) => l.syscall)).toContain('fd_write');
    const c = cabi(['trace', '-c', fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(c.stderr).toMatch(/calls\s+errors\s+syscall/);
    expect(c.stderr).toMatch(/\s1\s+fd_write/);
  });

  it('writes the trace to a file with -o', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-e2e-'));
    const out = join(dir, 'trace.txt');
    const r = cabi(['trace', '-o', out, fixture('hello'), 'fixtures/examples/hello.yaml']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^fd_write/m);
  });
});

describe('cabi inspect', () => {
  it('describes a vDSO-era program and a legacy one', () => {
    const r = cabi(['inspect', fixture('hello')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ABI era\s+vdso/);
    expect(r.stdout).toMatch(/PT_LOAD/);
    expect(r.stdout).toMatch(/PT_TLS|TLS/);
    const legacy = cabi(['inspect', '--json', fixture('legacy')]);
    expect(JSON.parse(legacy.stdout).abi.era).toBe('raw-syscall');
  });
});
