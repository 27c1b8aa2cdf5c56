/*
 * Howl's optional native training kernels: a Node-API addon (plain C, no C++ runtime).
 *
 * It links no BLAS at build time. When loaded it looks for OpenBLAS with dlopen (the system's
 * libopenblas.so.0, or only the library named by HOWL_BLAS) and, when found, offers:
 *
 *   sgemm          a row-major matrix product on Float32Arrays (any view, also one over a
 *                  WebAssembly memory: no copy), used for every matMul of the wasm backend;
 *   sgemmBatch     many products at once (attention's), split between threads;
 *   lstmForward    the whole-sequence LSTM (Keras layout, gate order i, f, c, o) with the state
 *   lstmBackward   kept for backpropagation through time, and its gradient;
 *   gruForward     the same for the GRU with reset_after (gate order z, r, h);
 *   gruBackward
 *   crossEntropy   the heads' softmax cross-entropy, SELU and column sums (bias gradients), with
 *   selu, …        exp computed without libm so the loops vectorise;
 *   layerNorm      the transformer's layer norm and its gradient.
 *   attentionSoftmax  the transformer's causal ALiBi attention probabilities and their gradient.
 *
 * The arithmetic below the products is in kernel-steps.h, which the WebAssembly build
 * (howl-wasm.c) shares.
 *
 * Layout: batch-major sequences, x [B·T, I] (row b·T + t), weights as Keras stores them:
 * W [I, G·H], U [H, G·H]. No transposes are formed: BLAS reads the strided rows of step t in place.
 *
 * Threads: the large products (input projections, weight gradients) use OpenBLAS's threads; the
 * step-by-step loops of the recurrent layers split the batch's rows between as many threads of
 * their own, each with single-threaded BLAS (`over_batch`).
 *
 * Every entry point checks the length of every array it is given against the sizes it is told,
 * and throws a TypeError instead of reading or writing past an end.
 *
 * When OpenBLAS is absent, `available` is false and `reason` says why; the JavaScript side then
 * uses the WebAssembly kernels (howl-wasm.c). Build: scripts/build-native.sh.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
static sgemm_fn blas_sgemm = NULL;
static void (*blas_set_threads)(int) = NULL;
static int (*blas_get_threads)(void) = NULL;
static char *(*blas_config)(void) = NULL;
static char load_reason[512] = "";

static void load_blas(void) {
  /* HOWL_BLAS names the one library to try (a path or a soname); else the usual sonames. */
  const char *chosen = getenv("HOWL_BLAS");
  const char *names[3] = {"libopenblas.so.0", "libopenblas.so", NULL};
  if (chosen != NULL && chosen[0] != '\0') {
    names[0] = chosen;
    names[1] = NULL;
  }
  for (int k = 0; names[k] != NULL; k++) {
    void *lib = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
      snprintf(load_reason, sizeof load_reason, "%s", dlerror());
      continue;
    }
    sgemm_fn gemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    void *config = dlsym(lib, "openblas_get_config");
    if (gemm == NULL || config == NULL) {
      snprintf(load_reason, sizeof load_reason, "%s is not OpenBLAS (no cblas_sgemm or openblas_get_config)",
               names[k]);
      dlclose(lib);
      continue;
    }
    blas_sgemm = gemm;
    blas_config = (char *(*)(void))config;
    blas_set_threads = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    blas_get_threads = (int (*)(void))dlsym(lib, "openblas_get_num_threads");
    load_reason[0] = '\0';
    return;
  }
}

/* C[M,N] = op(A)·op(B) + beta·C, row-major. */
static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc) {
  if (M == 0 || N == 0) return;
  blas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, M, N, K, 1.0f, A, lda, B, ldb,
             beta, C, ldc);
}

#include "kernel-steps.h"

/* ---- the batch split over threads --------------------------------------------------------- */

/*
 * The recurrent loops run step after step, each step a small product ([B, H]·[H, G]) that BLAS's
 * own threads share poorly. The rows of the batch are independent, so instead each thread takes a
 * slice of the rows through every step, with single-threaded BLAS inside: no synchronisation until
 * the end of the sequence.
 */
typedef void (*slice_fn)(const void *job, int64_t b0, int64_t b1);

#define MAX_SPLIT 16

typedef struct {
  slice_fn fn;
  const void *job;
  int64_t b0, b1;
} Part;

static void *run_part(void *arg) {
  const Part *part = arg;
  part->fn(part->job, part->b0, part->b1);
  return NULL;
}

