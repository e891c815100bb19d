/**
 * The legacy-numbering fixture `legacy-fifo-sock` (raw `syscall`, 2015–2016 ABI) on both file
 * system backends: named FIFOs from file_create and Unix sockets from fd_create1 with
 * sock_bind/listen/connect/accept/stat_get give the same transcript, errno for errno.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { describe, expect, it } from 'vitest';
import type { FdObject } from '../../src/fd-object.js';
import { bufferSink, createKernel } from '../../src/index.js';
import { memoryDirectory } from '../../src/memory.js';
import { openHostPath } from '../../src/node.js';

const BIN = fileURLToPath(new URL('../../../../fixtures/bin/', import.meta.url));

async function run(dir: FdObject): Promise<{ status: unknown; out: string }> {
  const kernel = createKernel({ deterministic: 1 });
  const sink = bufferSink();
  const { bytes } = encode({ stdout: new Fd(0), dir: new Fd(1) } as never);
  const proc = await kernel.spawn(fs.readFileSync(`${BIN}legacy-fifo-sock`), {
    argdata: bytes,
    fds: [sink, dir],
  });
  return { status: await proc.wait(), out: sink.text() };
}

const EXPECTED = [
  'cabi_sys_fd_stat_get(dir, &ds): ESUCCESS',
  'directory has FILE_CREATE_FIFO 1 SOCK_BIND_DIRECTORY 1',
  'cabi_sys_file_create(dir, PATH("fifo"), FILETYPE_FIFO): ESUCCESS',
  'cabi_sys_file_create(dir, PATH("fifo"), FILETYPE_FIFO): EEXIST',
  'cabi_sys_file_create(dir, PATH("../fifo"), FILETYPE_FIFO): ENOTCAPABLE',
  'cabi_sys_file_create(dir, PATH("x"), 0x60): EINVAL',
  'cabi_sys_file_stat_get(at(dir, 0), PATH("fifo"), &st): ESUCCESS',
  'fifo type 0x30 size 0',
  'open_end(PATH("fifo"), CABI_RIGHT_FD_WRITE, CABI_FDFLAG_NONBLOCK, &w): ENXIO',
  'rt_thread_create(&th, open_reader, 0, 0): ESUCCESS',
  'open_end(PATH("fifo"), CABI_RIGHT_FD_WRITE, 0, &w): ESUCCESS',
  'open_end(PATH("fifo"), CABI_RIGHT_FD_READ, 0, &waiting_reader): ESUCCESS',
  'cabi_sys_fd_stat_get(waiting_reader, &ds): ESUCCESS',
  'fifo end type 0x30',
  'wrote 16',
  'read: "through the fifo"',
  'cabi_sys_fd_close(w): ESUCCESS',
  'read after the writer closed: ""',
  'open_end(PATH("fifo"), CABI_RIGHT_FD_WRITE, CABI_FDFLAG_NONBLOCK, &w): ESUCCESS',
  'cabi_sys_fd_close(waiting_reader): ESUCCESS',
  'cabi_sys_fd_write(w, &one, 1, &n): EPIPE',
  'cabi_sys_fd_close(w): ESUCCESS',
  'cabi_sys_fd_create1(CABI_FILETYPE_SOCKET_STREAM, &srv): ESUCCESS',
  'cabi_sys_fd_create1(CABI_FILETYPE_SOCKET_STREAM, &cli): ESUCCESS',
  'cabi_sys_fd_create1(CABI_FILETYPE_SOCKET_STREAM, &other): ESUCCESS',
  'sock_listen(srv, 4): EINVAL',
  'sock_bind(srv, PATH("sock")): ESUCCESS',
  'sock_bind(srv, PATH("sock2")): EINVAL',
  'sock_bind(other, PATH("sock")): EADDRINUSE',
  'sock_bind(other, PATH("../sock")): ENOTCAPABLE',
  'sock_connect(cli, PATH("sock")): ECONNREFUSED',
  'sock_listen(srv, 4): ESUCCESS',
  'sock_connect(other, PATH("fifo")): ENOTSOCK',
  'sock_connect(other, PATH("missing")): ENOENT',
  'sock_connect(cli, PATH("sock")): ESUCCESS',
  'cabi_legacy_sock_accept(srv, ss, &conn): ESUCCESS',
  'accepted: peer family 3',
  'sock_stat_get(srv, ss): ESUCCESS',
  'listening: family 3 state 1',
  'sock_stat_get(cli, ss): ESUCCESS',
  'client: family 3 peer family 3 state 0',
  'sent 12',
  'server read: "hello server"',
  'sent 12',
  'client read: "hello client"',
  'cabi_sys_sock_shutdown(cli, CABI_SHUT_WR): ESUCCESS',
  'server read after shutdown: ""',
  'cabi_sys_fd_close(conn): ESUCCESS',
  'cabi_sys_fd_close(srv): ESUCCESS',
  'cabi_sys_file_stat_get(at(dir, 0), PATH("sock"), &st): ESUCCESS',
  'socket name type 0x82',
  'sock_connect(other, PATH("sock")): ECONNREFUSED',
  '',
];

describe('legacy-fifo-sock fixture (raw legacy syscalls)', () => {
  it('gives the same transcript on the memory and the Node backend', async () => {
    const memory = await run(memoryDirectory());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-legacy-e2e-'));
    try {
      const node = await run(await openHostPath(dir));
      expect(memory.status).toEqual({ exitCode: 0 });
      expect(node.status).toEqual({ exitCode: 0 });
      const lines = memory.out.split('\n');
      expect(lines).toEqual(EXPECTED);
      expect(node.out).toBe(memory.out);
      // Nothing was created outside the granted directory; the socket name is a real host socket.
      expect(fs.lstatSync(path.join(dir, 'sock')).isSocket()).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
