//! The single-precision exponential of softmax, log-softmax and the
//! categorical cross-entropies, computed several values at a time.
//!
//! The algorithm is the one of glibc's `expf` (from Arm's
//! optimized-routines) on CPUs with fused multiply-add: in double
//! precision, `x·32/ln 2 = k + r` with integer `k` and `|r| ≤ 1/2`, then
//! `eˣ = 2^(k/32) · 2^(r/32)`, the first factor from a table of 32 powers
//! of two and exponent arithmetic, the second from a cubic. Every step is
//! an exactly rounded double operation (three of them fused), so every
//! build here gives the same bits: the AVX-512 one (eight lanes, the table
//! in registers), the AVX2 one (four lanes, compiled from the portable
//! loop) and the portable one. They are also the bits of `f32::exp` with
//! glibc on an x86-64 CPU with FMA, for all 2³² inputs, so results do not
//! change with the path taken. The error is below 0.51 ulp.
//!
//! Inputs of magnitude 88 or more, infinities and NaN take a scalar path
//! with the special cases (overflow to infinity above `88.72…`, zero
//! below `−103.97…`).

/// `2^(i/32)` for `i` in `0..32`, rounded to the nearest double (as bits).
const POW2: [u64; 32] = [
    0x3ff0000000000000,
    0x3ff059b0d3158574,
    0x3ff0b5586cf9890f,
    0x3ff11301d0125b51,
    0x3ff172b83c7d517b,
    0x3ff1d4873168b9aa,
    0x3ff2387a6e756238,
    0x3ff29e9df51fdee1,
    0x3ff306fe0a31b715,
    0x3ff371a7373aa9cb,
    0x3ff3dea64c123422,
    0x3ff44e086061892d,
    0x3ff4bfdad5362a27,
    0x3ff5342b569d4f82,
    0x3ff5ab07dd485429,
    0x3ff6247eb03a5585,
    0x3ff6a09e667f3bcd,
    0x3ff71f75e8ec5f74,
    0x3ff7a11473eb0187,
    0x3ff82589994cce13,
    0x3ff8ace5422aa0db,
    0x3ff93737b0cdc5e5,
    0x3ff9c49182a3f090,
    0x3ffa5503b23e255d,
    0x3ffae89f995ad3ad,
    0x3ffb7f76f2fb5e47,
    0x3ffc199bdd85529c,
    0x3ffcb720dcef9069,
    0x3ffd5818dcfba487,
    0x3ffdfc97337b9b5f,
    0x3ffea4afa2a490da,
    0x3fff50765b6e4540,
];

/// `32/ln 2`.
const INV_LN2_32: f64 = f64::from_bits(0x40471547652b82fe);
/// `1.5·2⁵²`: adding it rounds a double below 2⁵¹ in magnitude to an
/// integer, left in the low bits of the sum.
const SHIFT: f64 = f64::from_bits(0x4338000000000000);
/// `2^(r/32) ≈ 1 + C1·r + C2·r² + C3·r³` for `|r| ≤ 1/2` (minimax).
const C3: f64 = f64::from_bits(0x3ebc6af84b912394);
const C2: f64 = f64::from_bits(0x3f2ebfce50fac4f3);
const C1: f64 = f64::from_bits(0x3f962e42ff0c52d6);

/// Inputs at or above this magnitude (in the top 12 bits of the `f32`)
/// take the scalar path.
const SPECIAL_TOP: u32 = 0x42b; // 88.0

/// `eˣ` for `|x| < 88`: the vectorisable core.
#[inline(always)]
fn core(x: f32) -> f32 {
    let xd = f64::from(x);
    // k = round(x·32/ln 2), exact in the low bits of `kd` before the subtraction.
    let kd = INV_LN2_32.mul_add(xd, SHIFT);
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = INV_LN2_32.mul_add(xd, -kd);
    // 2^(k/32): the table's 2^((k mod 32)/32) with k div 32 added to its exponent.
    let s = f64::from_bits(POW2[(ki % 32) as usize].wrapping_add((ki >> 5) << 52));
    let p = C3.mul_add(r, C2);
    let r2 = r * r;
    let y = r.mul_add(C1, 1.0);
    let y = p.mul_add(r2, y);
    (y * s) as f32
}

