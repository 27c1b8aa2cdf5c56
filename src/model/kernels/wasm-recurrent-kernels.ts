import type { KernelCall } from './wasm-kernel-call.js';
import { checkSizes, need } from './wasm-kernel-call.js';

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
export function lstmForward(
  k: KernelCall,
  ...[B, T, I, H, x, W, U, b, h0, c0, out, acts, cs]: [
    number,
    number,
    number,
    number,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ]
): void {
  checkSizes({ B, T, I, H });
  const G = 4 * H;
  const R = B * T;
  const inputs = [
    [x, R * I],
    [W, I * G],
    [U, H * G],
    [b, G],
    [h0, B * H],
    [c0, B * H],
  ] as const;
  need([
    ['x', x, R * I],
    ['W', W, I * G],
    ['U', U, H * G],
    ['b', b, G],
    ['h0', h0, B * H],
    ['c0', c0, B * H],
  ]);
  need([
    ['out', out, R * H],
    ['acts', acts, R * G],
    ['cs', cs, R * H],
  ]);
  if (R === 0 || H === 0) return;
  k.session(() => {
    const [px, pW, pU, pb, ph0, pc0] = k.puts(inputs) as [number, number, number, number, number, number];
    const [pOut, pActs, pCs, pz] = [R * H, R * G, R * H, B * G].map((n) => k.arena.alloc(n)) as [
      number,
      number,
      number,
      number,
    ];
    k.run('gemm_part', [0, 0, R, G, I, px, I, pW, G, 0, pActs, G], k.gemmParts(R, G, I));
    prepackRecurrent(k, 0, pU, H, G);
    k.run('lstm_forward_part', [B, T, H, pU, pb, ph0, pc0, pOut, pActs, pCs, pz], k.rowParts(B));
    k.arena.take(pOut, R * H, out);
    k.arena.take(pActs, R * G, acts);
    k.arena.take(pCs, R * H, cs);
  });
}

/** `lstmBackward` of `NativeKernels`. */
export function lstmBackward(
  k: KernelCall,
  ...[B, T, I, H, x, U, h0, c0, out, acts, cs, dOut, dcT, dZ, dW, dU, db, dh0, dc0]: [
    number,
    number,
    number,
    number,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ]
): void {
  checkSizes({ B, T, I, H });
  const G = 4 * H;
  const R = B * T;
  const inputs = [
    [x, R * I],
    [U, H * G],
    [h0, B * H],
    [c0, B * H],
    [out, R * H],
    [acts, R * G],
    [cs, R * H],
    [dOut, R * H],
    [dcT, B * H],
  ] as const;
  const names = ['x', 'U', 'h0', 'c0', 'out', 'acts', 'cs', 'dOut', 'dcT'];
  need(inputs.map(([v, n], i) => [names[i]!, v, n] as const));
  need([
    ['dZ', dZ, R * G],
    ['dW', dW, I * G],
    ['dU', dU, H * G],
    ['db', db, G],
    ['dh0', dh0, B * H],
    ['dc0', dc0, B * H],
  ]);
  if (R === 0 || H === 0) return;
  k.session(() => {
    const [px, pU, ph0, pc0, pOut, pActs, pCs, pdOut, pdc] = k.puts(inputs) as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const pdZ = k.arena.alloc(R * G);
    const pdh = k.arena.zeros(B * H);
    prepackRecurrent(k, 1, pU, H, G);
    k.run(
      'lstm_backward_part',
      [B, T, H, pU, ph0, pc0, pOut, pActs, pCs, pdOut, pdZ, pdh, pdc],
      k.rowParts(B),
    );
    const [pdW, pdU, pdb] = [I * G, H * G, G].map((n) => k.arena.alloc(n)) as [number, number, number];
    weightGradients(
      k,
      { B, T, I, H, G },
      { x: px, h0: ph0, out: pOut, dX: pdZ, dH: pdZ, dW: pdW, dU: pdU, db: pdb },
      null,
    );
    k.arena.take(pdZ, R * G, dZ);
    k.arena.take(pdW, I * G, dW);
    k.arena.take(pdU, H * G, dU);
    k.arena.take(pdb, G, db);
    k.arena.take(pdh, B * H, dh0);
    k.arena.take(pdc, B * H, dc0);
  });
}

