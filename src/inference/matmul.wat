;; Howl's inference kernel: out = bias + x · Wᵀ for a small batch, with 128-bit SIMD.
;;
;; Assemble with `node scripts/build-wasm.mjs` (wabt), which writes matmul-wasm.ts.
;;
;; All pointers are byte addresses into the imported memory, 16-byte aligned.
;;   w     [rows, n] row-major: row j holds output j's weights (the transpose of Keras's kernel)
;;   x     [batch, n] row-major inputs
;;   bias  [rows]
;;   out   [batch, outStride]: out[b·outStride + j] = bias[j] + Σ_k w[j·n + k] · x[b·n + k]
;; n must be a multiple of 8 (callers pad rows and inputs with zeros).
(module
  (import "env" "memory" (memory 1))
  (func (export "matmul")
    (param $w i32) (param $rows i32) (param $n i32) (param $x i32) (param $batch i32)
    (param $bias i32) (param $out i32) (param $outStride i32)
    (local $j i32) (local $b i32) (local $k i32) (local $nb i32) (local $xb i32)
    (local $wj i32) (local $biasj f32) (local $acc0 v128) (local $acc1 v128)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $wj (local.get $w))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $j) (local.get $rows)))
        (local.set $biasj (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $b (i32.const 0))
        (local.set $xb (local.get $x))
        (block $batchDone
          (loop $example
            (br_if $batchDone (i32.ge_u (local.get $b) (local.get $batch)))
            (local.set $acc0 (v128.const f32x4 0 0 0 0))
            (local.set $acc1 (v128.const f32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $dotDone
              (loop $dot
                (br_if $dotDone (i32.ge_u (local.get $k) (local.get $nb)))
                (local.set $acc0 (f32x4.add (local.get $acc0)
                  (f32x4.mul (v128.load (i32.add (local.get $wj) (local.get $k)))
                             (v128.load (i32.add (local.get $xb) (local.get $k))))))
                (local.set $acc1 (f32x4.add (local.get $acc1)
                  (f32x4.mul (v128.load offset=16 (i32.add (local.get $wj) (local.get $k)))
                             (v128.load offset=16 (i32.add (local.get $xb) (local.get $k))))))
                (local.set $k (i32.add (local.get $k) (i32.const 32)))
                (br $dot)))
            (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $b) (local.get $outStride)) (local.get $j)) (i32.const 2)))
              (f32.add (local.get $biasj)
                (f32.add
                  (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
                  (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))))
            (local.set $xb (i32.add (local.get $xb) (local.get $nb)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $example)))
        (local.set $wj (i32.add (local.get $wj) (local.get $nb)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $row))))
)
