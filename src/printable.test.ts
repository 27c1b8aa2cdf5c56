import { describe, expect, it } from 'vitest';
import { printableBytes, printableText } from './printable.js';

describe('printableBytes', () => {
  it('keeps printable ASCII and escapes every other byte as \\xNN, and a backslash as \\\\', () => {
    expect(printableBytes(Uint8Array.of(0x52, 0x4d, 0xc2, 0x80, 0x00))).toBe('RM\\xC2\\x80\\x00');
    expect(printableBytes([0x4d, 0x54, 0x68, 0x64])).toBe('MThd');
    expect(printableBytes([0x1b, 0x5b, 0x32, 0x4a, 0x5c, 0x7f, 0x20, 0x7e])).toBe('\\x1B[2J\\\\\\x7F ~');
  });
});

describe('printableText', () => {
  it('escapes C0, DEL and C1 controls and keeps other scripts', () => {
    expect(printableText("RIFF form 'RM\u0000\u001b[2J'")).toBe("RIFF form 'RM\\x00\\x1B[2J'");
    expect(printableText('a\u007fb\u0085c')).toBe('a\\x7Fb\\x85c');
    expect(printableText('Clair de lune — 月光.mid')).toBe('Clair de lune — 月光.mid');
    expect(printableText('one\ntwo\tthree\r')).toBe('one\\x0Atwo\\x09three\\x0D');
  });

  it('keeps newlines and tabs on request', () => {
    expect(printableText('one\ntwo\tthree\r\u0000', { keepLines: true })).toBe('one\ntwo\tthree\\x0D\\x00');
  });
});
