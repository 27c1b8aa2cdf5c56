/**
 * The optional native training kernels, as the model layer sees them: an interface and a
 * registry, nothing that loads a binary (so this module stays importable in a browser). In Node,
 * `setupNodeBackend` loads Howl's addon (native/howl-native.c, OpenBLAS found at run time) and
 * registers it here; when it cannot, nothing is registered and every op runs on TensorFlow.js's
 * wasm kernels as before.
 *
 * Layout conventions (the addon's): row-major Float32Arrays; sequences batch-major, `x` as
 * `[B·T, I]` with row `b·T + t`; weights in Keras layout, `W [I, G·H]`, `U [H, G·H]`.
 */

/** What the native addon offers. Every function checks its arrays' lengths and throws a TypeError. */
export interface NativeKernels {
  /** `C[M,N] = op(A)·op(B) + beta·C`, row-major, with leading dimensions (any Float32Array view). */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    beta: number,
    C: Float32Array,
    ldc: number,
  ): void;
  /**
   * `count` products at once, `C_i = op(A_i)·op(B_i) + beta·C_i`, operand `X_i` starting at
   * `i·strideX` (a stride of 0 shares one operand), the products split between the threads.
   */
  sgemmBatch(
    count: number,
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Float32Array,
    strideA: number,
    lda: number,
    B: Float32Array,
    strideB: number,
    ldb: number,
    beta: number,
    C: Float32Array,
    strideC: number,
    ldc: number,
  ): void;
  /** LSTM over a sequence: writes `out [B·T, H]`, the activated gates `acts [B·T, 4H]` and `cs [B·T, H]`. */
  lstmForward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Float32Array,
    W: Float32Array,
    U: Float32Array,
    b: Float32Array,
    h0: Float32Array,
    c0: Float32Array,
    out: Float32Array,
    acts: Float32Array,
    cs: Float32Array,
  ): void;
  /** Its gradient: writes `dZ [B·T, 4H]` (pre-activations), `dW`, `dU`, `db`, `dh0`, `dc0`. */
  lstmBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Float32Array,
    U: Float32Array,
    h0: Float32Array,
    c0: Float32Array,
    out: Float32Array,
    acts: Float32Array,
    cs: Float32Array,
    dOut: Float32Array,
    dcT: Float32Array,
    dZ: Float32Array,
    dW: Float32Array,
    dU: Float32Array,
    db: Float32Array,
    dh0: Float32Array,
    dc0: Float32Array,
  ): void;
  /** GRU (reset_after) over a sequence: writes `out`, the gates `z, r, n` and `hpn` (h·U_h + b_rh). */
  gruForward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Float32Array,
    W: Float32Array,
    U: Float32Array,
    b: Float32Array,
    h0: Float32Array,
    out: Float32Array,
    gates: Float32Array,
    hpn: Float32Array,
  ): void;
  /** Its gradient: writes `dXP [B·T, 3H]` (w.r.t. x·W + b_in), `dW`, `dU`, `db [2, 3H]`, `dh0`. */
  gruBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Float32Array,
    U: Float32Array,
    h0: Float32Array,
    out: Float32Array,
    gates: Float32Array,
    hpn: Float32Array,
    dOut: Float32Array,
    dXP: Float32Array,
    dW: Float32Array,
    dU: Float32Array,
    db: Float32Array,
    dh0: Float32Array,
  ): void;
  /**
   * Softmax cross-entropy of `[N, K]` logits against class indices (as floats): returns
   * Σ mask_i · (logsumexp z_i − z_i[t_i]) and writes every row's softmax into `probs`.
   */
  crossEntropy(
    N: number,
    K: number,
    logits: Float32Array,
    targets: Float32Array,
    mask: Float32Array,
    probs: Float32Array,
  ): number;
  /** Its gradient: `dlogits = coef · mask_i · (p_i − onehot(t_i))`. */
  crossEntropyBackward(
    N: number,
    K: number,
    probs: Float32Array,
    targets: Float32Array,
    mask: Float32Array,
    coef: number,
    dlogits: Float32Array,
  ): void;
  /** SELU of `n` values. */
  selu(n: number, x: Float32Array, y: Float32Array): void;
  /** SELU's gradient from its output `y`. */
  seluBackward(n: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** Column sums of `[N, K]`. */
  columnSums(N: number, K: number, x: Float32Array, out: Float32Array): void;
  /** `out[i] = W[rows[i]] + b` for `W [K, E]`; throws for a row outside `[0, K)`. */
  gatherRows(
    N: number,
    K: number,
    E: number,
    W: Float32Array,
    rows: Int32Array,
    b: Float32Array,
    out: Float32Array,
  ): void;
  /** `dW = 0`, then `dW[rows[i]] += dY[i]`. */
  scatterAddRows(N: number, K: number, E: number, dY: Float32Array, rows: Int32Array, dW: Float32Array): void;
  /** `y = s·x + t`. */
  affine(n: number, x: Float32Array, s: number, t: number, y: Float32Array): void;
  /**
   * Layer norm of `x [N, d]` (d ≤ 65536): `y = (x − mean)·rstd·gamma + beta`, `rstd = 1/√(var + eps)`;
   * `stats [N, 2]` receives each row's mean and rstd for the gradient.
   */
  layerNorm(
    N: number,
    d: number,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    eps: number,
    y: Float32Array,
    stats: Float32Array,
  ): void;
  /** Its gradient: `dx`, and `dgamma`, `dbeta` summed over the rows. */
  layerNormBackward(
    N: number,
    d: number,
    x: Float32Array,
    gamma: Float32Array,
    stats: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
  /**
   * Causal attention probabilities with ALiBi positions (the native kernels only: the WebAssembly
   * kernels would copy these large arrays in and out, slower than TensorFlow.js's own ops). Row r of
   * `S [R, T]` (R = B·H·T) is query i = r mod T of head h = (r / T) mod H: over the keys j in
   * [max(0, i − window + 1), i], `P = softmax(scale·S − slopes[h]·(i − j))`; every other key gets 0.
   */
  attentionSoftmax?(
    R: number,
    T: number,
    H: number,
    slopes: Float32Array,
    window: number,
    scale: number,
    S: Float32Array,
    P: Float32Array,
  ): void;
  /** Its gradient: `dS = scale·P·(dP − Σ_k dP_k·P_k)` on the visible keys, 0 elsewhere. */
  attentionSoftmaxBackward?(
    R: number,
    T: number,
    window: number,
    scale: number,
    P: Float32Array,
    dP: Float32Array,
    dS: Float32Array,
  ): void;
  /** Sets the BLAS thread count (process-wide). */
  setThreads(threads: number): void;
  /** The BLAS thread count. */
  threads(): number;
  /** The BLAS library's own description (e.g. "OpenBLAS 0.3.21 … Cooperlake"). */
  readonly blas: string;
}

let active: NativeKernels | null = null;
let chosen = false;

/**
 * Registers (or, with null, removes) the native kernels. The recurrent layers' fused sequence ops
 * and the wasm backend's matrix product use them from then on.
 *
 * @param kernels - the loaded addon, or null for the WebAssembly path
 */
export function useNativeKernels(kernels: NativeKernels | null): void {
  active = kernels;
  chosen = true;
}

/**
 * Whether `useNativeKernels` has been called (with kernels or with null): a choice made, which
 * `setupBackend` leaves alone.
 *
 * @returns true after the first registration
 */
export function nativeKernelsChosen(): boolean {
  return chosen;
}

/**
 * The registered native kernels.
 *
 * @returns the kernels, or null when the WebAssembly path is in use
 */
export function nativeKernels(): NativeKernels | null {
  return active;
}
