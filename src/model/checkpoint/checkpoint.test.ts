import { describe, expect, test } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { sampleCheckpoint } from '../../test-support/fixtures.js';

const reader = (files: Map<string, Uint8Array>) => (name: string) => files.get(name);

describe('checkpoint format', () => {
  test('round trip: encode then decode gives the same checkpoint', () => {
    const checkpoint = sampleCheckpoint();
    const files = encodeCheckpoint(checkpoint);
    expect([...files.keys()]).toEqual(['config.json', 'weights.json', 'weights.bin', 'state.json']);
    expect(files.get('weights.bin')?.length).toBe(4 * 12);
    const decoded = decodeCheckpoint(reader(files), 'ck');
    expect(decoded).toEqual(checkpoint);
  });

  test('an unfinished checkpoint (no state.json) is refused', () => {
    const files = encodeCheckpoint(sampleCheckpoint());
    files.delete('state.json');
    expect(() => decodeCheckpoint(reader(files), 'runs/x/checkpoint')).toThrow(
      /runs\/x\/checkpoint: no state.json, so the checkpoint was never completely written/,
    );
  });

  test('a checkpoint mixing two saves is refused', () => {
    const a = encodeCheckpoint(sampleCheckpoint(7, 0.5));
    const b = encodeCheckpoint(sampleCheckpoint(8, 0.75));
    const mixed = new Map(a);
    mixed.set('weights.bin', b.get('weights.bin') as Uint8Array);
    expect(() => decodeCheckpoint(reader(mixed), 'ck')).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(reader(mixed), 'ck')).toThrow(
      /weights.bin does not match state.json.*partially written or corrupt/,
    );
  });

  test('a changed byte, a missing file and another version are refused', () => {
    const files = encodeCheckpoint(sampleCheckpoint());
    const bin = (files.get('weights.bin') as Uint8Array).slice();
    bin[5] = (bin[5] ?? 0) ^ 1;
    expect(() => decodeCheckpoint(reader(new Map(files).set('weights.bin', bin)), 'ck')).toThrow(
      /does not match/,
    );
    const noConfig = new Map(files);
    noConfig.delete('config.json');
    expect(() => decodeCheckpoint(reader(noConfig), 'ck')).toThrow(/config.json is missing/);
    const state = JSON.parse(new TextDecoder().decode(files.get('state.json')));
    state.version = 2;
    const v2 = new Map(files).set('state.json', new TextEncoder().encode(JSON.stringify(state)));
    expect(() => decodeCheckpoint(reader(v2), 'ck')).toThrow(/version 2; this Howl reads version 1/);
    const garbage = new Map(files).set('state.json', new TextEncoder().encode('{"version": 1, "fil'));
    expect(() => decodeCheckpoint(reader(garbage), 'ck')).toThrow(/state.json is not valid JSON/);
  });

  test('a tensor whose values do not fit its shape cannot be encoded', () => {
    const bad = sampleCheckpoint();
    expect(() =>
      encodeCheckpoint({ ...bad, tensors: [{ name: 'x', shape: [2, 2], data: new Float32Array(3) }] }),
    ).toThrow(/tensor x: shape \[2, 2\] but 3 values/);
  });
});
