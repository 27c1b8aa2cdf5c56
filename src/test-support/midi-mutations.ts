/**
 * Random damage to MIDI files, for the fuzz tests of the readers (src/midi/fuzz.test.ts, and
 * src/node/native-midi.test.ts, which checks that the native reader agrees with the TypeScript one
 * on damaged files).
 */
import type { Rng } from '../random/rng.js';

const INTERESTING = [0x00, 0x01, 0x2f, 0x40, 0x51, 0x7f, 0x80, 0x81, 0x90, 0xb0, 0xf0, 0xf4, 0xf7, 0xff];

function chunkLengthOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let i = 0; i + 8 <= bytes.length; i++) {
    const id = String.fromCharCode(bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!);
    if (id === 'MThd' || id === 'MTrk' || id === 'RIFF' || id === 'data') offsets.push(i + 4);
  }
  return offsets;
}

/** One random damage to a copy of `source`, and its name for the failure message. */
export function mutate(source: Uint8Array, rng: Rng): [Uint8Array, string] {
  const bytes = Uint8Array.from(source);
  const at = (): number => rng.int(0, Math.max(0, bytes.length - 1));
  switch (rng.int(0, 7)) {
    case 0: {
      const n = rng.int(1, 8);
      for (let i = 0; i < n; i++) {
        const where = at();
        bytes[where] = (bytes[where] ?? 0) ^ (1 << rng.int(0, 7));
      }
      return [bytes, `flip ${n} bits`];
    }
    case 1: {
      const n = rng.int(1, 4);
      for (let i = 0; i < n; i++) bytes[at()] = INTERESTING[rng.int(0, INTERESTING.length - 1)]!;
      return [bytes, `set ${n} bytes to status-like values`];
    }
    case 2: {
      const length = rng.int(0, bytes.length);
      return [bytes.subarray(0, length), `truncate to ${length}`];
    }
    case 3: {
      const where = rng.int(0, bytes.length);
      const extra = Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255));
      return [
        Uint8Array.from([...bytes.subarray(0, where), ...extra, ...bytes.subarray(where)]),
        `insert at ${where}`,
      ];
    }
    case 4: {
      const from = at();
      const to = Math.min(bytes.length, from + rng.int(1, 32));
      return [Uint8Array.from([...bytes.subarray(0, from), ...bytes.subarray(to)]), `delete ${from}..${to}`];
    }
    case 5: {
      const offsets = chunkLengthOffsets(bytes);
      const offset = offsets[rng.int(0, Math.max(0, offsets.length - 1))];
      if (offset === undefined) return [bytes, 'no chunk'];
      const values = [0, 1, 5, 0x7fffffff, 0xffffffff, rng.int(0, 2 ** 31), rng.int(0, 200)];
      const value = values[rng.int(0, values.length - 1)]!;
      new DataView(bytes.buffer).setUint32(offset, value >>> 0);
      return [bytes, `chunk length at ${offset} = ${value}`];
    }
    case 6: {
      const start = Math.min(bytes.length, 14 + rng.int(0, 20));
      for (let i = start; i < bytes.length; i++) if (rng.next() < 0.3) bytes[i] = rng.int(0, 255);
      return [bytes, `randomise 30% of bytes after ${start}`];
    }
    default: {
      const tail = Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
      return [Uint8Array.from([...bytes, ...tail]), 'append garbage'];
    }
  }
}