/// `eˣ` for every `x`, special cases included.
#[inline(always)]
fn scalar(x: f32) -> f32 {
    if top12(x) < SPECIAL_TOP {
        return core(x);
    }
    if x == f32::NEG_INFINITY {
        0.0
    } else if !x.is_finite() {
        x + x
    } else if x > f32::from_bits(0x42b17217) {
        f32::INFINITY
    } else if x < f32::from_bits(0xc2cff1b4) {
        0.0
    } else if x < f32::from_bits(0xc2ce8ecf) {
        // The smallest subnormal: e^x rounds to it in this band.
        f32::from_bits(1)
    } else {
        core(x)
    }
}

/// `eˣ`, one value at a time (the same bits as [`exp_in_place`]).
pub(crate) fn exp(x: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports FMA, checked just above.
        return unsafe { builds::one_fma(x) };
    }
    // Elsewhere `mul_add` is an instruction, or (x86-64 without FMA) a
    // call to the C library's exact `fma`.
    scalar(x)
}

/// The biased exponent and the top mantissa bit of `|x|`.
#[inline(always)]
fn top12(x: f32) -> u32 {
    (x.to_bits() >> 20) & 0x7ff
}

/// Replaces every value of `values` by its exponential.
pub(crate) fn exp_in_place(values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX-512F and FMA, checked just above.
            return unsafe { builds::avx512(values) };
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { builds::avx2(values) };
        }
    }
    builds::portable(values)
}

mod builds {
    use super::{SPECIAL_TOP, core, scalar, top12};

    /// Values in blocks: the core runs branch-free over a block unless one
    /// of its inputs is special.
    #[inline(always)]
    pub(super) fn portable(values: &mut [f32]) {
        for block in values.chunks_mut(64) {
            if block.iter().all(|&x| top12(x) < SPECIAL_TOP) {
                block.iter_mut().for_each(|v| *v = core(*v));
            } else {
                block.iter_mut().for_each(|v| *v = scalar(*v));
            }
        }
    }