/* fn over rows [0, B), in as many slices as BLAS has threads (at least 4 rows a slice). */
static void over_batch(slice_fn fn, const void *job, int64_t B) {
  int threads = blas_get_threads != NULL ? blas_get_threads() : 1;
  if (threads > MAX_SPLIT) threads = MAX_SPLIT;
  if (threads > B / 4) threads = (int)(B / 4);
  if (threads <= 1 || blas_set_threads == NULL) {
    fn(job, 0, B);
    return;
  }
  blas_set_threads(1);
  Part parts[MAX_SPLIT];
  pthread_t ids[MAX_SPLIT];
  int started[MAX_SPLIT] = {0};
  for (int k = 0; k < threads; k++) parts[k] = (Part){fn, job, B * k / threads, B * (k + 1) / threads};
  for (int k = 1; k < threads; k++) started[k] = pthread_create(&ids[k], NULL, run_part, &parts[k]) == 0;
  run_part(&parts[0]);
  for (int k = 1; k < threads; k++) {
    if (started[k]) pthread_join(ids[k], NULL);
    else run_part(&parts[k]); /* no thread to be had: this one does it */
  }
  blas_set_threads(threads);
}

/* ---- argument reading ---------------------------------------------------------------------- */

#define MAX_ARGS 24

typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  int failed;
} Args;

static void fail(Args *a, const char *message) {
  if (!a->failed) napi_throw_type_error(a->env, NULL, message);
  a->failed = 1;
}

static int read_args(napi_env env, napi_callback_info info, Args *a, size_t expected) {
  a->env = env;
  a->argc = MAX_ARGS;
  a->failed = 0;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) {
    fail(a, "howl-native: could not read the arguments");
    return 0;
  }
  if (a->argc < expected) {
    char message[96];
    snprintf(message, sizeof message, "howl-native: expected %zu arguments, got %zu", expected, a->argc);
    fail(a, message);
    return 0;
  }
  return 1;
}

static int64_t int_arg(Args *a, size_t k, const char *name) {
  int64_t value = 0;
  if (a->failed) return 0;
  if (napi_get_value_int64(a->env, a->argv[k], &value) != napi_ok || value < 0 || value > (1 << 30)) {
    char message[128];
    snprintf(message, sizeof message, "howl-native: %s must be an integer in [0, 2^30]", name);
    fail(a, message);
    return 0;
  }
  return value;
}

static double number_arg(Args *a, size_t k, const char *name) {
  double value = 0;
  if (a->failed) return 0;
  if (napi_get_value_double(a->env, a->argv[k], &value) != napi_ok) {
    char message[96];
    snprintf(message, sizeof message, "howl-native: %s must be a number", name);
    fail(a, message);
  }
  return value;
}

/* A Float32Array of at least `need` elements (need as int64 to avoid overflow). */
static float *array_arg(Args *a, size_t k, const char *name, int64_t need) {
  if (a->failed) return NULL;
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_is_typedarray(a->env, a->argv[k], &is_typed);
  if (is_typed)
    napi_get_typedarray_info(a->env, a->argv[k], &type, &length, &data, NULL, NULL);
  if (!is_typed || type != napi_float32_array) {
    char message[96];
    snprintf(message, sizeof message, "howl-native: %s must be a Float32Array", name);
    fail(a, message);
    return NULL;
  }
  if ((int64_t)length < need) {
    char message[160];
    snprintf(message, sizeof message, "howl-native: %s holds %zu floats, needs %lld", name, length,
             (long long)need);
    fail(a, message);
    return NULL;
  }
  return (float *)data;
}

/* An Int32Array of at least `need` elements. */
static int32_t *int_array_arg(Args *a, size_t k, const char *name, int64_t need) {
  if (a->failed) return NULL;
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_is_typedarray(a->env, a->argv[k], &is_typed);
  if (is_typed) napi_get_typedarray_info(a->env, a->argv[k], &type, &length, &data, NULL, NULL);
  if (!is_typed || type != napi_int32_array || (int64_t)length < need) {
    char message[128];
    snprintf(message, sizeof message, "howl-native: %s must be an Int32Array of at least %lld elements", name,
             (long long)need);
    fail(a, message);
    return NULL;
  }
  return (int32_t *)data;
}

static int need_blas(Args *a) {
  if (blas_sgemm != NULL) return 1;
  fail(a, "howl-native: OpenBLAS is not loaded");
  return 0;
}

/* ---- sgemm -------------------------------------------------------------------------------- */

