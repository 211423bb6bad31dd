//! A vectorisable `exp` for f32: the loops over rows that softmax, the losses and the
//! exponential activations run become SIMD code, where the C library's `expf` would be one
//! call per element. Accurate to about 1 ulp (Cephes' `expf` polynomial), with the C
//! library's results at the edges: NaN stays NaN, large arguments give +∞, very negative
//! ones 0 (through the subnormal range).

/// `x · log2(e)` is rounded to an integer `n` by adding and subtracting this (1.5 · 2²³),
/// which works in the default rounding mode for `|x · log2(e)| < 2²²`.
const ROUND: f32 = 12_582_912.0;
/// Above this `exp` overflows f32.
const HI: f32 = 88.722_84;
/// Below this `exp` underflows to 0 even as a subnormal.
const LO: f32 = -103.972_08;

/// `2^k` for `k` in `[-126, 127]`.
#[inline(always)]
fn pow2(k: i32) -> f32 {
    f32::from_bits((k.wrapping_add(127) as u32) << 23)
}

/// `e^x`, branch-free so that loops over slices vectorise.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    let xc = x.clamp(LO, HI);
    // n = round(x / ln 2), as the low bits of `t`.
    let t = xc * std::f32::consts::LOG2_E + ROUND;
    let n = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let nf = t - ROUND;
    // r = x − n·ln 2 in two parts (Cody–Waite), |r| <= ln 2 / 2.
    let r = xc - nf * 0.693_359_4 - nf * -2.121_944_4e-4;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // 2^n in two factors, so that n = 128 and subnormal results are both reached.
    // (Wrapping: for a NaN argument n is garbage, and the result NaN anyway.)
    let half = n >> 1;
    let y = y * pow2(half) * pow2(n.wrapping_sub(half));
    if x > HI {
        f32::INFINITY
    } else if x < LO {
        0.0
    } else {
        y
    }
}

/// `e^x` by the fastest accurate route for each float type: [`exp_f32`] for f32 and, rounded
/// once, for f16/bf16 (as Eigen's half `exp`, which computes in float); the C library for f64.
pub(crate) trait Exp: Copy {
    fn exp_v(self) -> Self;
}

impl Exp for f32 {
    #[inline(always)]
    fn exp_v(self) -> f32 {
        exp_f32(self)
    }
}

impl Exp for f64 {
    #[inline(always)]
    fn exp_v(self) -> f64 {
        self.exp()
    }
}

impl Exp for half::f16 {
    #[inline(always)]
    fn exp_v(self) -> Self {
        half::f16::from_f32(exp_f32(self.to_f32()))
    }
}

impl Exp for half::bf16 {
    #[inline(always)]
    fn exp_v(self) -> Self {
        half::bf16::from_f32(exp_f32(self.to_f32()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_to_the_c_library() {
        let mut worst = 0f64;
        let mut x = -103.0f32;
        while x < 88.7 {
            let (got, want) = (exp_f32(x) as f64, (x as f64).exp());
            if want > f32::MIN_POSITIVE as f64 {
                worst = worst.max(((got - want) / want).abs());
            }
            x += 0.013;
        }
        // Within two f32 ulps (2⁻²³ ≈ 1.2e-7 each).
        assert!(worst < 2.4e-7, "relative error {worst}");
    }

    #[test]
    fn edges() {
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert_eq!(exp_f32(-110.0), 0.0);
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(88.72).is_finite());
        // Subnormal results keep few bits: within two steps of the smallest subnormal.
        let sub = exp_f32(-100.0) as f64;
        assert!(sub > 0.0 && (sub - (-100f64).exp()).abs() <= 2.0 * 1.4e-45, "{sub}");
    }
}
