//! The optimizers' per-element update loops.
//!
//! Each loop is written once, plainly, and compiled twice: for the baseline
//! x86-64 target and, chosen at run time when the CPU has it, with AVX2
//! enabled, so the compiler vectorises the square roots and divisions
//! eight lanes wide. No fused multiply-add is enabled, so both versions
//! round identically. Long weights are split over the gemm threads.
//!
//! Optimizer state that decays (momenta, squared-gradient averages) is
//! flushed to zero when it falls below the smallest normal `f32`, as
//! TensorFlow's flush-to-zero mode does in Keras: the moments of a weight
//! whose gradient stays zero (a pixel that is blank in every image, a dead
//! ReLU unit) would otherwise decay into subnormal numbers, which this
//! machine's vector units process several times slower (Adam on the `mlp`
//! benchmark: 40 µs per step with them, 23 µs without).

use crate::tensor::threads::{SharedMut, for_each_chunk};

/// Below this many elements an update stays on one thread. Above it, each
/// thread updates the same half of a weight whose gradient it computed in
/// the split gemm (row-major halves on both sides), so neither core reads
/// what the other just wrote.
const PARALLEL_MIN: usize = 1 << 12;

/// `x`, or zero when `x` is subnormal (what flush-to-zero hardware mode
/// gives). A compare and a mask in vector code.
#[inline(always)]
pub(crate) fn flush(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE { 0.0 } else { x }
}

/// Defines `$name(args…)`: the loop body `$body` run over aligned chunks of
/// the slices, on the AVX2 build when available.
macro_rules! kernel {
    ($(#[$doc:meta])* $name:ident($($s:ident: $sty:ty),*; $($p:ident: $pty:ty),*) $body:block) => {
        $(#[$doc])*
        pub(crate) fn $name($($s: $sty,)* $($p: $pty),*) {
            #[inline(always)]
            fn body($($s: $sty,)* $($p: $pty),*) $body

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            fn avx2($($s: $sty,)* $($p: $pty),*) {
                body($($s,)* $($p),*)
            }

            #[inline(always)]
            fn dispatch($($s: $sty,)* $($p: $pty),*) {
                #[cfg(target_arch = "x86_64")]
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { avx2($($s,)* $($p),*) };
                }
                body($($s,)* $($p),*)
            }

            dispatch($($s,)* $($p),*)
        }
    };
}

kernel! {
    /// `w −= lr·g`.
    sgd_plain(w: &mut [f32], g: &[f32]; lr: f32) {
        let g = &g[..w.len()];
        for i in 0..w.len() {
            w[i] -= lr * g[i];
        }
    }
}

kernel! {
    /// `m = μm − lr·g`; `w += m` (Nesterov: `w += μm − lr·g`).
    sgd_momentum(w: &mut [f32], g: &[f32], m: &mut [f32]; lr: f32, mu: f32, nesterov: bool) {
        let n = w.len();
        let (g, m) = (&g[..n], &mut m[..n]);
        for i in 0..n {
            let mi = flush(mu * m[i] - lr * g[i]);
            m[i] = mi;
            w[i] += if nesterov { mu * mi - lr * g[i] } else { mi };
        }
    }
}

kernel! {
    /// `v = ρv + (1−ρ)g²`; `w −= lr·g/√(v + ε)`.
    rmsprop_plain(w: &mut [f32], g: &[f32], v: &mut [f32]; lr: f32, rho: f32, eps: f32) {
        let n = w.len();
        let (g, v) = (&g[..n], &mut v[..n]);
        for i in 0..n {
            let vi = flush(rho * v[i] + (1.0 - rho) * g[i] * g[i]);
            v[i] = vi;
            w[i] -= lr * g[i] / (vi + eps).sqrt();
        }
    }
}

/// The constants of one Adam step: the bias-corrected rate `α`, `β₁`,
/// `β₂` and `ε`.
#[derive(Clone, Copy)]
pub(crate) struct AdamStep {
    pub alpha: f32,
    pub b1: f32,
    pub b2: f32,
    pub eps: f32,
}

kernel! {
    /// `m += (g − m)(1 − β₁)`; `v += (g² − v)(1 − β₂)`; `w −= α·m/(√v + ε)`.
    adam_plain(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]; step: AdamStep) {
        let AdamStep { alpha, b1, b2, eps } = step;
        let n = w.len();
        let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
        for i in 0..n {
            let mi = flush(m[i] + (g[i] - m[i]) * (1.0 - b1));
            let vi = flush(v[i] + (g[i] * g[i] - v[i]) * (1.0 - b2));
            m[i] = mi;
            v[i] = vi;
            w[i] -= alpha * mi / (vi.sqrt() + eps);
        }
    }
}

/// Runs `update` over matching chunks of the weight and its state, on the
/// gemm threads when the weight is long.
pub(crate) fn split<F>(w: &mut [f32], g: &[f32], state: &mut [&mut [f32]], update: F)
where
    F: Fn(&mut [f32], &[f32], &mut [&mut [f32]]) + Sync,
{
    let n = w.len();
    if n < PARALLEL_MIN {
        update(w, g, state);
        return;
    }
    let raw_w = SharedMut(w.as_mut_ptr());
    let raw_s: Vec<SharedMut> = state.iter_mut().map(|s| SharedMut(s.as_mut_ptr())).collect();
    for_each_chunk(n, &|lo, hi| {
        // SAFETY: `for_each_chunk` hands out disjoint ranges of 0..n, and
        // every slice here has n elements and outlives the call.
        unsafe {
            let mut parts: Vec<&mut [f32]> = raw_s.iter().map(|p| p.slice(lo, hi - lo)).collect();
            update(raw_w.slice(lo, hi - lo), &g[lo..hi], &mut parts);
        }
    });
}