/* sgemm(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc) */
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 12) || !need_blas(&a)) return NULL;
  bool ta = false, tb = false;
  napi_get_value_bool(env, a.argv[0], &ta);
  napi_get_value_bool(env, a.argv[1], &tb);
  int64_t M = int_arg(&a, 2, "M"), N = int_arg(&a, 3, "N"), K = int_arg(&a, 4, "K");
  int64_t lda = int_arg(&a, 6, "lda"), ldb = int_arg(&a, 8, "ldb"), ldc = int_arg(&a, 11, "ldc");
  /* op(A) is M×K: stored as M rows of lda (no transpose) or K rows of lda (transposed). */
  int64_t rowsA = ta ? K : M, colsA = ta ? M : K, rowsB = tb ? N : K, colsB = tb ? K : N;
  if (!a.failed && (lda < colsA || ldb < colsB || ldc < N)) fail(&a, "howl-native: a leading dimension is too small");
  float *A = array_arg(&a, 5, "A", rowsA == 0 ? 0 : (rowsA - 1) * lda + colsA);
  float *B = array_arg(&a, 7, "B", rowsB == 0 ? 0 : (rowsB - 1) * ldb + colsB);
  double beta = number_arg(&a, 9, "beta");
  float *C = array_arg(&a, 10, "C", M == 0 ? 0 : (M - 1) * ldc + N);
  if (a.failed) return NULL;
  if (K == 0) {
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) C[i * ldc + j] *= (float)beta;
    return NULL;
  }
  gemm(ta, tb, (int)M, (int)N, (int)K, A, (int)lda, B, (int)ldb, (float)beta, C, (int)ldc);
  return NULL;
}

/* `count` products, each thread a slice of them on single-threaded BLAS (`over_batch`): many small
 * products (attention's, one per head and sequence) share BLAS's own threads poorly. */
typedef struct {
  int ta, tb, M, N, K, lda, ldb, ldc;
  int64_t strideA, strideB, strideC;
  const float *A, *B;
  float beta;
  float *C;
} BatchJob;

static void gemm_batch_slice(const void *arg, int64_t i0, int64_t i1) {
  const BatchJob *j = arg;
  for (int64_t i = i0; i < i1; i++)
    gemm(j->ta, j->tb, j->M, j->N, j->K, j->A + i * j->strideA, j->lda, j->B + i * j->strideB, j->ldb, j->beta,
         j->C + i * j->strideC, j->ldc);
}

/* sgemmBatch(count, transA, transB, M, N, K, A, strideA, lda, B, strideB, ldb, beta, C, strideC, ldc) */
static napi_value js_sgemm_batch(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 16) || !need_blas(&a)) return NULL;
  bool ta = false, tb = false;
  napi_get_value_bool(env, a.argv[1], &ta);
  napi_get_value_bool(env, a.argv[2], &tb);
  int64_t count = int_arg(&a, 0, "count"), M = int_arg(&a, 3, "M"), N = int_arg(&a, 4, "N"), K = int_arg(&a, 5, "K");
  int64_t sA = int_arg(&a, 7, "strideA"), lda = int_arg(&a, 8, "lda"), sB = int_arg(&a, 10, "strideB");
  int64_t ldb = int_arg(&a, 11, "ldb"), sC = int_arg(&a, 14, "strideC"), ldc = int_arg(&a, 15, "ldc");
  int64_t rowsA = ta ? K : M, colsA = ta ? M : K, rowsB = tb ? N : K, colsB = tb ? K : N;
  if (!a.failed && (lda < colsA || ldb < colsB || ldc < N)) fail(&a, "howl-native: a leading dimension is too small");
  int64_t spanA = count == 0 || rowsA == 0 ? 0 : (count - 1) * sA + (rowsA - 1) * lda + colsA;
  int64_t spanB = count == 0 || rowsB == 0 ? 0 : (count - 1) * sB + (rowsB - 1) * ldb + colsB;
  int64_t spanC = count == 0 || M == 0 ? 0 : (count - 1) * sC + (M - 1) * ldc + N;
  float *A = array_arg(&a, 6, "A", spanA), *B = array_arg(&a, 9, "B", spanB);
  double beta = number_arg(&a, 12, "beta");
  float *C = array_arg(&a, 13, "C", spanC);
  if (a.failed || count == 0 || M == 0 || N == 0) return NULL;
  if (K == 0) {
    for (int64_t i = 0; i < count; i++)
      for (int64_t r = 0; r < M; r++)
        for (int64_t c = 0; c < N; c++) C[i * sC + r * ldc + c] *= (float)beta;
    return NULL;
  }
  BatchJob job = {ta, tb, (int)M, (int)N, (int)K, (int)lda, (int)ldb, (int)ldc, sA, sB, sC, A, B, (float)beta, C};
  if (count == 1) gemm_batch_slice(&job, 0, 1); /* one product: BLAS's own threads */
  else over_batch(gemm_batch_slice, &job, count);
  return NULL;
}

/*
 * The weight gradients a recurrent layer's backward pass ends with, as large products over the
 * whole batch: dW = xᵀ·dX, dU = h_prevᵀ·dH (h_prev: each row's previous hidden state, h0 at t = 0),
 * dbIn = Σ dX and, when dbRec is given, dbRec = Σ dH. dX and dH are [B·T, G] (the same array for
 * the LSTM). Returns 0 when out of memory.
 */
