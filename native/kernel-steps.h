/*
 * The arithmetic Howl's training kernels share, compiled twice: into the Node-API addon
 * (howl-native.c, gcc, products on OpenBLAS) and into the WebAssembly module (howl-wasm.c, clang,
 * products on its own SIMD kernel). Both give the same values within float rounding.
 *
 * The includer defines, before including this file, the row-major product the step loops use:
 *
 *   static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B,
 *                    int ldb, float beta, float *C, int ldc);   C = op(A)·op(B) + beta·C
 *
 * It holds: exp, sigmoid and tanh without libm; the LSTM and GRU cells and their gradients, row by
 * row; the step loops over a slice of the batch's rows; the heads' softmax row, SELU, column sums
 * and the affine map.
 */
#ifndef HOWL_KERNEL_STEPS_H
#define HOWL_KERNEL_STEPS_H
#include <stdint.h>

/*
 * exp, sigmoid and tanh without libm calls, so that the gate loops vectorise: Cephes's expf
 * (range reduction by ln 2 in two parts, degree-6 polynomial; about 2 ulp on [-87, 88]), with the
 * input clamped to that range. tanh(x) = 2σ(2x) − 1, as the WebAssembly path computes it.
 */
static inline float exp_approx(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  float t = x * 1.44269504088896341f;
  /* t + 1.5·2^23 rounds t to an integer held in the low mantissa bits (|t| < 2^22) */
  union { float f; int32_t i; } shifted;
  shifted.f = t + 12582912.0f;
  float n = shifted.f - 12582912.0f;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { int32_t i; float f; } scale;
  /* 2^n from those bits (= (int32_t)n): a float-to-int conversion would not vectorise for
   * WebAssembly, where it traps out of range */
  scale.i = (shifted.i - 0x4B400000 + 127) << 23;
  return p * scale.f;
}

static inline float sigmoid(float x) { return 1.0f / (1.0f + exp_approx(-x)); }
static inline float tanh_approx(float x) { return 2.0f / (1.0f + exp_approx(-2.0f * x)) - 1.0f; }

/* The gate loops, compiled twice: for AVX2 with FMA and for the baseline (chosen at load time). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

/* One LSTM row: g4 holds x·W (in), z h·U; writes the activated gates into g4, then c and h. */
VECTOR_CLONES static void lstm_row(float *restrict g4, const float *restrict z, const float *restrict bias,
                                   const float *restrict cprev, float *restrict c, float *restrict h, int64_t H) {
  const int64_t G = 4 * H;
  for (int64_t j = 0; j < G; j++) g4[j] += z[j] + bias[j];
  for (int64_t j = 0; j < 2 * H; j++) g4[j] = sigmoid(g4[j]);
  for (int64_t j = 2 * H; j < 3 * H; j++) g4[j] = tanh_approx(g4[j]);
  for (int64_t j = 3 * H; j < G; j++) g4[j] = sigmoid(g4[j]);
  for (int64_t k = 0; k < H; k++) {
    float ck = g4[H + k] * cprev[k] + g4[k] * g4[2 * H + k];
    c[k] = ck;
    h[k] = g4[3 * H + k] * tanh_approx(ck);
  }
}

/* One LSTM row backwards: dz from dh (dOut + carried), dc (carried, updated in place). */
VECTOR_CLONES static void lstm_row_backward(const float *restrict g4, const float *restrict c,
                                            const float *restrict cprev, const float *restrict dOut,
                                            const float *restrict dhNext, float *restrict dc,
                                            float *restrict dz, int64_t H) {
  for (int64_t k = 0; k < H; k++) {
    float i = g4[k], f = g4[H + k], g = g4[2 * H + k], o = g4[3 * H + k];
    float tc = tanh_approx(c[k]);
    float dh = dOut[k] + dhNext[k];
    float dcv = dc[k] + dh * o * (1.0f - tc * tc);
    dz[k] = dcv * g * i * (1.0f - i);
    dz[H + k] = dcv * cprev[k] * f * (1.0f - f);
    dz[2 * H + k] = dcv * i * (1.0f - g * g);
    dz[3 * H + k] = dh * tc * o * (1.0f - o);
    dc[k] = dcv * f;
  }
}

