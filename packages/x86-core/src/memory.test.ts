import { describe, expect, it } from 'vitest';
import { GuestMemory, PAGE_SIZE, PROT_READ, PROT_WRITE } from './memory.js';

const RW = PROT_READ | PROT_WRITE;

describe('GuestMemory.map', () => {
  it('hands out zeroed pages, also where an earlier mapping left bytes behind', () => {
    const m = new GuestMemory({ maxBytes: 64 << 20 });
    const base = 0x100000;
    m.map(base, 4 * PAGE_SIZE, RW);
    m.writeBytes(base, new Uint8Array(4 * PAGE_SIZE).fill(0xa5));
    m.unmap(base, 4 * PAGE_SIZE);
    // The stale bytes are still in the backing store; a new mapping over part of them (and past
    // them, into never-mapped memory) must read as zeros.
    expect(m.u8[base + PAGE_SIZE]).toBe(0xa5);
    m.map(base + PAGE_SIZE, 8 * PAGE_SIZE, RW);
    expect(m.readBytes(base + PAGE_SIZE, 8 * PAGE_SIZE).every((b) => b === 0)).toBe(true);
    // A mapping far above anything mapped before (fresh, grown memory) is zero too.
    m.map(32 << 20, 2 * PAGE_SIZE, RW);
    expect(m.readBytes(32 << 20, 2 * PAGE_SIZE).every((b) => b === 0)).toBe(true);
  });

  it('clears the scratch area at the bottom of memory when a guest maps it', () => {
    const m = new GuestMemory({ maxBytes: 1 << 20 });
    m.u8.fill(0x5a, 0, 0x10000); // what the JIT's mirror leaves there
    m.map(0, 0x10000, RW);
    expect(m.readBytes(0, 0x10000).every((b) => b === 0)).toBe(true);
  });

  it('a clone zero-fills re-mapped pages like the original', () => {
    const m = new GuestMemory({ maxBytes: 16 << 20 });
    m.map(0x200000, PAGE_SIZE, RW);
    m.writeBytes(0x200000, new Uint8Array([1, 2, 3]));
    const c = m.clone();
    expect([...c.readBytes(0x200000, 3)]).toEqual([1, 2, 3]);
    c.unmap(0x200000, PAGE_SIZE);
    c.map(0x200000, PAGE_SIZE, RW);
    expect([...c.readBytes(0x200000, 3)]).toEqual([0, 0, 0]);
  });
});