static int weight_gradients(int64_t B, int64_t T, int64_t I, int64_t H, int64_t G, const float *x,
                            const float *h0, const float *out, const float *dX, const float *dH, float *dW,
                            float *dU, float *dbIn, float *dbRec) {
  int64_t R = B * T;
  float *hPrev = malloc(sizeof(float) * (size_t)(R * H));
  if (hPrev == NULL) return 0;
  for (int64_t b = 0; b < B; b++) {
    memcpy(hPrev + b * T * H, h0 + b * H, sizeof(float) * (size_t)H);
    if (T > 1) memcpy(hPrev + (b * T + 1) * H, out + b * T * H, sizeof(float) * (size_t)((T - 1) * H));
  }
  gemm(1, 0, (int)I, (int)G, (int)R, x, (int)I, dX, (int)G, 0.0f, dW, (int)G);
  gemm(1, 0, (int)H, (int)G, (int)R, hPrev, (int)H, dH, (int)G, 0.0f, dU, (int)G);
  column_sums(R, G, dX, dbIn);
  if (dbRec != NULL) column_sums(R, G, dH, dbRec);
  free(hPrev);
  return 1;
}

/* ---- LSTM --------------------------------------------------------------------------------- */

/*
 * lstmForward(B, T, I, H, x, W, U, b, h0, c0, out, acts, cs)
 *   x [B·T, I], W [I, 4H], U [H, 4H], b [4H], h0 c0 [B, H]
 *   out [B·T, H]: h after every step; acts [B·T, 4H]: the gates i, f, g, o after activation;
 *   cs [B·T, H]: the cell state after every step.
 */
static napi_value js_lstm_forward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 13) || !need_blas(&a)) return NULL;
  int64_t B = int_arg(&a, 0, "B"), T = int_arg(&a, 1, "T"), I = int_arg(&a, 2, "I"), H = int_arg(&a, 3, "H");
  int64_t G = 4 * H, R = B * T;
  float *x = array_arg(&a, 4, "x", R * I), *W = array_arg(&a, 5, "W", I * G);
  float *U = array_arg(&a, 6, "U", H * G), *bias = array_arg(&a, 7, "b", G);
  float *h0 = array_arg(&a, 8, "h0", B * H), *c0 = array_arg(&a, 9, "c0", B * H);
  float *out = array_arg(&a, 10, "out", R * H), *acts = array_arg(&a, 11, "acts", R * G);
  float *cs = array_arg(&a, 12, "cs", R * H);
  if (a.failed || R == 0 || H == 0) return NULL;
  float *z = malloc(sizeof(float) * (size_t)(B * G));
  if (z == NULL) {
    fail(&a, "howl-native: out of memory");
    return NULL;
  }
  gemm(0, 0, (int)R, (int)G, (int)I, x, (int)I, W, (int)G, 0.0f, acts, (int)G);
  LstmJob job = {T, H, U, bias, h0, c0, out, acts, cs, z, NULL, NULL, NULL};
  over_batch(lstm_forward_rows, &job, B);
  free(z);
  return NULL;
}

/*
 * lstmBackward(B, T, I, H, x, U, h0, c0, out, acts, cs, dOut, dcT, dZ, dW, dU, db, dh0, dc0)
 *   dOut [B·T, H]: the loss's gradient w.r.t. every h (the last step's includes h_T's);
 *   dcT [B, H]: w.r.t. the final cell state. Writes dZ [B·T, 4H] (w.r.t. the gates'
 *   pre-activations; dx = dZ·Wᵀ is left to the caller, who may not need it), dW, dU, db, dh0, dc0.
 */
static napi_value js_lstm_backward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 19) || !need_blas(&a)) return NULL;
  int64_t B = int_arg(&a, 0, "B"), T = int_arg(&a, 1, "T"), I = int_arg(&a, 2, "I"), H = int_arg(&a, 3, "H");
  int64_t G = 4 * H, R = B * T;
  float *x = array_arg(&a, 4, "x", R * I), *U = array_arg(&a, 5, "U", H * G);
  float *h0 = array_arg(&a, 6, "h0", B * H), *c0 = array_arg(&a, 7, "c0", B * H);
  float *out = array_arg(&a, 8, "out", R * H), *acts = array_arg(&a, 9, "acts", R * G);
  float *cs = array_arg(&a, 10, "cs", R * H), *dOut = array_arg(&a, 11, "dOut", R * H);
  float *dcT = array_arg(&a, 12, "dcT", B * H), *dZ = array_arg(&a, 13, "dZ", R * G);
  float *dW = array_arg(&a, 14, "dW", I * G), *dU = array_arg(&a, 15, "dU", H * G);
  float *db = array_arg(&a, 16, "db", G), *dh0 = array_arg(&a, 17, "dh0", B * H);
  float *dc0 = array_arg(&a, 18, "dc0", B * H);
  if (a.failed || R == 0 || H == 0) return NULL;
  float *dhNext = calloc((size_t)(B * H), sizeof(float));
  if (dhNext == NULL) {
    fail(&a, "howl-native: out of memory");
    return NULL;
  }
  memcpy(dc0, dcT, sizeof(float) * (size_t)(B * H)); /* dc0 carries dc backwards through time */
  LstmJob job = {T, H, U, NULL, h0, c0, out, acts, cs, dZ, dOut, dhNext, dc0};
  over_batch(lstm_backward_rows, &job, B);
  memcpy(dh0, dhNext, sizeof(float) * (size_t)(B * H));
  free(dhNext);
  if (!weight_gradients(B, T, I, H, G, x, h0, out, dZ, dZ, dW, dU, db, NULL)) fail(&a, "howl-native: out of memory");
  return NULL;
}