/* One GRU row: g3 holds x·W (in), hr h·U; writes z, r, n into g3, hpn and h. */
VECTOR_CLONES static void gru_row(float *restrict g3, const float *restrict hr, const float *restrict bIn,
                                  const float *restrict bRec, const float *restrict hprev,
                                  float *restrict hpn, float *restrict h, int64_t H) {
  for (int64_t k = 0; k < 2 * H; k++) g3[k] = sigmoid(g3[k] + bIn[k] + hr[k] + bRec[k]);
  for (int64_t k = 0; k < H; k++) {
    float hn = hr[2 * H + k] + bRec[2 * H + k];
    float n = tanh_approx(g3[2 * H + k] + bIn[2 * H + k] + g3[H + k] * hn);
    g3[2 * H + k] = n;
    hpn[k] = hn;
    h[k] = g3[k] * hprev[k] + (1.0f - g3[k]) * n;
  }
}

/* One GRU row backwards: dXP and dHP rows; carry = dh ⊙ z (the matrix path is added later). */
VECTOR_CLONES static void gru_row_backward(const float *restrict g3, const float *restrict hprev,
                                           const float *restrict hpn, const float *restrict dOut,
                                           float *restrict carry, float *restrict dx3, float *restrict dh3,
                                           int64_t H) {
  for (int64_t k = 0; k < H; k++) {
    float z = g3[k], r = g3[H + k], n = g3[2 * H + k];
    float dh = dOut[k] + carry[k];
    float dzp = dh * (hprev[k] - n) * z * (1.0f - z);
    float dnp = dh * (1.0f - z) * (1.0f - n * n);
    float drp = dnp * hpn[k] * r * (1.0f - r);
    dx3[k] = dzp;
    dx3[H + k] = drp;
    dx3[2 * H + k] = dnp;
    dh3[k] = dzp;
    dh3[H + k] = drp;
    dh3[2 * H + k] = dnp * r;
    carry[k] = dh * z;
  }
}

VECTOR_CLONES static void add_row(float *restrict out, const float *restrict row, int64_t K) {
  for (int64_t j = 0; j < K; j++) out[j] += row[j];
}

/* out[j] = Σ_i x[i, j] over [N, K]. */
static void column_sums(int64_t N, int64_t K, const float *x, float *out) {
  for (int64_t j = 0; j < K; j++) out[j] = 0.0f;
  for (int64_t i = 0; i < N; i++) add_row(out, x + i * K, K);
}

/* The steps of an LSTM layer for batch rows [b0, b1) (`over_batch`); the state buffers are shared,
 * each slice touching only its own rows. */
typedef struct {
  int64_t T, H;
  const float *U, *bias, *h0, *c0;
  float *out, *acts, *cs, *z;
  const float *dOut;
  float *dhNext, *dc;
} LstmJob;

static void lstm_forward_rows(const void *arg, int64_t b0, int64_t b1) {
  const LstmJob *j = arg;
  int64_t T = j->T, H = j->H, G = 4 * H;
  for (int64_t t = 0; t < T; t++) {
    const float *hp = t == 0 ? j->h0 + b0 * H : j->out + (b0 * T + t - 1) * H;
    gemm(0, 0, (int)(b1 - b0), (int)G, (int)H, hp, (int)(t == 0 ? H : T * H), j->U, (int)G, 0.0f, j->z + b0 * G,
         (int)G);
    for (int64_t b = b0; b < b1; b++) {
      int64_t row = b * T + t;
      const float *cprev = t == 0 ? j->c0 + b * H : j->cs + (row - 1) * H;
      lstm_row(j->acts + row * G, j->z + b * G, j->bias, cprev, j->cs + row * H, j->out + row * H, H);
    }
  }
}

/* Backwards through the steps for rows [b0, b1): dZ (in j->z, [B·T, 4H]), dh carried in dhNext and
 * dc in dc. */
