import { execFileSync } from 'node:child_process';
import { SpessaSynthProcessor } from 'spessasynth_core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { repoRoot } from '../test-support/shared-data.js';
import { createHallReverb } from './hall-reverb.js';

/** A few short noise bursts with silence between them, like a reverb send. */
function bursts(frames: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const send = new Float32Array(frames);
  for (let i = 0; i < frames; i++) if (i % 20000 < 1500) send[i] = (rng.next() - 0.5) * 0.2;
  return send;
}

/** Runs a reverb over `send` in pieces of the given sizes (cycled), returning the wet stereo signal. */
function wet(
  process: (send: Float32Array, l: Float32Array, r: Float32Array, at: number, n: number) => void,
  send: Float32Array,
  pieces: readonly number[],
): [Float32Array, Float32Array] {
  const left = new Float32Array(send.length);
  const right = new Float32Array(send.length);
  for (let at = 0, k = 0; at < send.length; k++) {
    const n = Math.min(pieces[k % pieces.length]!, send.length - at);
    process(send.slice(at, at + n), left, right, at, n);
    at += n;
  }
  return [left, right];
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
const peak = (a: Float32Array): number => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('createHallReverb', () => {
  it("matches spessasynth_core's own default reverb (GS Hall 2) to float rounding", () => {
    const sampleRate = 44100;
    const synth = new SpessaSynthProcessor(sampleRate, { maxBufferSize: 128 });
    synth.reset(); // applies the GS reverb macro 4, as a synth with a sound bank does
    const reference = synth.reverbProcessor;
    const send = bursts(3 * sampleRate, 1);
    const [refLeft, refRight] = wet((s, l, r, at, n) => reference.process(s, l, r, at, n), send, [128]);
    const ours = createHallReverb(sampleRate);
    const [left, right] = wet((s, l, r, at, n) => ours.process(s, l, r, at, n), send, [65536, 1000, 7]);
    expect(peak(refLeft)).toBeGreaterThan(0.005);
    expect(maxAbsDiff(left, refLeft)).toBeLessThan(1e-6 * peak(refLeft));
    expect(maxAbsDiff(right, refRight)).toBeLessThan(1e-6 * peak(refRight));
  });

  it('the WebAssembly and JavaScript loops give the same samples', () => {
    const send = bursts(50000, 4);
    const run = (engine: 'wasm' | 'js'): [Float32Array, Float32Array] => {
      const reverb = createHallReverb(44100, { engine });
      return wet((s, l, r, at, n) => reverb.process(s, l, r, at, n), send, [20000, 99]);
    };
    const [wasmLeft, wasmRight] = run('wasm');
    const [jsLeft, jsRight] = run('js');
    expect(peak(jsLeft)).toBeGreaterThan(0.001);
    expect(maxAbsDiff(wasmLeft, jsLeft)).toBe(0);
    expect(maxAbsDiff(wasmRight, jsRight)).toBe(0);
  });

  it('hall-reverb-wasm.ts is what scripts/build-reverb-wasm.mjs generates', () => {
    const out = execFileSync(process.execPath, ['scripts/build-reverb-wasm.mjs', '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(out).toMatch(/up to date/);
  });

  it('is linear: the reverb of a sum is the sum of the reverbs, whatever the piece sizes', () => {
    const a = bursts(60000, 2);
    const b = bursts(60000, 3);
    const sum = a.map((x, i) => x + b[i]!);
    const run = (send: Float32Array, pieces: number[]): [Float32Array, Float32Array] => {
      const reverb = createHallReverb(48000);
      return wet((s, l, r, at, n) => reverb.process(s, l, r, at, n), send, pieces);
    };
    const [la] = run(a, [4096]);
    const [lb] = run(b, [333]);
    const [ls, rs] = run(sum, [60000]);
    expect(
      maxAbsDiff(
        ls,
        la.map((x, i) => x + lb[i]!),
      ),
    ).toBeLessThan(1e-6 * peak(ls));
    expect(peak(rs)).toBeGreaterThan(0);
  });

  it('adds to what is in the output and leaves silence silent', () => {
    const reverb = createHallReverb(44100);
    const left = new Float32Array(1000).fill(0.25);
    const right = new Float32Array(1000);
    reverb.process(new Float32Array(1000), left, right, 0, 1000);
    expect(left.every((x) => x === 0.25)).toBe(true);
    expect(right.every((x) => x === 0)).toBe(true);
  });
});