/* ---- GRU (reset_after) -------------------------------------------------------------------- */

/*
 * gruForward(B, T, I, H, x, W, U, b, h0, out, gates, hpn)
 *   b [2, 3H]: row 0 the input bias, row 1 the recurrent bias.
 *   gates [B·T, 3H]: z, r, n after activation; hpn [B·T, H]: the recurrent part of n (h·U_h + b_rh).
 */
static napi_value js_gru_forward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 12) || !need_blas(&a)) return NULL;
  int64_t B = int_arg(&a, 0, "B"), T = int_arg(&a, 1, "T"), I = int_arg(&a, 2, "I"), H = int_arg(&a, 3, "H");
  int64_t G = 3 * H, R = B * T;
  float *x = array_arg(&a, 4, "x", R * I), *W = array_arg(&a, 5, "W", I * G);
  float *U = array_arg(&a, 6, "U", H * G), *bias = array_arg(&a, 7, "b", 2 * G);
  float *h0 = array_arg(&a, 8, "h0", B * H), *out = array_arg(&a, 9, "out", R * H);
  float *gates = array_arg(&a, 10, "gates", R * G), *hpn = array_arg(&a, 11, "hpn", R * H);
  if (a.failed || R == 0 || H == 0) return NULL;
  float *hp = malloc(sizeof(float) * (size_t)(B * G));
  if (hp == NULL) {
    fail(&a, "howl-native: out of memory");
    return NULL;
  }
  const float *bIn = bias, *bRec = bias + G;
  gemm(0, 0, (int)R, (int)G, (int)I, x, (int)I, W, (int)G, 0.0f, gates, (int)G);
  GruJob job = {T, H, U, bIn, bRec, h0, out, gates, hpn, hp, NULL, NULL, NULL, NULL};
  over_batch(gru_forward_rows, &job, B);
  free(hp);
  return NULL;
}

/*
 * gruBackward(B, T, I, H, x, U, h0, out, gates, hpn, dOut, dXP, dW, dU, db, dh0)
 *   Writes dXP [B·T, 3H] (w.r.t. x·W + b_in; dx = dXP·Wᵀ is left to the caller), dW, dU,
 *   db [2, 3H] and dh0.
 */
static napi_value js_gru_backward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 16) || !need_blas(&a)) return NULL;
  int64_t B = int_arg(&a, 0, "B"), T = int_arg(&a, 1, "T"), I = int_arg(&a, 2, "I"), H = int_arg(&a, 3, "H");
  int64_t G = 3 * H, R = B * T;
  float *x = array_arg(&a, 4, "x", R * I), *U = array_arg(&a, 5, "U", H * G);
  float *h0 = array_arg(&a, 6, "h0", B * H), *out = array_arg(&a, 7, "out", R * H);
  float *gates = array_arg(&a, 8, "gates", R * G), *hpn = array_arg(&a, 9, "hpn", R * H);
  float *dOut = array_arg(&a, 10, "dOut", R * H), *dXP = array_arg(&a, 11, "dXP", R * G);
  float *dW = array_arg(&a, 12, "dW", I * G), *dU = array_arg(&a, 13, "dU", H * G);
  float *db = array_arg(&a, 14, "db", 2 * G), *dh0 = array_arg(&a, 15, "dh0", B * H);
  if (a.failed || R == 0 || H == 0) return NULL;
  float *dHP = malloc(sizeof(float) * (size_t)(R * G));
  float *dhNext = calloc((size_t)(B * H), sizeof(float));
  if (dHP == NULL || dhNext == NULL) {
    free(dHP);
    free(dhNext);
    fail(&a, "howl-native: out of memory");
    return NULL;
  }
  GruJob job = {T, H, U, NULL, NULL, h0, out, gates, hpn, NULL, dOut, dhNext, dXP, dHP};
  over_batch(gru_backward_rows, &job, B);
  memcpy(dh0, dhNext, sizeof(float) * (size_t)(B * H));
  free(dhNext);
  int ok = weight_gradients(B, T, I, H, G, x, h0, out, dXP, dHP, dW, dU, db, db + G);
  free(dHP);
  if (!ok) fail(&a, "howl-native: out of memory");
  return NULL;
}

/* ---- heads: cross-entropy, SELU, column sums ----------------------------------------------- */