static void lstm_backward_rows(const void *arg, int64_t b0, int64_t b1) {
  const LstmJob *j = arg;
  int64_t T = j->T, H = j->H, G = 4 * H;
  float *dZ = j->z;
  for (int64_t t = T - 1; t >= 0; t--) {
    for (int64_t b = b0; b < b1; b++) {
      int64_t row = b * T + t;
      const float *cprev = t == 0 ? j->c0 + b * H : j->cs + (row - 1) * H;
      lstm_row_backward(j->acts + row * G, j->cs + row * H, cprev, j->dOut + row * H, j->dhNext + b * H,
                        j->dc + b * H, dZ + row * G, H);
    }
    gemm(0, 1, (int)(b1 - b0), (int)H, (int)G, dZ + (b0 * T + t) * G, (int)(T * G), j->U, (int)G, 0.0f,
         j->dhNext + b0 * H, (int)H);
  }
}

/* The steps of a GRU layer for batch rows [b0, b1) (`over_batch`). */
typedef struct {
  int64_t T, H;
  const float *U, *bIn, *bRec, *h0;
  float *out, *gates, *hpn, *hp;
  const float *dOut;
  float *dhNext, *dXP, *dHP;
} GruJob;

static void gru_forward_rows(const void *arg, int64_t b0, int64_t b1) {
  const GruJob *j = arg;
  int64_t T = j->T, H = j->H, G = 3 * H;
  for (int64_t t = 0; t < T; t++) {
    const float *hprevAll = t == 0 ? j->h0 : j->out + (t - 1) * H;
    int64_t ld = t == 0 ? H : T * H;
    gemm(0, 0, (int)(b1 - b0), (int)G, (int)H, hprevAll + b0 * ld, (int)ld, j->U, (int)G, 0.0f, j->hp + b0 * G,
         (int)G);
    for (int64_t b = b0; b < b1; b++) {
      int64_t row = b * T + t;
      gru_row(j->gates + row * G, j->hp + b * G, j->bIn, j->bRec, hprevAll + b * ld, j->hpn + row * H,
              j->out + row * H, H);
    }
  }
}

static void gru_backward_rows(const void *arg, int64_t b0, int64_t b1) {
  const GruJob *j = arg;
  int64_t T = j->T, H = j->H, G = 3 * H;
  for (int64_t t = T - 1; t >= 0; t--) {
    for (int64_t b = b0; b < b1; b++) {
      int64_t row = b * T + t;
      const float *hprev = t == 0 ? j->h0 + b * H : j->out + (row - 1) * H;
      /* carry: the direct path h' = z ⊙ h + …; the matrix path is added by the product below */
      gru_row_backward(j->gates + row * G, hprev, j->hpn + row * H, j->dOut + row * H, j->dhNext + b * H,
                       j->dXP + row * G, j->dHP + row * G, H);
    }
    gemm(0, 1, (int)(b1 - b0), (int)H, (int)G, j->dHP + (b0 * T + t) * G, (int)(T * G), j->U, (int)G, 1.0f,
         j->dhNext + b0 * H, (int)H);
  }
}

/* A row's softmax into p; returns Σ exp(z − max) and writes the max into *max (log Σ exp z is
 * *max + log of the sum, taken by the caller: WebAssembly has no log). The max and the sum run
 * over 8 interleaved lanes, so that they vectorise without -ffast-math. */
#define SOFTMAX_LANES 8

/* Σ of a row over 8 interleaved lanes (vectorises without -ffast-math). */
VECTOR_CLONES static float row_sum(const float *restrict x, int64_t K) {
  const int64_t KL = K - K % SOFTMAX_LANES;
  float lanes[SOFTMAX_LANES] = {0};
  for (int64_t j = 0; j < KL; j += SOFTMAX_LANES)
    for (int l = 0; l < SOFTMAX_LANES; l++) lanes[l] += x[j + l];
  float sum = 0.0f;
  for (int l = 0; l < SOFTMAX_LANES; l++) sum += lanes[l];
  for (int64_t j = KL; j < K; j++) sum += x[j];
  return sum;
}