/** `gruForward` of `NativeKernels`. */
export function gruForward(
  k: KernelCall,
  ...[B, T, I, H, x, W, U, b, h0, out, gates, hpn]: [
    number,
    number,
    number,
    number,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ]
): void {
  checkSizes({ B, T, I, H });
  const G = 3 * H;
  const R = B * T;
  const inputs = [
    [x, R * I],
    [W, I * G],
    [U, H * G],
    [b, 2 * G],
    [h0, B * H],
  ] as const;
  need([
    ['x', x, R * I],
    ['W', W, I * G],
    ['U', U, H * G],
    ['b', b, 2 * G],
    ['h0', h0, B * H],
  ]);
  need([
    ['out', out, R * H],
    ['gates', gates, R * G],
    ['hpn', hpn, R * H],
  ]);
  if (R === 0 || H === 0) return;
  k.session(() => {
    const [px, pW, pU, pb, ph0] = k.puts(inputs) as [number, number, number, number, number];
    const [pOut, pGates, pHpn, pHp] = [R * H, R * G, R * H, B * G].map((n) => k.arena.alloc(n)) as [
      number,
      number,
      number,
      number,
    ];
    k.run('gemm_part', [0, 0, R, G, I, px, I, pW, G, 0, pGates, G], k.gemmParts(R, G, I));
    prepackRecurrent(k, 0, pU, H, G);
    // the bias is [2, 3H]: the input row, then the recurrent row (4·G bytes on)
    k.run('gru_forward_part', [B, T, H, pU, pb, pb + 4 * G, ph0, pOut, pGates, pHpn, pHp], k.rowParts(B));
    k.arena.take(pOut, R * H, out);
    k.arena.take(pGates, R * G, gates);
    k.arena.take(pHpn, R * H, hpn);
  });
}

/** `gruBackward` of `NativeKernels`. */
export function gruBackward(
  k: KernelCall,
  ...[B, T, I, H, x, U, h0, out, gates, hpn, dOut, dXP, dW, dU, db, dh0]: [
    number,
    number,
    number,
    number,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ]
): void {
  checkSizes({ B, T, I, H });
  const G = 3 * H;
  const R = B * T;
  const inputs = [
    [x, R * I],
    [U, H * G],
    [h0, B * H],
    [out, R * H],
    [gates, R * G],
    [hpn, R * H],
    [dOut, R * H],
  ] as const;
  const names = ['x', 'U', 'h0', 'out', 'gates', 'hpn', 'dOut'];
  need(inputs.map(([v, n], i) => [names[i]!, v, n] as const));
  need([
    ['dXP', dXP, R * G],
    ['dW', dW, I * G],
    ['dU', dU, H * G],
    ['db', db, 2 * G],
    ['dh0', dh0, B * H],
  ]);
  if (R === 0 || H === 0) return;
  k.session(() => {
    const [px, pU, ph0, pOut, pGates, pHpn, pdOut] = k.puts(inputs) as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const pdXP = k.arena.alloc(R * G);
    const pdHP = k.arena.alloc(R * G);
    const pdh = k.arena.zeros(B * H);
    prepackRecurrent(k, 1, pU, H, G);
    k.run('gru_backward_part', [B, T, H, pU, ph0, pOut, pGates, pHpn, pdOut, pdh, pdXP, pdHP], k.rowParts(B));
    const [pdW, pdU, pdb] = [I * G, H * G, 2 * G].map((n) => k.arena.alloc(n)) as [number, number, number];
    const p = { x: px, h0: ph0, out: pOut, dX: pdXP, dH: pdHP, dW: pdW, dU: pdU, db: pdb };
    weightGradients(k, { B, T, I, H, G }, p, pdb + 4 * G);
    k.arena.take(pdXP, R * G, dXP);
    k.arena.take(pdW, I * G, dW);
    k.arena.take(pdU, H * G, dU);
    k.arena.take(pdb, 2 * G, db);
    k.arena.take(pdh, B * H, dh0);
  });
}
