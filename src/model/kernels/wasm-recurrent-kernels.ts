import type { NativeKernels } from './native-kernels.js';
import { checkSizes, type KernelCall } from './wasm-kernel-call.js';

/**
 * The LSTM and GRU over a sequence on Howl's WebAssembly kernels, with the native addon's
 * signatures and layout (`native-kernels.ts`): the input projection as one product split between
 * the threads, then every step for a slice of the batch's rows on each thread (the recurrent
 * matrix packed once for all steps), then the weight gradients as large products.
 */

/** dW = xᵀ·dX, dU = hPrevᵀ·dH and the bias sums a recurrent layer's backward pass ends with. */
function weightGradients(
  k: KernelCall,
  sizes: { B: number; T: number; I: number; H: number; G: number },
  p: { x: number; h0: number; out: number; dX: number; dH: number; dW: number; dU: number; db: number },
  dbRec: number | null,
): void {
  const { B, T, I, H, G } = sizes;
  const R = B * T;
  const hPrev = k.arena.alloc(R * H);
  k.exports.previous_states(B, T, H, p.h0, p.out, hPrev);
  k.run('gemm_part', [1, 0, I, G, R, p.x, I, p.dX, G, 0, p.dW, G], k.gemmParts(I, G, R));
  k.run('gemm_part', [1, 0, H, G, R, hPrev, H, p.dH, G, 0, p.dU, G], k.gemmParts(H, G, R));
  k.run('column_sums_part', [R, G, p.dX, p.db]);
  if (dbRec !== null) k.run('column_sums_part', [R, G, p.dH, dbRec]);
}

/** Packs U [H, G] for the steps' products: slot 0 as h·U (forward), slot 1 as dZ·Uᵀ (backward). */
function prepackRecurrent(k: KernelCall, slot: 0 | 1, U: number, H: number, G: number): void {
  const [K, N] = slot === 0 ? [H, G] : [G, H];
  k.exports.prepack(slot, slot, K, N, U, G, k.arena.alloc(k.exports.packed_size(K, N)));
}

/** `lstmForward` of `NativeKernels`. */
export function lstmForward(k: KernelCall, ...args: Parameters<NativeKernels['lstmForward']>): void {
  const [B, T, I, H, x, W, U, b, h0, c0, out, acts, cs] = args;
  checkSizes({ B, T, I, H });
  const [G, R] = [4 * H, B * T];
  k.withArrays(
    [
      ['x', x, R * I, 'in'],
      ['W', W, I * G, 'in'],
      ['U', U, H * G, 'in'],
      ['b', b, G, 'in'],
      ['h0', h0, B * H, 'in'],
      ['c0', c0, B * H, 'in'],
      ['out', out, R * H, 'out'],
      ['acts', acts, R * G, 'out'],
      ['cs', cs, R * H, 'out'],
    ],
    (p) => {
      k.run('gemm_part', [0, 0, R, G, I, p.x, I, p.W, G, 0, p.acts, G], k.gemmParts(R, G, I));
      prepackRecurrent(k, 0, p.U, H, G);
      const z = k.arena.alloc(B * G);
      k.run('lstm_forward_part', [B, T, H, p.U, p.b, p.h0, p.c0, p.out, p.acts, p.cs, z], k.rowParts(B));
    },
    R > 0 && H > 0,
  );
}

