//! The scalar formulas of the activations (Keras 3's
//! `keras/src/activations/activations.py`), and their derivatives.

/// The logistic function `1/(1+e⁻ˣ)`, evaluated without overflow for large |x|.
#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + eˣ)`, stable for any `x`.
#[inline]
pub(crate) fn softplus(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// The complementary error function, to a relative error below 1.2e-7
/// (the Chebyshev fit of Numerical Recipes' `erfcc`), in `f64`.
pub(crate) fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// SELU's constants (Klambauer et al., as Keras).
pub(crate) const SELU_ALPHA: f32 = 1.673_263_2;
/// SELU's scale.
pub(crate) const SELU_SCALE: f32 = 1.050_701;

/// The exact GELU `x·Φ(x)`, and its derivative `Φ(x) + x·φ(x)`.
pub(crate) fn gelu(x: f32) -> (f32, f32) {
    let x64 = f64::from(x);
    let cdf = 0.5 * erfc(-x64 / std::f64::consts::SQRT_2);
    let pdf = (-0.5 * x64 * x64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    ((x64 * cdf) as f32, (cdf + x64 * pdf) as f32)
}

/// GELU's tanh approximation `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, and
/// its derivative.
pub(crate) fn gelu_tanh(x: f32) -> (f32, f32) {
    let c = (2.0 / std::f32::consts::PI).sqrt();
    let u = c * (x + 0.044_715 * x * x * x);
    let t = u.tanh();
    let du = c * (1.0 + 3.0 * 0.044_715 * x * x);
    (
        0.5 * x * (1.0 + t),
        0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du,
    )
}

/// Mish `x·tanh(softplus(x))`, and its derivative.
pub(crate) fn mish(x: f32) -> (f32, f32) {
    let t = softplus(x).tanh();
    (x * t, t + x * (1.0 - t * t) * sigmoid(x))
}