/*
 * crossEntropy(N, K, logits, targets, mask, probs) → Σ_i mask_i · (logsumexp(z_i) − z_i[target_i])
 *   targets as floats (class indices, exact below 2^24); probs [N, K] receives each row's softmax
 *   (rows with mask 0 too), which the gradient reuses. A target outside [0, K) throws.
 */
static napi_value js_cross_entropy(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 6)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), K = int_arg(&a, 1, "K");
  float *z = array_arg(&a, 2, "logits", N * K), *targets = array_arg(&a, 3, "targets", N);
  float *mask = array_arg(&a, 4, "mask", N), *probs = array_arg(&a, 5, "probs", N * K);
  if (a.failed) return NULL;
  double total = 0.0;
  for (int64_t i = 0; i < N; i++) {
    float m = 0.0f, sum = K > 0 ? softmax_row(z + i * K, probs + i * K, K, &m) : 1.0f;
    float lse = m + logf(sum); /* log Σ exp z */
    int64_t t = (int64_t)targets[i];
    if (mask[i] == 0.0f) continue;
    if (t < 0 || t >= K || (float)t != targets[i]) {
      fail(&a, "howl-native: a cross-entropy target is not a class index in [0, K)");
      return NULL;
    }
    total += (double)mask[i] * (double)(lse - z[i * K + t]);
  }
  napi_value result;
  napi_create_double(env, total, &result);
  return result;
}

/* crossEntropyBackward(N, K, probs, targets, mask, coef, dlogits): coef · mask_i · (p_i − onehot). */
static napi_value js_cross_entropy_backward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 7)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), K = int_arg(&a, 1, "K");
  float *probs = array_arg(&a, 2, "probs", N * K), *targets = array_arg(&a, 3, "targets", N);
  float *mask = array_arg(&a, 4, "mask", N);
  float coef = (float)number_arg(&a, 5, "coef");
  float *d = array_arg(&a, 6, "dlogits", N * K);
  if (a.failed) return NULL;
  for (int64_t i = 0; i < N; i++) {
    float w = coef * mask[i];
    const float *p = probs + i * K;
    float *di = d + i * K;
    for (int64_t j = 0; j < K; j++) di[j] = w * p[j];
    int64_t t = (int64_t)targets[i];
    if (w != 0.0f && t >= 0 && t < K) di[t] -= w;
  }
  return NULL;
}

/* selu(n, x, y) */
static napi_value js_selu(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 3)) return NULL;
  int64_t n = int_arg(&a, 0, "n");
  float *x = array_arg(&a, 1, "x", n), *y = array_arg(&a, 2, "y", n);
  if (a.failed) return NULL;
  selu_loop(x, y, n);
  return NULL;
}

/* seluBackward(n, y, dy, dx) */
static napi_value js_selu_backward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 4)) return NULL;
  int64_t n = int_arg(&a, 0, "n");
  float *y = array_arg(&a, 1, "y", n), *dy = array_arg(&a, 2, "dy", n), *dx = array_arg(&a, 3, "dx", n);
  if (a.failed) return NULL;
  selu_backward_loop(y, dy, dx, n);
  return NULL;
}


/* columnSums(N, K, x, out): out[j] = Σ_i x[i, j]. */
static napi_value js_column_sums(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 4)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), K = int_arg(&a, 1, "K");
  float *x = array_arg(&a, 2, "x", N * K), *out = array_arg(&a, 3, "out", K);
  if (a.failed) return NULL;
  column_sums(N, K, x, out);
  return NULL;
}

/* ---- row lookups and elementwise ---------------------------------------------------------- */

/* gatherRows(N, K, E, W, rows, b, out): out[i] = W[rows[i]] + b, W [K, E]; a row outside [0, K) throws. */
static napi_value js_gather_rows(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 7)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), K = int_arg(&a, 1, "K"), E = int_arg(&a, 2, "E");
  float *W = array_arg(&a, 3, "W", K * E);
  int32_t *rows = int_array_arg(&a, 4, "rows", N);
  float *b = array_arg(&a, 5, "b", E), *out = array_arg(&a, 6, "out", N * E);
  if (a.failed) return NULL;
  for (int64_t i = 0; i < N; i++) {
    if (rows[i] < 0 || rows[i] >= K) {
      fail(&a, "howl-native: a row index is outside [0, K)");
      return NULL;
    }
    const float *w = W + (int64_t)rows[i] * E;
    float *o = out + i * E;
    for (int64_t j = 0; j < E; j++) o[j] = w[j] + b[j];
  }
  return NULL;
}