    /// One value, with fused multiply-add instructions.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "fma")]
    pub(super) fn one_fma(x: f32) -> f32 {
        scalar(x)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2(values: &mut [f32]) {
        portable(values)
    }

    /// Eight values per step in double precision, with the table in four
    /// registers (two-source permutes instead of gathers).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,fma")]
    pub(super) fn avx512(values: &mut [f32]) {
        use std::arch::x86_64::*;

        use super::{C1, C2, C3, INV_LN2_32, POW2, SHIFT};

        // SAFETY: each load reads eight of the table's 32 entries.
        let [t0, t1, t2, t3] = [0, 8, 16, 24]
            .map(|i| unsafe { _mm512_castsi512_pd(_mm512_loadu_epi64(POW2.as_ptr().add(i).cast())) });
        let (inv, shift) = (_mm512_set1_pd(INV_LN2_32), _mm512_set1_pd(SHIFT));
        let (c1, c2, c3, one) = (
            _mm512_set1_pd(C1),
            _mm512_set1_pd(C2),
            _mm512_set1_pd(C3),
            _mm512_set1_pd(1.0),
        );
        let (exponent, special) = (
            _mm256_set1_epi32(0x7ff0_0000),
            _mm256_set1_epi32((SPECIAL_TOP << 20) as i32 - 1),
        );
        let mut chunks = values.chunks_exact_mut(8);
        for chunk in &mut chunks {
            // SAFETY: `chunk` holds eight floats, read and written unaligned.
            let x = unsafe { _mm256_loadu_ps(chunk.as_ptr()) };
            let top = _mm256_and_si256(_mm256_castps_si256(x), exponent);
            if _mm256_movemask_epi8(_mm256_cmpgt_epi32(top, special)) != 0 {
                chunk.iter_mut().for_each(|v| *v = scalar(*v));
                continue;
            }
            let xd = _mm512_cvtps_pd(x);
            let kd = _mm512_fmadd_pd(inv, xd, shift);
            let ki = _mm512_castpd_si512(kd);
            let r = _mm512_fmsub_pd(inv, xd, _mm512_sub_pd(kd, shift));
            // Entry k mod 32: bits 0–3 pick within a register pair, bit 4 the pair.
            let low = _mm512_permutex2var_pd(t0, ki, t1);
            let high = _mm512_permutex2var_pd(t2, ki, t3);
            let entry = _mm512_mask_blend_pd(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)), low, high);
            let s = _mm512_add_epi64(
                _mm512_castpd_si512(entry),
                _mm512_slli_epi64::<52>(_mm512_srli_epi64::<5>(ki)),
            );
            let p = _mm512_fmadd_pd(c3, r, c2);
            let r2 = _mm512_mul_pd(r, r);
            let y = _mm512_fmadd_pd(r, c1, one);
            let y = _mm512_fmadd_pd(p, r2, y);
            let y = _mm512_mul_pd(y, _mm512_castsi512_pd(s));
            // SAFETY: as the load above.
            unsafe { _mm256_storeu_ps(chunk.as_mut_ptr(), _mm512_cvtpd_ps(y)) };
        }
        chunks.into_remainder().iter_mut().for_each(|v| *v = scalar(*v));
    }

    /// A build, named.
    #[cfg(test)]
    pub(super) type Build = (&'static str, fn(&mut [f32]));

    /// Every build this CPU can run.
    #[cfg(test)]
    pub(super) fn all() -> Vec<Build> {
        let mut builds: Vec<Build> = vec![("portable", portable)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: only called when the CPU has the features.
                builds.push(("avx2", |v| unsafe { avx2(v) }));
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
                // SAFETY: only called when the CPU has the features.
                builds.push(("avx512", |v| unsafe { avx512(v) }));
            }
        }
        builds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every build on the same inputs: ordinary values, the band edges and
    /// every special case.
    fn inputs() -> Vec<f32> {
        let mut xs: Vec<f32> = (0..200_000).map(|i| -110.0 + i as f32 * 0.001_0).collect();
        // A sweep of bit patterns over all magnitudes, both signs.
        xs.extend((0..u32::MAX / 65_521).map(|i| f32::from_bits(i * 65_521)));
        xs.extend([
            0.0,
            -0.0,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            88.0,
            -88.0,
            f32::from_bits(0x42b17217),
            f32::from_bits(0x42b17218),
            f32::from_bits(0xc2cff1b4),
            f32::from_bits(0xc2cff1b5),
            f32::from_bits(0xc2ce8ecf),
            f32::from_bits(0xc2ce8ed0),
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
            f32::MIN,
        ]);
        xs
    }

    #[test]
    fn every_build_gives_the_same_bits_as_the_scalar_path() {
        let xs = inputs();
        let expected: Vec<u32> = xs.iter().map(|&x| scalar(x).to_bits()).collect();
        for (name, build) in builds::all() {
            let mut got = xs.clone();
            build(&mut got);
            for ((x, e), g) in xs.iter().zip(&expected).zip(&got) {
                assert_eq!(
                    g.to_bits(),
                    *e,
                    "{name} build: exp({x:e}) gave {g:e}, expected {:e}",
                    f32::from_bits(*e)
                );
            }
        }
        let mut dispatched = xs.clone();
        exp_in_place(&mut dispatched);
        assert!(dispatched.iter().zip(&expected).all(|(g, e)| g.to_bits() == *e));
        assert!(xs.iter().zip(&expected).all(|(&x, e)| exp(x).to_bits() == *e));
    }

    #[test]
    fn within_one_ulp_of_the_exact_exponential() {
        for x in inputs() {
            let got = scalar(x);
            let exact = f64::from(x).exp();
            if x.is_nan() {
                assert!(got.is_nan());
                continue;
            }
            let rounded = exact as f32;
            if rounded.is_infinite() || rounded == 0.0 {
                // Overflow and underflow: the same or the neighbouring value.
                assert!(
                    got == rounded || got == f32::MAX || got.to_bits() <= 1,
                    "exp({x:e}) = {got:e}"
                );
                continue;
            }
            let ulps = (got.to_bits() as i64 - rounded.to_bits() as i64).abs();
            assert!(
                ulps <= 1,
                "exp({x:e}) = {got:e}, correctly rounded {rounded:e} ({ulps} ulps)"
            );
        }
    }

    #[test]
    fn the_table_holds_the_powers_of_two() {
        for (i, &bits) in POW2.iter().enumerate() {
            let exact = (i as f64 / 32.0).exp2();
            let got = f64::from_bits(bits);
            assert!(
                (got - exact).abs() <= exact * f64::EPSILON,
                "2^({i}/32): {got} vs {exact}"
            );
        }
    }

    #[test]
    fn special_values() {
        assert_eq!(scalar(0.0), 1.0);
        assert_eq!(scalar(f32::NEG_INFINITY), 0.0);
        assert_eq!(scalar(f32::INFINITY), f32::INFINITY);
        assert!(scalar(f32::NAN).is_nan());
        assert_eq!(scalar(89.0), f32::INFINITY);
        assert_eq!(scalar(-104.0), 0.0);
        assert_eq!(scalar(-103.5).to_bits(), 1);
        assert_eq!(scalar(1.0), std::f32::consts::E);
    }
}
