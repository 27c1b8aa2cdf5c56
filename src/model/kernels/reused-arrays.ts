import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './wasm-native-kernels.js';

/**
 * Float32Arrays that the native sequence ops (`native-sequence.ts`) hand back when a pass is done
 * with them, for the next pass to take: a training pass of LSTM-416 on 32 crops × 256 notes would
 * otherwise allocate about 200 MB a layer, fresh from the operating system each time (zeroed pages,
 * page faults, and unmapping that stalls the process's other threads). Per thread (module state);
 * a taken array holds old values, so a taker writes every element before reading one.
 */

/** Kept arrays, by length. */
const kept = new Map<number, Float32Array[]>();
let keptBytes = 0;

/**
 * At most this much is kept: an array that would pass it drops every kept one (sizes a run no
 * longer uses go with them) and is kept alone.
 */
export const MAX_KEPT_BYTES = 1 << 30;

/**
 * An array of `length` floats: a kept one when there is one (its old values in it), else new.
 *
 * @param length - its length
 * @returns the array, owned by the caller until `handBack`
 */
export function takeFloats(length: number): Float32Array {
  const array = kept.get(length)?.pop();
  if (array === undefined) return new Float32Array(length);
  keptBytes -= array.byteLength;
  return array;
}

/**
 * Gives arrays back for later `takeFloats`; the caller must not touch them afterwards. Views
 * (subarrays) are not taken back.
 *
 * @param arrays - arrays from `takeFloats` (or any whole Float32Array no one else holds)
 */
export function handBack(...arrays: Float32Array[]): void {
  for (const array of arrays) {
    if (array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength) continue;
    if (array.byteLength > MAX_KEPT_BYTES) continue;
    if (keptBytes + array.byteLength > MAX_KEPT_BYTES) {
      kept.clear();
      keptBytes = 0;
    }
    const list = kept.get(array.length) ?? [];
    if (list.includes(array)) continue;
    list.push(array);
    kept.set(array.length, list);
    keptBytes += array.byteLength;
  }
}

/** Bytes kept now (for tests). */
export function keptFloatBytes(): number {
  return keptBytes;
}

/**
 * A float32 tensor's values to copy from, without a copy of its own where it can: a view of the wasm
 * heap on the wasm backend (valid until the backend next allocates), else `dataSync` (on the cpu
 * backend its own data). Read it, never write it.
 *
 * @param t - a float32 tensor
 * @returns its values
 */
export function viewFloats(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') {
    return (tf.backend() as unknown as WasmBackend).typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}

/**
 * A tensor's values in an array the caller owns: on the wasm backend copied from the heap into a
 * taken array (hand it back when done), elsewhere a copy from `dataSync`.
 *
 * @param t - a float32 tensor
 * @returns its values
 */
export function readFloats(t: tf.Tensor): Float32Array {
  if (tf.getBackend() !== 'wasm') return (t.dataSync() as Float32Array).slice();
  const into = takeFloats(t.size);
  into.set(viewFloats(t));
  return into;
}

/**
 * A tensor made from `values`, which are handed back when the backend copied them (wasm) and are
 * the tensor's own data elsewhere (cpu keeps the array it is given).
 *
 * @param values - the values, from `takeFloats`
 * @param shape - the tensor's shape
 * @returns the tensor
 */
export function tensorFrom(values: Float32Array, shape: number[]): tf.Tensor {
  const t = tf.tensor(values, shape, 'float32');
  if (tf.getBackend() === 'wasm') handBack(values);
  return t;
}
