import { describe, expect, it } from 'vitest';
import { MidiFormatError } from '../errors.js';

describe('MidiFormatError', () => {
  it('names the file, the reason and the offset', () => {
    const error = new MidiFormatError('truncated track chunk', { file: 'a.mid', offset: 42 });
    expect(error.message).toBe('a.mid: truncated track chunk (at byte 42)');
    expect(error.code).toBe('midi-format');
    expect(error.name).toBe('MidiFormatError');
  });
});