/* Σ x·y of two rows, as row_sum. */
VECTOR_CLONES static float row_dot(const float *restrict x, const float *restrict y, int64_t K) {
  const int64_t KL = K - K % SOFTMAX_LANES;
  float lanes[SOFTMAX_LANES] = {0};
  for (int64_t j = 0; j < KL; j += SOFTMAX_LANES)
    for (int l = 0; l < SOFTMAX_LANES; l++) lanes[l] += x[j + l] * y[j + l];
  float sum = 0.0f;
  for (int l = 0; l < SOFTMAX_LANES; l++) sum += lanes[l];
  for (int64_t j = KL; j < K; j++) sum += x[j] * y[j];
  return sum;
}

/* p = exp(z − m): a function of its own, which clang vectorises (inlined into softmax_row it
 * does not). */
VECTOR_CLONES __attribute__((noinline)) static void exp_shifted(const float *restrict z, float *restrict p,
                                                                int64_t K, float m) {
  for (int64_t j = 0; j < K; j++) p[j] = exp_approx(z[j] - m);
}

VECTOR_CLONES static float softmax_row(const float *restrict z, float *restrict p, int64_t K, float *restrict max) {
  const int64_t KL = K - K % SOFTMAX_LANES;
  float lanes[SOFTMAX_LANES];
  for (int l = 0; l < SOFTMAX_LANES; l++) lanes[l] = z[0];
  for (int64_t j = 0; j < KL; j += SOFTMAX_LANES)
    for (int l = 0; l < SOFTMAX_LANES; l++) lanes[l] = z[j + l] > lanes[l] ? z[j + l] : lanes[l];
  float m = z[0];
  for (int l = 0; l < SOFTMAX_LANES; l++) m = lanes[l] > m ? lanes[l] : m;
  for (int64_t j = KL; j < K; j++) m = z[j] > m ? z[j] : m;
  exp_shifted(z, p, K, m);
  float sum = row_sum(p, K);
  float inv = 1.0f / sum;
  for (int64_t j = 0; j < K; j++) p[j] *= inv;
  *max = m;
  return sum;
}

#define SELU_ALPHA 1.6732632423543772f
#define SELU_SCALE 1.0507009873554805f

VECTOR_CLONES static void selu_loop(const float *restrict x, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    float e = SELU_SCALE * SELU_ALPHA * (exp_approx(x[i]) - 1.0f);
    y[i] = x[i] > 0.0f ? SELU_SCALE * x[i] : e;
  }
}

/* The derivative from the output: scale where x > 0 (y > 0), else y + scale·alpha (= scale·alpha·eˣ). */
VECTOR_CLONES static void selu_backward_loop(const float *restrict y, const float *restrict dy, float *restrict dx,
                                             int64_t n) {
  for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] > 0.0f ? SELU_SCALE : y[i] + SELU_SCALE * SELU_ALPHA);
}

VECTOR_CLONES static void affine_loop(const float *restrict x, float s, float t, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = s * x[i] + t;
}

/* ---- the transformer's layer norm ---------------------------------------------------- */

/*
 * Layer norm of rows [r0, r1) of x [N, d]: y = (x − mean)·rstd·gamma + beta, rstd = 1/√(var + eps)
 * (the variance divided by d); stats [N, 2] keeps each row's mean and rstd for the gradient.
 */
VECTOR_CLONES static void layer_norm_rows(int64_t r0, int64_t r1, int64_t d, const float *restrict x,
                                          const float *restrict gamma, const float *restrict beta, float eps,
                                          float *restrict y, float *restrict stats) {
  for (int64_t r = r0; r < r1; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    float mean = row_sum(xr, d) / (float)d;
    for (int64_t j = 0; j < d; j++) yr[j] = xr[j] - mean;
    float rstd = 1.0f / __builtin_sqrtf(row_dot(yr, yr, d) / (float)d + eps);
    for (int64_t j = 0; j < d; j++) yr[j] = yr[j] * rstd * gamma[j] + beta[j];
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
  }
}

/*
 * Its gradient for rows [r0, r1): with x̂ = (x − mean)·rstd and g = dy·gamma,
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)). `scratch` holds 2·d floats for this caller alone.
 */