/* scatterAddRows(N, K, E, dY, rows, dW): dW = 0, then dW[rows[i]] += dY[i]. */
static napi_value js_scatter_add_rows(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 6)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), K = int_arg(&a, 1, "K"), E = int_arg(&a, 2, "E");
  float *dY = array_arg(&a, 3, "dY", N * E);
  int32_t *rows = int_array_arg(&a, 4, "rows", N);
  float *dW = array_arg(&a, 5, "dW", K * E);
  if (a.failed) return NULL;
  memset(dW, 0, sizeof(float) * (size_t)(K * E));
  for (int64_t i = 0; i < N; i++) {
    if (rows[i] < 0 || rows[i] >= K) continue; /* refused by gatherRows already */
    add_row(dW + (int64_t)rows[i] * E, dY + i * E, E);
  }
  return NULL;
}

/* affine(n, x, s, t, y): y = s·x + t. */
static napi_value js_affine(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 5)) return NULL;
  int64_t n = int_arg(&a, 0, "n");
  float *x = array_arg(&a, 1, "x", n);
  float s = (float)number_arg(&a, 2, "s"), t = (float)number_arg(&a, 3, "t");
  float *y = array_arg(&a, 4, "y", n);
  if (a.failed) return NULL;
  affine_loop(x, s, t, y, n);
  return NULL;
}

/* ---- the transformer's layer norm ------------------------------------------------------ */

#define MAX_NORM_UNITS 65536

typedef struct {
  int64_t d;
  const float *x, *gamma, *beta, *dy;
  float eps;
  float *y, *stats, *dx;
} RowJob;

static void norm_forward_slice(const void *arg, int64_t r0, int64_t r1) {
  const RowJob *j = arg;
  layer_norm_rows(r0, r1, j->d, j->x, j->gamma, j->beta, j->eps, j->y, j->stats);
}

static void norm_backward_slice(const void *arg, int64_t r0, int64_t r1) {
  const RowJob *j = arg;
  float scratch[2 * j->d]; /* d ≤ MAX_NORM_UNITS: at most 512 KB of stack */
  layer_norm_backward_rows(r0, r1, j->d, j->x, j->gamma, j->stats, j->dy, j->dx, scratch);
}

/* layerNorm(N, d, x, gamma, beta, eps, y, stats): stats [N, 2] = each row's mean and 1/std. */
static napi_value js_layer_norm(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 8)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), d = int_arg(&a, 1, "d");
  if (!a.failed && (d < 1 || d > MAX_NORM_UNITS)) fail(&a, "howl-native: d must be in [1, 65536]");
  float *x = array_arg(&a, 2, "x", N * d), *gamma = array_arg(&a, 3, "gamma", d), *beta = array_arg(&a, 4, "beta", d);
  float eps = (float)number_arg(&a, 5, "eps");
  float *y = array_arg(&a, 6, "y", N * d), *stats = array_arg(&a, 7, "stats", 2 * N);
  if (a.failed) return NULL;
  RowJob job = {.d = d, .x = x, .gamma = gamma, .beta = beta, .eps = eps, .y = y, .stats = stats};
  over_batch(norm_forward_slice, &job, N);
  return NULL;
}

/* layerNormBackward(N, d, x, gamma, stats, dy, dx, dgamma, dbeta) */
static napi_value js_layer_norm_backward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 9)) return NULL;
  int64_t N = int_arg(&a, 0, "N"), d = int_arg(&a, 1, "d");
  if (!a.failed && (d < 1 || d > MAX_NORM_UNITS)) fail(&a, "howl-native: d must be in [1, 65536]");
  float *x = array_arg(&a, 2, "x", N * d), *gamma = array_arg(&a, 3, "gamma", d);
  float *stats = array_arg(&a, 4, "stats", 2 * N), *dy = array_arg(&a, 5, "dy", N * d);
  float *dx = array_arg(&a, 6, "dx", N * d), *dgamma = array_arg(&a, 7, "dgamma", d);
  float *dbeta = array_arg(&a, 8, "dbeta", d);
  if (a.failed) return NULL;
  RowJob job = {.d = d, .x = x, .gamma = gamma, .stats = stats, .dy = dy, .dx = dx};
  over_batch(norm_backward_slice, &job, N);
  layer_norm_param_grads(N, d, 0, d, x, stats, dy, dgamma, dbeta);
  return NULL;
}

/* ---- the transformer's attention softmax ------------------------------------------------ */

#define MAX_ATTENTION_KEYS 65536
#define MAX_ATTENTION_HEADS 256

typedef struct {
  int64_t T, H, window;
  float scale;
  const float *slopes, *S, *P, *dP;
  float *out;
} AttentionJob;

static void attention_forward_slice(const void *arg, int64_t r0, int64_t r1) {
  const AttentionJob *j = arg;
  float scratch[j->T]; /* T ≤ MAX_ATTENTION_KEYS: at most 256 KB of stack */
  attention_softmax_rows(r0, r1, j->T, j->H, j->slopes, j->window, j->scale, j->S, j->out, scratch);
}

static void attention_backward_slice(const void *arg, int64_t r0, int64_t r1) {
  const AttentionJob *j = arg;
  attention_softmax_backward_rows(r0, r1, j->T, j->window, j->scale, j->P, j->dP, j->out);
}

