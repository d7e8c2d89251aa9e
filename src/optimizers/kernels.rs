//! The optimizers' per-element update loops.
//!
//! Each loop is written once, plainly, and compiled three times: for the
//! baseline x86-64 target and, chosen at run time when the CPU has them,
//! with AVX2 and with AVX-512 enabled, so the compiler vectorises the
//! square roots and divisions eight or sixteen lanes wide (AVX-512 makes
//! Adam ~20 % faster than AVX2 on this project's Zen 4 machines, whose
//! 512-bit units are double-pumped 256-bit ones). No fused multiply-add is
//! enabled, so every version rounds identically. Long weights are split
//! over the gemm threads.
//!
//! Optimizer state that decays (momenta, squared-gradient averages) is
//! flushed to zero when it falls below the smallest normal `f32`, as
//! TensorFlow's flush-to-zero mode does in Keras: the moments of a weight
//! whose gradient stays zero (a pixel that is blank in every image, a dead
//! ReLU unit) would otherwise decay into subnormal numbers, which this
//! machine's vector units process several times slower (Adam on the `mlp`
//! benchmark: 40 µs per step with them, 23 µs without).

use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::tensor::threads::{chunk_ranges, run_parts};

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

/// Defines `$name(args…)`: the loop body `$body`, on the widest vector
/// build the CPU supports. The builds themselves live in a module of the
/// same name (`$name::portable`, `$name::avx2`, `$name::avx512`), where
/// the tests compare them.
macro_rules! kernel {
    ($(#[$doc:meta])* $name:ident($($s:ident: $sty:ty),*; $($p:ident: $pty:ty),*) $body:block) => {
        $(#[$doc])*
        pub(crate) fn $name($($s: $sty,)* $($p: $pty),*) {
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                return unsafe { $name::avx512($($s,)* $($p),*) };
            }
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { $name::avx2($($s,)* $($p),*) };
            }
            $name::portable($($s,)* $($p),*)
        }

        #[allow(clippy::too_many_arguments)]
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// The loop, for whatever target it is inlined into.
            #[inline(always)]
            pub(super) fn portable($($s: $sty,)* $($p: $pty),*) $body

            /// The loop with AVX2.
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            pub(super) fn avx2($($s: $sty,)* $($p: $pty),*) {
                portable($($s,)* $($p),*)
            }

            /// The loop with AVX-512.
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f")]
            pub(super) fn avx512($($s: $sty,)* $($p: $pty),*) {
                portable($($s,)* $($p),*)
            }
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

/// RMSprop's average of squared gradients after gradient `g`: `ρv + (1−ρ)g²`,
/// flushed.
#[inline(always)]
pub(crate) fn rms_average(v: f32, g: f32, rho: f32) -> f32 {
    flush(rho * v + (1.0 - rho) * g * g)
}

kernel! {
    /// `v = ρv + (1−ρ)g²`; `w −= lr·g/√(v + ε)`.
    rmsprop_plain(w: &mut [f32], g: &[f32], v: &mut [f32]; lr: f32, rho: f32, eps: f32) {
        let n = w.len();
        let (g, v) = (&g[..n], &mut v[..n]);
        for i in 0..n {
            let vi = rms_average(v[i], g[i], rho);
            v[i] = vi;
            w[i] -= lr * g[i] / (vi + eps).sqrt();
        }
    }
}

/// The constants of one Adam step: the bias-corrected rate `α`, `β₁`,
/// `β₂` and `ε`.
#[derive(Clone, Copy, Debug)]
pub struct AdamStep {
    pub(crate) alpha: f32,
    pub(crate) b1: f32,
    pub(crate) b2: f32,
    pub(crate) eps: f32,
}

/// Adam's moments after gradient `g`: `m + (g − m)(1 − β₁)` and
/// `v + (g² − v)(1 − β₂)`, flushed.
#[inline(always)]
fn adam_moments(m: f32, v: f32, g: f32, b1: f32, b2: f32) -> (f32, f32) {
    (
        flush(m + (g - m) * (1.0 - b1)),
        flush(v + (g * g - v) * (1.0 - b2)),
    )
}

kernel! {
    /// `m += (g − m)(1 − β₁)`; `v += (g² − v)(1 − β₂)`; `w −= α·m/(√v + ε)`.
    adam_plain(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]; step: AdamStep) {
        let AdamStep { alpha, b1, b2, eps } = step;
        let n = w.len();
        let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
        for i in 0..n {
            let (mi, vi) = adam_moments(m[i], v[i], g[i], b1, b2);
            m[i] = mi;
            v[i] = vi;
            w[i] -= alpha * mi / (vi.sqrt() + eps);
        }
    }
}

kernel! {
    /// As [`adam_plain`], dividing by the running maximum `v̂ = max(v̂, v)`
    /// (AMSGrad).
    adam_amsgrad(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], v_hat: &mut [f32]; step: AdamStep) {
        let AdamStep { alpha, b1, b2, eps } = step;
        let n = w.len();
        let (g, m, v, v_hat) = (&g[..n], &mut m[..n], &mut v[..n], &mut v_hat[..n]);
        for i in 0..n {
            let (mi, vi) = adam_moments(m[i], v[i], g[i], b1, b2);
            m[i] = mi;
            v[i] = vi;
            v_hat[i] = v_hat[i].max(vi);
            w[i] -= alpha * mi / (v_hat[i].sqrt() + eps);
        }
    }
}

