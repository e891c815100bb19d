import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('cabi', () => {
  it('prints help with examples for every command', async () => {
    for (const command of ['run', 'trace', 'inspect', 'argdata']) {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`cabi ${command}`);
      expect(r.stdout).toContain('Examples:');
    }
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage:');
  });

  it('prints usage and exits 2 without a command', async () => {
    expect((await runCli([])).code).toBe(2);
  });

  it('reports an unknown command or flag in one line', async () => {
    const r = await runCli(['frob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'cabi: unknown command "frob" (commands: run, trace, inspect, argdata; see cabi --help)\n',
    );
    const f = await runCli(['inspect', '--bogus', 'x']);
    expect(f.code).toBe(2);
    expect(f.stderr.trim().split('\n')).toHaveLength(1);
    expect(f.stderr).toMatch(/^cabi: unknown option '--bogus'/);
  });

  it('prints its version', async () => {
    expect((await runCli(['--version'])).stdout).toMatch(/^cabi \d+\.\d+\.\d+\n$/);
  });

  it('never colours output when NO_COLOR is set, even with FORCE_COLOR', async () => {
    const r = await runCli(['frob'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(r.stderr).not.toContain('\u001b[');
  });
});
