import { describe, expect, it } from 'vitest';
import { exitStatusForSignal } from './signals.js';

describe('exit status for signals', () => {
  it('is 128 + the conventional number', () => {
    expect(exitStatusForSignal('SIGSEGV')).toBe(139);
    expect(exitStatusForSignal('SIGABRT')).toBe(134);
    expect(exitStatusForSignal('SIGKILL')).toBe(137);
    expect(exitStatusForSignal('SIGXCPU')).toBe(152);
    expect(exitStatusForSignal('SIGFPE')).toBe(136);
  });
});