/** `lstmBackward` of `NativeKernels`. */
export function lstmBackward(k: KernelCall, ...args: Parameters<NativeKernels['lstmBackward']>): void {
  const [B, T, I, H, x, U, h0, c0, out, acts, cs, dOut, dcT, dZ, dW, dU, db, dh0, dc0] = args;
  checkSizes({ B, T, I, H });
  const [G, R] = [4 * H, B * T];
  k.withArrays(
    [
      ['x', x, R * I, 'in'],
      ['U', U, H * G, 'in'],
      ['h0', h0, B * H, 'in'],
      ['c0', c0, B * H, 'in'],
      ['out', out, R * H, 'in'],
      ['acts', acts, R * G, 'in'],
      ['cs', cs, R * H, 'in'],
      ['dOut', dOut, R * H, 'in'],
      ['dcT', dcT, B * H, 'in'],
      ['dZ', dZ, R * G, 'out'],
      ['dW', dW, I * G, 'out'],
      ['dU', dU, H * G, 'out'],
      ['db', db, G, 'out'],
      ['dh0', dh0, B * H, 'zeroed'],
      ['dc0', dc0, B * H, 'out'],
    ],
    (p) => {
      prepackRecurrent(k, 1, p.U, H, G);
      // dh is carried back through the steps in dh0 (from zero), dc in dc0 (from the final state's)
      k.arena.floats(p.dc0, B * H).set(k.arena.floats(p.dcT, B * H));
      const stepArgs = [B, T, H, p.U, p.h0, p.c0, p.out, p.acts, p.cs, p.dOut, p.dZ, p.dh0, p.dc0];
      k.run('lstm_backward_part', stepArgs, k.rowParts(B));
      weightGradients(k, { B, T, I, H, G }, { ...p, dX: p.dZ, dH: p.dZ }, null);
    },
    R > 0 && H > 0,
  );
}

/** `gruForward` of `NativeKernels`. */
export function gruForward(k: KernelCall, ...args: Parameters<NativeKernels['gruForward']>): void {
  const [B, T, I, H, x, W, U, b, h0, out, gates, hpn] = args;
  checkSizes({ B, T, I, H });
  const [G, R] = [3 * H, B * T];
  k.withArrays(
    [
      ['x', x, R * I, 'in'],
      ['W', W, I * G, 'in'],
      ['U', U, H * G, 'in'],
      ['b', b, 2 * G, 'in'],
      ['h0', h0, B * H, 'in'],
      ['out', out, R * H, 'out'],
      ['gates', gates, R * G, 'out'],
      ['hpn', hpn, R * H, 'out'],
    ],
    (p) => {
      k.run('gemm_part', [0, 0, R, G, I, p.x, I, p.W, G, 0, p.gates, G], k.gemmParts(R, G, I));
      prepackRecurrent(k, 0, p.U, H, G);
      const hp = k.arena.alloc(B * G);
      // the bias is [2, 3H]: the input row, then the recurrent row (4·G bytes on)
      const stepArgs = [B, T, H, p.U, p.b, p.b + 4 * G, p.h0, p.out, p.gates, p.hpn, hp];
      k.run('gru_forward_part', stepArgs, k.rowParts(B));
    },
    R > 0 && H > 0,
  );
}

/** `gruBackward` of `NativeKernels`. */
export function gruBackward(k: KernelCall, ...args: Parameters<NativeKernels['gruBackward']>): void {
  const [B, T, I, H, x, U, h0, out, gates, hpn, dOut, dXP, dW, dU, db, dh0] = args;
  checkSizes({ B, T, I, H });
  const [G, R] = [3 * H, B * T];
  k.withArrays(
    [
      ['x', x, R * I, 'in'],
      ['U', U, H * G, 'in'],
      ['h0', h0, B * H, 'in'],
      ['out', out, R * H, 'in'],
      ['gates', gates, R * G, 'in'],
      ['hpn', hpn, R * H, 'in'],
      ['dOut', dOut, R * H, 'in'],
      ['dXP', dXP, R * G, 'out'],
      ['dW', dW, I * G, 'out'],
      ['dU', dU, H * G, 'out'],
      ['db', db, 2 * G, 'out'],
      ['dh0', dh0, B * H, 'zeroed'],
    ],
    (p) => {
      prepackRecurrent(k, 1, p.U, H, G);
      const dHP = k.arena.alloc(R * G);
      const stepArgs = [B, T, H, p.U, p.h0, p.out, p.gates, p.hpn, p.dOut, p.dh0, p.dXP, dHP];
      k.run('gru_backward_part', stepArgs, k.rowParts(B));
      weightGradients(k, { B, T, I, H, G }, { ...p, dX: p.dXP, dH: dHP }, p.db + 4 * G);
    },
    R > 0 && H > 0,
  );
}