/* Checks the shape arguments shared by both directions: R rows of T keys, R a multiple of H·T. */
static void attention_shape(Args *a, int64_t R, int64_t T, int64_t H, int64_t window) {
  if (a->failed) return;
  if (T < 1 || T > MAX_ATTENTION_KEYS) fail(a, "howl-native: T must be in [1, 65536]");
  else if (H < 1 || H > MAX_ATTENTION_HEADS) fail(a, "howl-native: H must be in [1, 256]");
  else if (window < 1) fail(a, "howl-native: window must be at least 1");
  else if (R % (H * T) != 0) fail(a, "howl-native: R must be a multiple of H·T");
}

/* attentionSoftmax(R, T, H, slopes, window, scale, S, P) */
static napi_value js_attention_softmax(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 8)) return NULL;
  int64_t R = int_arg(&a, 0, "R"), T = int_arg(&a, 1, "T"), H = int_arg(&a, 2, "H");
  float *slopes = array_arg(&a, 3, "slopes", H);
  int64_t window = int_arg(&a, 4, "window");
  float scale = (float)number_arg(&a, 5, "scale");
  attention_shape(&a, R, T, H, window);
  float *S = array_arg(&a, 6, "S", R * T), *P = array_arg(&a, 7, "P", R * T);
  if (a.failed) return NULL;
  AttentionJob job = {.T = T, .H = H, .window = window, .scale = scale, .slopes = slopes, .S = S, .out = P};
  over_batch(attention_forward_slice, &job, R);
  return NULL;
}

/* attentionSoftmaxBackward(R, T, window, scale, P, dP, dS) */
static napi_value js_attention_softmax_backward(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 7)) return NULL;
  int64_t R = int_arg(&a, 0, "R"), T = int_arg(&a, 1, "T");
  int64_t window = int_arg(&a, 2, "window");
  float scale = (float)number_arg(&a, 3, "scale");
  attention_shape(&a, R, T, 1, window);
  float *P = array_arg(&a, 4, "P", R * T), *dP = array_arg(&a, 5, "dP", R * T), *dS = array_arg(&a, 6, "dS", R * T);
  if (a.failed) return NULL;
  AttentionJob job = {.T = T, .window = window, .scale = scale, .P = P, .dP = dP, .out = dS};
  over_batch(attention_backward_slice, &job, R);
  return NULL;
}

/* ---- threads and module ------------------------------------------------------------------- */

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, &a, 1)) return NULL;
  int64_t n = int_arg(&a, 0, "threads");
  if (a.failed) return NULL;
  if (blas_set_threads != NULL && n >= 1) blas_set_threads((int)n);
  return NULL;
}

static napi_value js_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, blas_get_threads != NULL ? blas_get_threads() : 1, &result);
  return result;
}

static void set_string(napi_env env, napi_value object, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, object, key, v);
}

static void set_function(napi_env env, napi_value object, const char *key, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, key, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, object, key, fn);
}

static napi_value init(napi_env env, napi_value exports) {
  load_blas();
  napi_value available;
  napi_get_boolean(env, blas_sgemm != NULL, &available);
  napi_set_named_property(env, exports, "available", available);
  set_string(env, exports, "reason", blas_sgemm != NULL ? "" : (load_reason[0] ? load_reason : "OpenBLAS not found"));
  set_string(env, exports, "blas", blas_config != NULL ? blas_config() : "");
  set_string(env, exports, "abi", "howl-native 1");
  set_function(env, exports, "sgemm", js_sgemm);
  set_function(env, exports, "sgemmBatch", js_sgemm_batch);
  set_function(env, exports, "lstmForward", js_lstm_forward);
  set_function(env, exports, "lstmBackward", js_lstm_backward);
  set_function(env, exports, "gruForward", js_gru_forward);
  set_function(env, exports, "gruBackward", js_gru_backward);
  set_function(env, exports, "crossEntropy", js_cross_entropy);
  set_function(env, exports, "crossEntropyBackward", js_cross_entropy_backward);
  set_function(env, exports, "selu", js_selu);
  set_function(env, exports, "seluBackward", js_selu_backward);
  set_function(env, exports, "columnSums", js_column_sums);
  set_function(env, exports, "gatherRows", js_gather_rows);
  set_function(env, exports, "scatterAddRows", js_scatter_add_rows);
  set_function(env, exports, "affine", js_affine);
  set_function(env, exports, "layerNorm", js_layer_norm);
  set_function(env, exports, "layerNormBackward", js_layer_norm_backward);
  set_function(env, exports, "attentionSoftmax", js_attention_softmax);
  set_function(env, exports, "attentionSoftmaxBackward", js_attention_softmax_backward);
  set_function(env, exports, "setThreads", js_set_threads);
  set_function(env, exports, "threads", js_threads);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
