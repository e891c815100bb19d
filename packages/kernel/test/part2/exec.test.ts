import { describe, expect, it } from 'vitest';
import { Rights } from '../../src/abi.js';
import { bufferSink, createKernel } from '../../src/index.js';
import { MemoryBackend, memoryDirectory } from '../../src/memory.js';
import { ScriptProgram } from '../../src/testing.js';
import { openAt } from '../../src/vfs/ops.js';
import { write } from '../helpers.js';

describe('executables from a granted directory', () => {
  it('file_open with PROC_EXEC alone, then proc_exec', async () => {
    const program = new ScriptProgram();
    const backend = new MemoryBackend();
    const dir = memoryDirectory(backend);
    const childImage = program.image('child', function* (g) {
      yield* write(g, 0, 'exec ok');
      yield g.sys('proc_exit', 7);
    });
    const f = await openAt(dir, 'prog', {
      follow: false,
      create: true,
      directory: false,
      exclusive: false,
      truncate: false,
      read: false,
      write: true,
    });
    if ('errno' in f) throw new Error('open');
    await f.write(childImage);
    f.retain();
    f.release();
    const sink = bufferSink();
    const kernel = createKernel({ deterministic: true, cpu: program.cpus(), loader: program.loader() });
    const main = program.image('main', function* (g) {
      const name = g.alloc(4);
      g.memory.u8.set(new TextEncoder().encode('prog'), name);
      const fdstat = g.alloc(24);
      g.setU64(fdstat + 8, Rights.PROC_EXEC);
      const r = yield g.sys('file_open', 1, name, 4, 0, fdstat);
      if (r.cf) yield g.sys('proc_exit', 100 + r.errno);
      const fds = g.alloc(4);
      g.setU32(fds, 0);
      const e = yield g.sys('proc_exec', r.value, 0, 0, fds, 1);
      yield g.sys('proc_exit', 200 + e.errno);
    });
    const proc = await kernel.spawn(main, { fds: [sink, dir] });
    expect(await proc.wait()).toEqual({ exitCode: 7 });
    expect(sink.text()).toBe('exec ok');
  });
});

describe('mem_map of a file', () => {
  it('maps a file privately (MEM_MAP + FD_READ) and sees its bytes', async () => {
    const program = new ScriptProgram();
    const dir = memoryDirectory();
    const f = await openAt(dir, 'data', {
      follow: false,
      create: true,
      directory: false,
      exclusive: false,
      truncate: false,
      read: true,
      write: true,
    });
    if ('errno' in f) throw new Error('open');
    await f.write(new TextEncoder().encode('mapped bytes'));
    f.retain();
    f.release();
    const kernel = createKernel({ deterministic: true, cpu: program.cpus(), loader: program.loader() });
    let seen = '';
    const main = program.image('main', function* (g) {
      const name = g.alloc(4);
      g.memory.u8.set(new TextEncoder().encode('data'), name);
      const fdstat = g.alloc(24);
      g.setU64(fdstat + 8, Rights.MEM_MAP | Rights.FD_READ);
      const r = yield g.sys('file_open', 0, name, 4, 0, fdstat);
      if (r.cf) yield g.sys('proc_exit', 100 + r.errno);
      const m = yield g.sys('mem_map', 0, 4096, 4, 4, r.value, 0n);
      if (m.cf) yield g.sys('proc_exit', 150 + m.errno);
      seen = new TextDecoder().decode(g.memory.u8.slice(m.value, m.value + 12));
      const w = yield g.sys('mem_map', 0, 4096, 6, 8, r.value, 0n);
      yield g.sys('proc_exit', w.cf ? w.errno : 0);
    });
    const proc = await kernel.spawn(main, { fds: [dir] });
    // A shared writable mapping needs FD_WRITE, which this fd lacks.
    expect(await proc.wait()).toEqual({ exitCode: 76 });
    expect(seen).toBe('mapped bytes');
  });
});
