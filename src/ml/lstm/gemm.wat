;; MOrA's WASM SIMD kernels over the LSTM arena (row-major f32, pointers in bytes):
;;   gemm_s   C[M×N] (+)= A · B[K×N], A addressed with byte strides (row i at i·sAi, k at k·sAk), so A or Aᵀ without a copy;
;;   gemm     the same with A row-major [M × lda] (sAi = 4·lda, sAk = 4);
;;   gates_fwd / gates_bwd   one LSTM step's gate activations and cell update, and their backward with the bias
;;            gradients (column sums of dz, accumulated), four units at a time;
;;   dropout  inverted dropout with counter-based draws.
;; N must be a multiple of 8 (gemm) and H a multiple of 4 (gates). The products walk C in column panels of 16 (then 8),
;; and down each panel two rows at a time: a 2×16 block of C lives in eight v128 registers while k runs (see gemm_s);
;; a panel whose rows would collide in L1 is first copied into a contiguous scratch panel (set_pack).
;; exp is Cephes' expf (range reduction + degree-6 polynomial, ~1 ulp); sigmoid and tanh are built on it (tanh by its
;; odd polynomial below 0.625), so activations agree with Math.exp/Math.tanh to ~1e-7.
;; Both are written out inline in gates_fwd (see there).
;; Compiled to src/ml/lstm/gemm-wasm.generated.ts by scripts/gen-gemm-wasm.mjs.
(module
  (import "env" "memory" (memory 1))

  ;; Byte address of the scratch panel gemm_s copies B's 16-column panels into (up to 128 rows × 64 bytes = 8 KiB, kept by
  ;; arena.ts past the end of the net's floats); 0 = never copy.
  (global $pack (mut i32) (i32.const 0))
  (func (export "set_pack") (param $p i32) (global.set $pack (local.get $p)))

  ;; C[M×N] (+)= A·B, one column panel of B at a time (16 columns, 64 bytes; 8 for what is left of N), all rows of C down
  ;; that panel before the next, so the panel (K·64 bytes) stays in L1 while every row of A passes over it. Per k, two rows
  ;; of A (two splat loads) each meet four vectors of B: 8 multiply-adds on 6 loads, with the 8 accumulators, the 4 B vectors
  ;; and the splat in 13 of the 15 xmm registers V8 allocates. Taller blocks (4 rows × 8 columns, as before) need 4 splats per
  ;; 16 multiply-adds and made V8 spill or re-derive the row pointers; 2×16 measured 7–13% faster per product on the LSTM's
  ;; shapes (docs/BENCHMARKS.md). Each C value still sums its k terms in order, then adds the old C: the same floats as before.
  (func $gemm_s (export "gemm_s")
    (param $M i32) (param $N i32) (param $K i32) (param $sAi i32) (param $sAk i32)
    (param $A i32) (param $B i32) (param $C i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $k i32) (local $rowN i32) (local $bp i32) (local $q i32) (local $pa0 i32) (local $pa1 i32)
    (local $c0_0 v128) (local $c0_1 v128) (local $c0_2 v128) (local $c0_3 v128) (local $c1_0 v128) (local $c1_1 v128) (local $c1_2 v128) (local $c1_3 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $x v128) (local $bb i32) (local $bs i32)
    (local.set $rowN (i32.shl (local.get $N) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $jdP
      (loop $jlP
        (br_if $jdP (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $rowN)))
        (local.set $i (i32.const 0))
        ;; Copy this panel of B (K rows × 64 bytes, rows rowN apart) into the contiguous scratch panel first when its rows
        ;; would fight over L1 sets: 32 KiB 8-way L1 holds only 32768/rowN rows at a power-of-two stride of rowN bytes
        ;; (32 rows at N = 256), so with K·rowN ≥ 32 KiB every row pair re-read the panel from L2. Packed, it stays in L1
        ;; for the M/2 row pairs that read it; the copy costs about one row pair's loads. Same values, same order: same floats.
        (local.set $bb (i32.add (local.get $B) (local.get $j)))
        (local.set $bs (local.get $rowN))
        (if (i32.and (i32.ne (global.get $pack) (i32.const 0)) (i32.and (i32.ge_u (local.get $M) (i32.const 4))
              (i32.and (i32.le_u (local.get $K) (i32.const 128)) (i32.ge_u (i32.mul (local.get $K) (local.get $rowN)) (i32.const 32768)))))
          (then
            (local.set $bp (local.get $bb))
            (local.set $q (global.get $pack))
            (local.set $k (local.get $K))
            (block $pkd
              (loop $pkl
                (br_if $pkd (i32.eqz (local.get $k)))
                (v128.store (local.get $q) (v128.load (local.get $bp)))
                (v128.store offset=16 (local.get $q) (v128.load offset=16 (local.get $bp)))
                (v128.store offset=32 (local.get $q) (v128.load offset=32 (local.get $bp)))
                (v128.store offset=48 (local.get $q) (v128.load offset=48 (local.get $bp)))
                (local.set $bp (i32.add (local.get $bp) (local.get $rowN)))
                (local.set $q (i32.add (local.get $q) (i32.const 64)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $pkl)))
            (local.set $bb (global.get $pack))
            (local.set $bs (i32.const 64))))
        (block $idPa
          (loop $ilPa
            (br_if $idPa (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M)))
            (local.set $pa0 (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $sAi))))
            (local.set $pa1 (i32.add (local.get $pa0) (local.get $sAi)))
            (local.set $c0_0 (v128.const i32x4 0 0 0 0)) (local.set $c0_1 (v128.const i32x4 0 0 0 0)) (local.set $c0_2 (v128.const i32x4 0 0 0 0)) (local.set $c0_3 (v128.const i32x4 0 0 0 0))
            (local.set $c1_0 (v128.const i32x4 0 0 0 0)) (local.set $c1_1 (v128.const i32x4 0 0 0 0)) (local.set $c1_2 (v128.const i32x4 0 0 0 0)) (local.set $c1_3 (v128.const i32x4 0 0 0 0))
            (local.set $bp (local.get $bb))
            (local.set $k (local.get $K))
            (block $kdPa
              (loop $klPa
                (br_if $kdPa (i32.eqz (local.get $k)))
                (local.set $b0 (v128.load (local.get $bp)))
                (local.set $b1 (v128.load offset=16 (local.get $bp)))
                (local.set $b2 (v128.load offset=32 (local.get $bp)))
                (local.set $b3 (v128.load offset=48 (local.get $bp)))
                (local.set $x (v128.load32_splat (local.get $pa0)))
                (local.set $c0_0 (f32x4.add (local.get $c0_0) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c0_1 (f32x4.add (local.get $c0_1) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $c0_2 (f32x4.add (local.get $c0_2) (f32x4.mul (local.get $x) (local.get $b2))))
                (local.set $c0_3 (f32x4.add (local.get $c0_3) (f32x4.mul (local.get $x) (local.get $b3))))
                (local.set $x (v128.load32_splat (local.get $pa1)))
                (local.set $c1_0 (f32x4.add (local.get $c1_0) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c1_1 (f32x4.add (local.get $c1_1) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $c1_2 (f32x4.add (local.get $c1_2) (f32x4.mul (local.get $x) (local.get $b2))))
                (local.set $c1_3 (f32x4.add (local.get $c1_3) (f32x4.mul (local.get $x) (local.get $b3))))
                (local.set $bp (i32.add (local.get $bp) (local.get $bs)))
                (local.set $pa0 (i32.add (local.get $pa0) (local.get $sAk)))
                (local.set $pa1 (i32.add (local.get $pa1) (local.get $sAk)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $klPa)))
            (local.set $q (i32.add (i32.add (local.get $C) (i32.mul (local.get $i) (local.get $rowN))) (local.get $j)))
            (if (local.get $acc)
              (then
                (local.set $c0_0 (f32x4.add (local.get $c0_0) (v128.load (local.get $q))))
                (local.set $c0_1 (f32x4.add (local.get $c0_1) (v128.load offset=16 (local.get $q))))
                (local.set $c0_2 (f32x4.add (local.get $c0_2) (v128.load offset=32 (local.get $q))))
                (local.set $c0_3 (f32x4.add (local.get $c0_3) (v128.load offset=48 (local.get $q))))
                (local.set $c1_0 (f32x4.add (local.get $c1_0) (v128.load (i32.add (local.get $q) (local.get $rowN)))))
                (local.set $c1_1 (f32x4.add (local.get $c1_1) (v128.load offset=16 (i32.add (local.get $q) (local.get $rowN)))))
                (local.set $c1_2 (f32x4.add (local.get $c1_2) (v128.load offset=32 (i32.add (local.get $q) (local.get $rowN)))))
                (local.set $c1_3 (f32x4.add (local.get $c1_3) (v128.load offset=48 (i32.add (local.get $q) (local.get $rowN)))))))
            (v128.store (local.get $q) (local.get $c0_0))
            (v128.store offset=16 (local.get $q) (local.get $c0_1))
            (v128.store offset=32 (local.get $q) (local.get $c0_2))
            (v128.store offset=48 (local.get $q) (local.get $c0_3))
            (v128.store (i32.add (local.get $q) (local.get $rowN)) (local.get $c1_0))
            (v128.store offset=16 (i32.add (local.get $q) (local.get $rowN)) (local.get $c1_1))
            (v128.store offset=32 (i32.add (local.get $q) (local.get $rowN)) (local.get $c1_2))
            (v128.store offset=48 (i32.add (local.get $q) (local.get $rowN)) (local.get $c1_3))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $ilPa)))
        (block $idPb
          (loop $ilPb
            (br_if $idPb (i32.gt_u (i32.add (local.get $i) (i32.const 1)) (local.get $M)))
            (local.set $pa0 (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $sAi))))
            (local.set $c0_0 (v128.const i32x4 0 0 0 0)) (local.set $c0_1 (v128.const i32x4 0 0 0 0)) (local.set $c0_2 (v128.const i32x4 0 0 0 0)) (local.set $c0_3 (v128.const i32x4 0 0 0 0))
            (local.set $bp (local.get $bb))
            (local.set $k (local.get $K))
            (block $kdPb
              (loop $klPb
                (br_if $kdPb (i32.eqz (local.get $k)))
                (local.set $x (v128.load32_splat (local.get $pa0)))
                (local.set $c0_0 (f32x4.add (local.get $c0_0) (f32x4.mul (local.get $x) (v128.load (local.get $bp)))))
                (local.set $c0_1 (f32x4.add (local.get $c0_1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $bp)))))
                (local.set $c0_2 (f32x4.add (local.get $c0_2) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $bp)))))
                (local.set $c0_3 (f32x4.add (local.get $c0_3) (f32x4.mul (local.get $x) (v128.load offset=48 (local.get $bp)))))
                (local.set $bp (i32.add (local.get $bp) (local.get $bs)))
                (local.set $pa0 (i32.add (local.get $pa0) (local.get $sAk)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $klPb)))
            (local.set $q (i32.add (i32.add (local.get $C) (i32.mul (local.get $i) (local.get $rowN))) (local.get $j)))
            (if (local.get $acc)
              (then
                (local.set $c0_0 (f32x4.add (local.get $c0_0) (v128.load (local.get $q))))
                (local.set $c0_1 (f32x4.add (local.get $c0_1) (v128.load offset=16 (local.get $q))))
                (local.set $c0_2 (f32x4.add (local.get $c0_2) (v128.load offset=32 (local.get $q))))
                (local.set $c0_3 (f32x4.add (local.get $c0_3) (v128.load offset=48 (local.get $q))))))
            (v128.store (local.get $q) (local.get $c0_0))
            (v128.store offset=16 (local.get $q) (local.get $c0_1))
            (v128.store offset=32 (local.get $q) (local.get $c0_2))
            (v128.store offset=48 (local.get $q) (local.get $c0_3))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $ilPb)))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $jlP)))
    (block $jdQ
      (loop $jlQ
        (br_if $jdQ (i32.gt_u (i32.add (local.get $j) (i32.const 32)) (local.get $rowN)))
        (local.set $i (i32.const 0))
        (block $idQa
          (loop $ilQa
            (br_if $idQa (i32.gt_u (i32.add (local.get $i) (i32.const 1)) (local.get $M)))
            (local.set $pa0 (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $sAi))))
            (local.set $c0_0 (v128.const i32x4 0 0 0 0)) (local.set $c0_1 (v128.const i32x4 0 0 0 0))
            (local.set $bp (i32.add (local.get $B) (local.get $j)))
            (local.set $k (local.get $K))
            (block $kdQa
              (loop $klQa
                (br_if $kdQa (i32.eqz (local.get $k)))
                (local.set $x (v128.load32_splat (local.get $pa0)))
                (local.set $c0_0 (f32x4.add (local.get $c0_0) (f32x4.mul (local.get $x) (v128.load (local.get $bp)))))
                (local.set $c0_1 (f32x4.add (local.get $c0_1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $bp)))))
                (local.set $bp (i32.add (local.get $bp) (local.get $rowN)))
                (local.set $pa0 (i32.add (local.get $pa0) (local.get $sAk)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $klQa)))
            (local.set $q (i32.add (i32.add (local.get $C) (i32.mul (local.get $i) (local.get $rowN))) (local.get $j)))
            (if (local.get $acc)
              (then
                (local.set $c0_0 (f32x4.add (local.get $c0_0) (v128.load (local.get $q))))
                (local.set $c0_1 (f32x4.add (local.get $c0_1) (v128.load offset=16 (local.get $q))))))
            (v128.store (local.get $q) (local.get $c0_0))
            (v128.store offset=16 (local.get $q) (local.get $c0_1))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $ilQa)))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $jlQ)))
  )

  (func (export "gemm")
    (param $M i32) (param $N i32) (param $K i32) (param $lda i32)
    (param $A i32) (param $B i32) (param $C i32) (param $acc i32)
    (call $gemm_s (local.get $M) (local.get $N) (local.get $K) (i32.shl (local.get $lda) (i32.const 2)) (i32.const 4)
      (local.get $A) (local.get $B) (local.get $C) (local.get $acc)))

  ;; e^x below is Cephes' expf (x clamped to [-87.3, 88]; n = round(x·log2 e), by adding 1.5·2²³ so n lands in the low
  ;; mantissa bits; x − n·ln 2 in two parts; degree-6 polynomial; ·2ⁿ through the exponent bits), written out where it is used: V8 (Node 20) does not inline WASM calls, and a call spills every v128.
  ;; tanh(v) = ±(1 − e)/(1 + e) with e = e^(−2|v|); below |v| = 0.625 Cephes' tanhf odd polynomial instead (no cancellation).

  ;; One forward step for B rows of H units: z [B][4H] (gates i f g o) += bias, activated in place (sigmoid; tanh for g);
  ;; then c' = f·c + i·g, tc = tanh(c'), h' = o·tc. Per row: one loop over the sigmoid gates i and f (adjacent), one over g
  ;; (tanh), one over o, then the cell; no branch or select inside a loop, and each loop keeps only its own constants live.
  (func (export "gates_fwd")
    (param $B i32) (param $H i32) (param $z i32) (param $bias i32) (param $cp i32) (param $cn i32) (param $hn i32) (param $tc i32)
    (local $b i32) (local $j i32) (local $Hb i32) (local $zb i32) (local $p i32) (local $q i32) (local $e i32) (local $k i32)
    (local $v v128) (local $x v128) (local $et v128) (local $en v128) (local $ez v128) (local $ey v128)
    (local $ig v128) (local $fg v128) (local $gg v128) (local $og v128)
    (local.set $Hb (i32.shl (local.get $H) (i32.const 2)))
    (local.set $b (i32.const 0))
    (local.set $k (i32.const 0))
    (block $bd
      (loop $bl
        (br_if $bd (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $zb (i32.add (local.get $z) (i32.mul (local.get $b) (i32.shl (local.get $Hb) (i32.const 2)))))
        (local.set $p (i32.add (local.get $zb) (i32.const 0)))
        (local.set $q (i32.add (local.get $bias) (i32.const 0)))
        (local.set $e (i32.add (local.get $zb) (i32.shl (local.get $Hb) (i32.const 1))))
        (block $$ifd
          (loop $$ifl
            (br_if $$ifd (i32.ge_u (local.get $p) (local.get $e)))
            (local.set $v (f32x4.add (v128.load (local.get $p)) (v128.load (local.get $q))))
            (local.set $x (f32x4.neg (local.get $v)))
            (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (v128.const f32x4 88 88 88 88)) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
            (local.set $et (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $en (f32x4.sub (local.get $et) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
            (local.set $ez (f32x4.mul (local.get $x) (local.get $x)))
            (local.set $ey (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
            (local.set $ey (f32x4.add (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (local.get $x)) (v128.const f32x4 1 1 1 1)))
            (local.set $x (f32x4.mul (local.get $ey)
              (i32x4.shl (i32x4.sub (local.get $et) (v128.const i32x4 0x4b3fff81 0x4b3fff81 0x4b3fff81 0x4b3fff81)) (i32.const 23))))
            (local.set $x (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $x))))
            (v128.store (local.get $p) (local.get $x))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $$ifl)))
        (local.set $p (i32.add (local.get $zb) (i32.shl (local.get $Hb) (i32.const 1))))
        (local.set $q (i32.add (local.get $bias) (i32.shl (local.get $Hb) (i32.const 1))))
        (local.set $e (i32.add (local.get $zb) (i32.mul (local.get $Hb) (i32.const 3))))
        (block $$gd
          (loop $$gl
            (br_if $$gd (i32.ge_u (local.get $p) (local.get $e)))
            (local.set $v (f32x4.add (v128.load (local.get $p)) (v128.load (local.get $q))))
            (local.set $x (f32x4.mul (f32x4.abs (local.get $v)) (v128.const f32x4 -2 -2 -2 -2)))
            (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (v128.const f32x4 88 88 88 88)) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
            (local.set $et (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $en (f32x4.sub (local.get $et) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
            (local.set $ez (f32x4.mul (local.get $x) (local.get $x)))
            (local.set $ey (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
            (local.set $ey (f32x4.add (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (local.get $x)) (v128.const f32x4 1 1 1 1)))
            (local.set $x (f32x4.mul (local.get $ey)
              (i32x4.shl (i32x4.sub (local.get $et) (v128.const i32x4 0x4b3fff81 0x4b3fff81 0x4b3fff81 0x4b3fff81)) (i32.const 23))))
            (local.set $x (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $x)) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $x))))
            (local.set $x (v128.bitselect (local.get $x) (local.get $v) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $ez (f32x4.mul (local.get $v) (local.get $v)))
            (local.set $ey (f32x4.add (f32x4.mul (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3) (local.get $ez)) (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (v128.const f32x4 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (v128.const f32x4 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (f32x4.mul (local.get $ey) (local.get $ez)) (local.get $v)) (local.get $v)))
            (local.set $x (v128.bitselect (local.get $ey) (local.get $x) (f32x4.lt (f32x4.abs (local.get $v)) (v128.const f32x4 0.625 0.625 0.625 0.625))))
            (v128.store (local.get $p) (local.get $x))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $$gl)))
        (local.set $p (i32.add (local.get $zb) (i32.mul (local.get $Hb) (i32.const 3))))
        (local.set $q (i32.add (local.get $bias) (i32.mul (local.get $Hb) (i32.const 3))))
        (local.set $e (i32.add (local.get $zb) (i32.shl (local.get $Hb) (i32.const 2))))
        (block $$od
          (loop $$ol
            (br_if $$od (i32.ge_u (local.get $p) (local.get $e)))
            (local.set $v (f32x4.add (v128.load (local.get $p)) (v128.load (local.get $q))))
            (local.set $x (f32x4.neg (local.get $v)))
            (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (v128.const f32x4 88 88 88 88)) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
            (local.set $et (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $en (f32x4.sub (local.get $et) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
            (local.set $ez (f32x4.mul (local.get $x) (local.get $x)))
            (local.set $ey (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
            (local.set $ey (f32x4.add (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (local.get $x)) (v128.const f32x4 1 1 1 1)))
            (local.set $x (f32x4.mul (local.get $ey)
              (i32x4.shl (i32x4.sub (local.get $et) (v128.const i32x4 0x4b3fff81 0x4b3fff81 0x4b3fff81 0x4b3fff81)) (i32.const 23))))
            (local.set $x (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $x))))
            (v128.store (local.get $p) (local.get $x))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $$ol)))
        ;; Cell and output.
        (local.set $j (i32.const 0))
        (block $cd
          (loop $cl
            (br_if $cd (i32.ge_u (local.get $j) (local.get $Hb)))
            (local.set $p (i32.add (local.get $zb) (local.get $j)))
            (local.set $ig (v128.load (local.get $p)))
            (local.set $fg (v128.load (i32.add (local.get $p) (local.get $Hb))))
            (local.set $gg (v128.load (i32.add (local.get $p) (i32.shl (local.get $Hb) (i32.const 1)))))
            (local.set $og (v128.load (i32.add (local.get $p) (i32.mul (local.get $Hb) (i32.const 3)))))
            (local.set $v (f32x4.add (f32x4.mul (local.get $fg) (v128.load (i32.add (local.get $cp) (local.get $k))))
              (f32x4.mul (local.get $ig) (local.get $gg))))
            (v128.store (i32.add (local.get $cn) (local.get $k)) (local.get $v))
            (local.set $x (f32x4.mul (f32x4.abs (local.get $v)) (v128.const f32x4 -2 -2 -2 -2)))
            (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (v128.const f32x4 88 88 88 88)) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
            (local.set $et (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $en (f32x4.sub (local.get $et) (v128.const f32x4 12582912 12582912 12582912 12582912)))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
            (local.set $x (f32x4.sub (local.get $x) (f32x4.mul (local.get $en) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
            (local.set $ez (f32x4.mul (local.get $x) (local.get $x)))
            (local.set $ey (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $x)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $x)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
            (local.set $ey (f32x4.add (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (local.get $x)) (v128.const f32x4 1 1 1 1)))
            (local.set $x (f32x4.mul (local.get $ey)
              (i32x4.shl (i32x4.sub (local.get $et) (v128.const i32x4 0x4b3fff81 0x4b3fff81 0x4b3fff81 0x4b3fff81)) (i32.const 23))))
            (local.set $x (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $x)) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $x))))
            (local.set $x (v128.bitselect (local.get $x) (local.get $v) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $ez (f32x4.mul (local.get $v) (local.get $v)))
            (local.set $ey (f32x4.add (f32x4.mul (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3) (local.get $ez)) (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (v128.const f32x4 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (local.get $ey) (local.get $ez)) (v128.const f32x4 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1)))
            (local.set $ey (f32x4.add (f32x4.mul (f32x4.mul (local.get $ey) (local.get $ez)) (local.get $v)) (local.get $v)))
            (local.set $x (v128.bitselect (local.get $ey) (local.get $x) (f32x4.lt (f32x4.abs (local.get $v)) (v128.const f32x4 0.625 0.625 0.625 0.625))))
            (v128.store (i32.add (local.get $tc) (local.get $k)) (local.get $x))
            (v128.store (i32.add (local.get $hn) (local.get $k)) (f32x4.mul (local.get $og) (local.get $x)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cl)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl))))

  ;; One backward step: dh (+ up, the upstream gradient, when up >= 0; times mask, the dropout mask up went through, when
  ;; mask >= 0) and dc → dz [B][4H]; dc ← dc'·f; db[4H] += Σ_b dz[b]. Masking here saves a pass over the whole [T][B][H]
  ;; upstream gradient; the bias sums are taken as each dz row is made, while it is in registers, instead of a second pass
  ;; over dz (the former colsum kernel, 10% of this one's time): db[j] still adds rows b = 0, 1, … in order, so the same
  ;; floats. (Recomputing the mask from its counter-based draws instead of loading it was tried: the hash costs more than
  ;; the 64 KiB per step it saves at batch 256 — docs/BENCHMARKS.md.)
  (func (export "gates_bwd")
    (param $B i32) (param $H i32) (param $z i32) (param $cp i32) (param $tc i32) (param $dh i32) (param $up i32)
    (param $mask i32) (param $dc i32) (param $dz i32) (param $db i32)
    (local $b i32) (local $j i32) (local $Hb i32) (local $o i32) (local $p i32) (local $k i32) (local $q i32)
    (local $ig v128) (local $fg v128) (local $gg v128) (local $og v128) (local $t v128) (local $dhv v128) (local $dcv v128)
    (local $v v128)
    (local.set $Hb (i32.shl (local.get $H) (i32.const 2)))
    (local.set $b (i32.const 0))
    (local.set $k (i32.const 0))
    (block $bd
      (loop $bl
        (br_if $bd (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $o (i32.mul (local.get $b) (i32.shl (local.get $Hb) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $j) (local.get $Hb)))
            (local.set $dhv (v128.load (i32.add (local.get $dh) (local.get $k))))
            (if (i32.ge_s (local.get $up) (i32.const 0))
              (then
                (local.set $v (v128.load (i32.add (local.get $up) (local.get $k))))
                (if (i32.ge_s (local.get $mask) (i32.const 0))
                  (then (local.set $v (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $mask) (local.get $k)))))))
                (local.set $dhv (f32x4.add (local.get $dhv) (local.get $v)))))
            (local.set $p (i32.add (i32.add (local.get $z) (local.get $o)) (local.get $j)))
            (local.set $ig (v128.load (local.get $p)))
            (local.set $fg (v128.load (i32.add (local.get $p) (local.get $Hb))))
            (local.set $gg (v128.load (i32.add (local.get $p) (i32.shl (local.get $Hb) (i32.const 1)))))
            (local.set $og (v128.load (i32.add (local.get $p) (i32.mul (local.get $Hb) (i32.const 3)))))
            (local.set $t (v128.load (i32.add (local.get $tc) (local.get $k))))
            (local.set $dcv (f32x4.add
              (f32x4.mul (f32x4.mul (local.get $dhv) (local.get $og)) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $t) (local.get $t))))
              (v128.load (i32.add (local.get $dc) (local.get $k)))))
            (local.set $p (i32.add (i32.add (local.get $dz) (local.get $o)) (local.get $j)))
            (local.set $q (i32.add (local.get $db) (local.get $j)))
            (local.set $v (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dcv) (local.get $gg)) (local.get $ig)) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $ig))))
            (v128.store (local.get $p) (local.get $v))
            (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (local.get $v)))
            (local.set $v (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dcv) (v128.load (i32.add (local.get $cp) (local.get $k)))) (local.get $fg))
                (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $fg))))
            (v128.store (i32.add (local.get $p) (local.get $Hb)) (local.get $v))
            (v128.store (i32.add (local.get $q) (local.get $Hb)) (f32x4.add (v128.load (i32.add (local.get $q) (local.get $Hb))) (local.get $v)))
            (local.set $v (f32x4.mul (f32x4.mul (local.get $dcv) (local.get $ig)) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $gg) (local.get $gg)))))
            (v128.store (i32.add (local.get $p) (i32.shl (local.get $Hb) (i32.const 1))) (local.get $v))
            (v128.store (i32.add (local.get $q) (i32.shl (local.get $Hb) (i32.const 1)))
              (f32x4.add (v128.load (i32.add (local.get $q) (i32.shl (local.get $Hb) (i32.const 1)))) (local.get $v)))
            (local.set $v (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dhv) (local.get $t)) (local.get $og)) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $og))))
            (v128.store (i32.add (local.get $p) (i32.mul (local.get $Hb) (i32.const 3))) (local.get $v))
            (v128.store (i32.add (local.get $q) (i32.mul (local.get $Hb) (i32.const 3)))
              (f32x4.add (v128.load (i32.add (local.get $q) (i32.mul (local.get $Hb) (i32.const 3)))) (local.get $v)))
            (v128.store (i32.add (local.get $dc) (local.get $k)) (f32x4.mul (local.get $dcv) (local.get $fg)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $jl)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl))))

  ;; Inverted dropout over n values (n a multiple of 4): element i is kept when u_i >= p, u_i = (fmix32(seed + i·0x9e3779b9) >>> 8)·2⁻²⁴
  ;; (MurmurHash3's finaliser over a counter, so any element's draw is known without a sequence); mask_i = kept ? scale : 0,
  ;; dst_i = src_i·mask_i. net.ts computes the same draws in TypeScript where WASM SIMD is missing.
  (func (export "dropout")
    (param $n i32) (param $p f32) (param $scale f32) (param $seed i32) (param $src i32) (param $dst i32) (param $mask i32)
    (local $o i32) (local $end i32) (local $idx v128) (local $h v128) (local $m v128)
    (local.set $idx (i32x4.add (i32x4.splat (local.get $seed))
      (i32x4.mul (v128.const i32x4 0 1 2 3) (v128.const i32x4 0x9e3779b9 0x9e3779b9 0x9e3779b9 0x9e3779b9))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $h (local.get $idx))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 13))))
        (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $m (v128.and
          (f32x4.ge (f32x4.mul (f32x4.convert_i32x4_u (i32x4.shr_u (local.get $h) (i32.const 8))) (v128.const f32x4 0x1p-24 0x1p-24 0x1p-24 0x1p-24))
            (f32x4.splat (local.get $p)))
          (f32x4.splat (local.get $scale))))
        (v128.store (i32.add (local.get $mask) (local.get $o)) (local.get $m))
        (v128.store (i32.add (local.get $dst) (local.get $o)) (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $o))) (local.get $m)))
        (local.set $idx (i32x4.add (local.get $idx)
          (v128.const i32x4 0x78dde6e4 0x78dde6e4 0x78dde6e4 0x78dde6e4)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l))))
)
