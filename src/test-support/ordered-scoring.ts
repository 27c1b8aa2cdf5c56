import type { V1Row } from '../encoding/v1.js';
import { timeBin, velocityBin } from '../encoding/grid.js';
import type { OrderedStepNetwork } from '../inference/step-network.js';
import { createRng } from '../random/rng.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * What the step-network tests of ordered networks share: random phrases, and scoring the next note
 * one attribute at a time as the tfjs loss does.
 */

/** `n` random V1 rows: chords (delay 0) and steps, durations up to ~5 s, pitches −40..40. */
export function randomPhrase(n: number, seed: number): V1Row[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i): V1Row => [
    i === 0 || rng.next() < 0.3 ? 0 : rng.next() * 0.6,
    0.05 + rng.next() * 5,
    rng.next(),
    rng.int(-40, 40),
  ]);
}

/** log-softmax of `logits[offset .. offset + n)` at `index`. */
export function logSoftmaxAt(logits: Float32Array, offset: number, n: number, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[offset + i]! - max);
  return logits[offset + index]! - max - Math.log(sum);
}

/**
 * −log p of the note `next` under batch row b's outputs (after a `step`), per attribute.
 *
 * @returns `[delay, pitch, duration, velocity]`, nats
 */
export function scoreNext(net: OrderedStepNetwork, b: number, next: V1Row): number[] {
  const [d, len, volume, p] = next;
  const delayBin = timeBin(Math.min(4, Math.max(0, d)));
  const delay = -logSoftmaxAt(net.delayLogits, b * 401, 401, delayBin);
  const pitch = -logSoftmaxAt(net.pitchLogitsGiven(b, delayBin), 0, PITCH_COUNT, p + 60);
  const rest = net.restLogitsGiven(b, delayBin, p + 60);
  const duration = -logSoftmaxAt(rest.duration, 0, 401, timeBin(Math.min(4, len)));
  const velocity = -logSoftmaxAt(rest.velocity, 0, 32, velocityBin(volume * 127));
  return [delay, pitch, duration, velocity];
}