/// Runs `update` over matching chunks of the weight, its gradient and its
/// state, on the gemm threads when the weight is long.
///
/// The chunks are cut with `split_at_mut` before any thread starts, so
/// each thread owns its own disjoint slices and no length is trusted.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the gradient or a state buffer is not as
/// long as the weight (nothing is updated then).
pub(crate) fn split<F>(w: &mut [f32], g: &[f32], state: &mut [&mut [f32]], update: F) -> Result<()>
where
    F: Fn(&mut [f32], &[f32], &mut [&mut [f32]]) + Sync,
{
    let n = w.len();
    if let Some(len) = std::iter::once(g.len())
        .chain(state.iter().map(|s| s.len()))
        .find(|&len| len != n)
    {
        return Err(Error::shape(
            "optimizer update",
            format!("gradient and state buffers of {n} values like the weight"),
            format!("a buffer of {len} values"),
        ));
    }
    if n < PARALLEL_MIN {
        update(w, g, state);
        return Ok(());
    }
    // One owned set of slices per part: (weight, gradient, state buffers).
    type Part<'s> = (&'s mut [f32], &'s [f32], Vec<&'s mut [f32]>);
    let mut parts: Vec<Mutex<Option<Part<'_>>>> = Vec::new();
    let (mut w_rest, mut g_rest) = (w, g);
    let mut s_rest: Vec<&mut [f32]> = state.iter_mut().map(|s| &mut **s).collect();
    for range in chunk_ranges(n) {
        let len = range.len();
        let (w_part, w_tail) = std::mem::take(&mut w_rest).split_at_mut(len);
        let (g_part, g_tail) = g_rest.split_at(len);
        let mut s_part = Vec::with_capacity(s_rest.len());
        for s in &mut s_rest {
            let (head, tail) = std::mem::take(s).split_at_mut(len);
            s_part.push(head);
            *s = tail;
        }
        parts.push(Mutex::new(Some((w_part, g_part, s_part))));
        (w_rest, g_rest) = (w_tail, g_tail);
    }
    run_parts(parts.len(), &|p| {
        // Each part is taken once, by the thread that runs it.
        // (The guard is dropped before `update` runs, so a panic there
        // cannot poison it; a poisoned lock still yields its part.)
        let taken = match parts[p].lock() {
            Ok(mut part) => part.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some((w, g, mut s)) = taken {
            update(w, g, &mut s);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// An update split over threads gives the bits of the same update in
    /// one piece, and buffers of another length are refused, not sliced.
    #[test]
    fn split_updates_match_one_piece_and_refuse_short_buffers() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let n = 10_007; // above PARALLEL_MIN, not a multiple of 16
        let (w0, g) = (values(&mut rng, n), values(&mut rng, n));
        let m0 = values(&mut rng, n);
        let v0: Vec<f32> = values(&mut rng, n).iter().map(|x| x.abs()).collect();
        let step = AdamStep {
            alpha: 1e-3,
            b1: 0.9,
            b2: 0.999,
            eps: 1e-7,
        };
        let (mut w1, mut m1, mut v1) = (w0.clone(), m0.clone(), v0.clone());
        adam_plain(&mut w1, &g, &mut m1, &mut v1, step);
        crate::tensor::set_num_threads(2);
        let (mut w2, mut m2, mut v2) = (w0.clone(), m0.clone(), v0.clone());
        split(&mut w2, &g, &mut [&mut m2, &mut v2], |w, g, state| {
            if let [m, v] = state {
                adam_plain(w, g, m, v, step);
            }
        })
        .unwrap();
        crate::tensor::set_num_threads(0);
        assert!(bits(&w1) == bits(&w2) && bits(&m1) == bits(&m2) && bits(&v1) == bits(&v2));
        let mut short = vec![0.0; n - 1];
        let mut w3 = w0.clone();
        let err = split(&mut w3, &g, &mut [&mut short], |_, _, _| {}).unwrap_err();
        assert!(
            err.to_string().contains("found a buffer of 10006 values"),
            "{err}"
        );
        assert!(w3 == w0, "nothing is updated");
    }

    /// `n` values spanning the cases the loops meet: ordinary gradients,
    /// exact zeros, tiny and subnormal values, and large ones.
    fn values(rng: &mut rand::rngs::StdRng, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| match i % 5 {
                0 => 0.0,
                1 => rng.random_range(-1e-38f32..1e-38),
                2 => rng.random_range(-1e3f32..1e3),
                _ => rng.random_range(-1.0f32..1.0),
            })
            .collect()
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Runs `build` three steps on the same weight, gradient and three
    /// state slices (the last two kept non-negative, as second moments and
    /// their running maximum are) and returns the bits of everything it
    /// may write.
    fn run(build: Build<'_>) -> Vec<u32> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        // 1,037 elements: whole vectors of every width plus a remainder.
        let n = 1037;
        let (mut w, g) = (values(&mut rng, n), values(&mut rng, n));
        let mut a = values(&mut rng, n);
        let mut b: Vec<f32> = values(&mut rng, n).iter().map(|x| x.abs()).collect();
        let mut c: Vec<f32> = values(&mut rng, n).iter().map(|x| x.abs()).collect();
        for _ in 0..3 {
            build(&mut w, &g, &mut a, &mut b, &mut c);
        }
        [w, a, b, c].iter().flat_map(|x| bits(x)).collect()
    }

    /// One build of a loop, over a weight, its gradient and up to three
    /// state slices.
    type Build<'a> = &'a dyn Fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32]);

    /// Asserts that the vector builds of one loop give the portable
    /// build's bits, for each build this CPU can run.
    #[cfg(target_arch = "x86_64")]
    fn check(name: &str, portable: Build<'_>, builds: [(&str, &str, Build<'_>); 2]) {
        let expected = run(portable);
        for (feature, label, build) in builds {
            let available = match feature {
                "avx2" => std::is_x86_feature_detected!("avx2"),
                _ => std::is_x86_feature_detected!("avx512f"),
            };
            if available {
                assert!(
                    run(build) == expected,
                    "{name}: the {label} build rounds differently"
                );
            }
        }
    }

    /// Every build of every loop gives the same bits: no build fuses a
    /// multiply and an add, so results never depend on the CPU.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn every_build_rounds_identically() {
        // SAFETY (every `unsafe` below): `check` runs a build only when
        // the CPU has its feature.
        let step = AdamStep {
            alpha: 1e-3,
            b1: 0.9,
            b2: 0.999,
            eps: 1e-7,
        };
        check(
            "sgd_plain",
            &|w, g, _, _, _| sgd_plain::portable(w, g, 0.01),
            [
                ("avx2", "AVX2", &|w, g, _, _, _| unsafe {
                    sgd_plain::avx2(w, g, 0.01)
                }),
                ("avx512f", "AVX-512", &|w, g, _, _, _| unsafe {
                    sgd_plain::avx512(w, g, 0.01)
                }),
            ],
        );
        check(
            "sgd_momentum",
            &|w, g, m, _, _| sgd_momentum::portable(w, g, m, 0.01, 0.9, true),
            [
                ("avx2", "AVX2", &|w, g, m, _, _| unsafe {
                    sgd_momentum::avx2(w, g, m, 0.01, 0.9, true)
                }),
                ("avx512f", "AVX-512", &|w, g, m, _, _| unsafe {
                    sgd_momentum::avx512(w, g, m, 0.01, 0.9, true)
                }),
            ],
        );
        check(
            "rmsprop_plain",
            &|w, g, _, v, _| rmsprop_plain::portable(w, g, v, 1e-3, 0.9, 1e-7),
            [
                ("avx2", "AVX2", &|w, g, _, v, _| unsafe {
                    rmsprop_plain::avx2(w, g, v, 1e-3, 0.9, 1e-7)
                }),
                ("avx512f", "AVX-512", &|w, g, _, v, _| unsafe {
                    rmsprop_plain::avx512(w, g, v, 1e-3, 0.9, 1e-7)
                }),
            ],
        );
        check(
            "adam_plain",
            &|w, g, m, v, _| adam_plain::portable(w, g, m, v, step),
            [
                ("avx2", "AVX2", &|w, g, m, v, _| unsafe {
                    adam_plain::avx2(w, g, m, v, step)
                }),
                ("avx512f", "AVX-512", &|w, g, m, v, _| unsafe {
                    adam_plain::avx512(w, g, m, v, step)
                }),
            ],
        );
        check(
            "adam_amsgrad",
            &|w, g, m, v, h| adam_amsgrad::portable(w, g, m, v, h, step),
            [
                ("avx2", "AVX2", &|w, g, m, v, h| unsafe {
                    adam_amsgrad::avx2(w, g, m, v, h, step)
                }),
                ("avx512f", "AVX-512", &|w, g, m, v, h| unsafe {
                    adam_amsgrad::avx512(w, g, m, v, h, step)
                }),
            ],
        );
    }
}