VECTOR_CLONES static void layer_norm_backward_rows(int64_t r0, int64_t r1, int64_t d, const float *restrict x,
                                                   const float *restrict gamma, const float *restrict stats,
                                                   const float *restrict dy, float *restrict dx,
                                                   float *restrict scratch) {
  float *restrict xhat = scratch, *restrict g = scratch + d;
  for (int64_t r = r0; r < r1; r++) {
    const float *xr = x + r * d, *dyr = dy + r * d;
    float mean = stats[2 * r], rstd = stats[2 * r + 1];
    for (int64_t j = 0; j < d; j++) {
      xhat[j] = (xr[j] - mean) * rstd;
      g[j] = dyr[j] * gamma[j];
    }
    float a = row_sum(g, d) / (float)d, b = row_dot(g, xhat, d) / (float)d;
    float *dxr = dx + r * d;
    for (int64_t j = 0; j < d; j++) dxr[j] = rstd * (g[j] - a - xhat[j] * b);
  }
}

/* dgamma = Σ_r dy·x̂ and dbeta = Σ_r dy over rows, for columns [c0, c1). */
VECTOR_CLONES static void layer_norm_param_grads(int64_t N, int64_t d, int64_t c0, int64_t c1,
                                                 const float *restrict x, const float *restrict stats,
                                                 const float *restrict dy, float *restrict dgamma,
                                                 float *restrict dbeta) {
  for (int64_t j = c0; j < c1; j++) dgamma[j] = dbeta[j] = 0.0f;
  for (int64_t r = 0; r < N; r++) {
    const float *xr = x + r * d, *dyr = dy + r * d;
    float mean = stats[2 * r], rstd = stats[2 * r + 1];
    for (int64_t j = c0; j < c1; j++) {
      dgamma[j] += dyr[j] * (xr[j] - mean) * rstd;
      dbeta[j] += dyr[j];
    }
  }
}

/*
 * Causal attention with ALiBi positions, one row of probabilities at a time: rows [r0, r1) of the
 * raw scores S [R, T] (R = B·H·T; row r is query i = r mod T of head h = (r / T) mod H). Over the
 * keys j a query may see, j in [max(0, i − window + 1), i], z_j = scale·s_j − slope_h·(i − j) and
 * p = softmax(z); every other key gets 0. z lives in `scratch` (T floats).
 */
VECTOR_CLONES static void attention_softmax_rows(int64_t r0, int64_t r1, int64_t T, int64_t H,
                                                 const float *restrict slopes, int64_t window, float scale,
                                                 const float *restrict S, float *restrict P,
                                                 float *restrict scratch) {
  for (int64_t r = r0; r < r1; r++) {
    const int64_t i = r % T, h = (r / T) % H;
    const int64_t lo = i - window + 1 > 0 ? i - window + 1 : 0, K = i - lo + 1;
    const float *s = S + r * T + lo;
    float *p = P + r * T;
    const float slope = slopes[h];
    for (int64_t k = 0; k < K; k++) scratch[k] = scale * s[k] - slope * (float)(K - 1 - k);
    float max;
    softmax_row(scratch, p + lo, K, &max);
    for (int64_t j = 0; j < lo; j++) p[j] = 0.0f;
    for (int64_t j = i + 1; j < T; j++) p[j] = 0.0f;
  }
}

/* Its gradient for the same rows: dS_j = scale·p_j·(dP_j − Σ_k dP_k·p_k) over the visible keys, 0 elsewhere. */
VECTOR_CLONES static void attention_softmax_backward_rows(int64_t r0, int64_t r1, int64_t T, int64_t window,
                                                          float scale, const float *restrict P,
                                                          const float *restrict dP, float *restrict dS) {
  for (int64_t r = r0; r < r1; r++) {
    const int64_t i = r % T;
    const int64_t lo = i - window + 1 > 0 ? i - window + 1 : 0, K = i - lo + 1;
    const float *p = P + r * T + lo, *dp = dP + r * T + lo;
    float *ds = dS + r * T;
    const float dot = row_dot(p, dp, K);
    for (int64_t k = 0; k < K; k++) ds[lo + k] = scale * p[k] * (dp[k] - dot);
    for (int64_t j = 0; j < lo; j++) ds[j] = 0.0f;
    for (int64_t j = i + 1; j < T; j++) ds[j] = 0.0f;
  }
}

#endif
