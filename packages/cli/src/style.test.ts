import { describe, expect, it } from 'vitest';
import { colorEnabled, createStyle } from './style.js';

describe('colours', () => {
  it('are on for a TTY only', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
  });
  it('honour NO_COLOR (any non-empty value) and FORCE_COLOR', () => {
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(true, { TERM: 'dumb' })).toBe(false);
  });
  it('wrap text in escapes only when enabled', () => {
    expect(createStyle(false).red('x')).toBe('x');
    expect(createStyle(true).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});
