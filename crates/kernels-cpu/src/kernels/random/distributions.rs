//! The distributions, turning Philox words into values exactly as TensorFlow's
//! `random_distributions.h` describes: uniform floats from random mantissa bits, normals by
//! Box–Muller, truncated normals by rejection beyond two standard deviations, and integers by
//! remainder.

use super::philox::{Philox, SingleSample};
use half::{bf16, f16};
use sessionflow_core::Element;
use std::f64::consts::PI;

/// A distribution: fills groups of outputs, each group from its own generator position.
pub(crate) trait Distribution: Send + Sync + 'static {
    type Elem: Element;
    /// Outputs per group.
    const GROUP: usize;
    /// Philox blocks set aside per group: one for the fixed-cost distributions, 256 per
    /// output word for rejection sampling (TF's `kReservedSamplesPerOutput`).
    const BLOCKS_PER_GROUP: u64;
    /// Fills `out` (at most `GROUP` elements) from `rng`, positioned at the group's blocks.
    fn fill_group(&self, rng: &mut Philox, out: &mut [Self::Elem]);
}

/// A float in [0, 1) from 23 random mantissa bits.
#[inline]
fn unit_f32(x: u32) -> f32 {
    f32::from_bits((127 << 23) | (x & 0x7f_ffff)) - 1.0
}

/// A double in [0, 1) from 52 random mantissa bits (20 from `hi`, 32 from `lo`).
#[inline]
fn unit_f64(hi: u32, lo: u32) -> f64 {
    let mantissa = (u64::from(hi & 0xf_ffff) << 32) | u64::from(lo);
    f64::from_bits((1023 << 52) | mantissa) - 1.0
}

/// Two standard normals from two words (Box–Muller in float32, as TF computes it: the angle
/// is formed in double precision, then rounded).
#[inline]
fn box_muller_f32(x0: u32, x1: u32) -> [f32; 2] {
    let u1 = unit_f32(x0).max(1.0e-7);
    let v1 = (2.0 * PI * f64::from(unit_f32(x1))) as f32;
    let u2 = (-2.0 * u1.ln()).sqrt();
    let (s, c) = v1.sin_cos();
    [s * u2, c * u2]
}

/// Two standard normals from four words, in double precision.
#[inline]
fn box_muller_f64(x: [u32; 4]) -> [f64; 2] {
    let u1 = unit_f64(x[0], x[1]).max(1.0e-7);
    let v1 = 2.0 * PI * unit_f64(x[2], x[3]);
    let u2 = (-2.0 * u1.ln()).sqrt();
    let (s, c) = v1.sin_cos();
    [s * u2, c * u2]
}

/// Uniform in [0, 1).
pub(crate) struct Uniform<T>(std::marker::PhantomData<T>);

impl<T> Uniform<T> {
    pub(crate) fn new() -> Self {
        Uniform(std::marker::PhantomData)
    }
}

macro_rules! uniform_4 {
    ($t:ty, $conv:expr) => {
        impl Distribution for Uniform<$t> {
            type Elem = $t;
            const GROUP: usize = 4;
            const BLOCKS_PER_GROUP: u64 = 1;
            #[inline]
            fn fill_group(&self, rng: &mut Philox, out: &mut [$t]) {
                let words = rng.next_block();
                for (o, &w) in out.iter_mut().zip(&words) {
                    *o = $conv(w);
                }
            }
        }
    };
}
uniform_4!(f32, unit_f32);
// Half types: 10 (7) random mantissa bits from the low 16 bits of each word.
uniform_4!(f16, |w: u32| f16::from_bits((15 << 10) | (w as u16 & 0x3ff)) - f16::ONE);
uniform_4!(bf16, |w: u32| bf16::from_bits((127 << 7) | (w as u16 & 0x7f)) - bf16::ONE);

impl Distribution for Uniform<f64> {
    type Elem = f64;
    const GROUP: usize = 2;
    const BLOCKS_PER_GROUP: u64 = 1;
    #[inline]
    fn fill_group(&self, rng: &mut Philox, out: &mut [f64]) {
        let w = rng.next_block();
        for (i, o) in out.iter_mut().enumerate() {
            *o = unit_f64(w[2 * i], w[2 * i + 1]);
        }
    }
}

/// Standard normal.
pub(crate) struct Normal<T>(std::marker::PhantomData<T>);

impl<T> Normal<T> {
    pub(crate) fn new() -> Self {
        Normal(std::marker::PhantomData)
    }
}

macro_rules! normal_via_f32 {
    ($t:ty, $conv:expr) => {
        impl Distribution for Normal<$t> {
            type Elem = $t;
            const GROUP: usize = 4;
            const BLOCKS_PER_GROUP: u64 = 1;
            #[inline]
            fn fill_group(&self, rng: &mut Philox, out: &mut [$t]) {
                let w = rng.next_block();
                let [a, b] = box_muller_f32(w[0], w[1]);
                let [c, d] = box_muller_f32(w[2], w[3]);
                for (o, v) in out.iter_mut().zip([a, b, c, d]) {
                    *o = $conv(v);
                }
            }
        }
    };
}
normal_via_f32!(f32, |v: f32| v);
normal_via_f32!(f16, f16::from_f32);
normal_via_f32!(bf16, bf16::from_f32);

impl Distribution for Normal<f64> {
    type Elem = f64;
    const GROUP: usize = 2;
    const BLOCKS_PER_GROUP: u64 = 1;
    #[inline]
    fn fill_group(&self, rng: &mut Philox, out: &mut [f64]) {
        let v = box_muller_f64(rng.next_block());
        for (o, v) in out.iter_mut().zip(v) {
            *o = v;
        }
    }
}

/// Standard normal restricted to (-2, 2): samples outside are drawn again.
pub(crate) struct TruncatedNormal<T>(std::marker::PhantomData<T>);

impl<T> TruncatedNormal<T> {
    pub(crate) fn new() -> Self {
        TruncatedNormal(std::marker::PhantomData)
    }
}

/// Rejection sampling from `(word, word) -> [f; 2]` pairs until `out` is full.
#[inline]
fn fill_truncated<F: Copy + Into<f64>, T>(
    rng: &mut Philox,
    out: &mut [T],
    sample: impl Fn(&mut SingleSample<'_>) -> [F; 2],
    conv: impl Fn(F) -> T,
) {
    let mut src = SingleSample::new(rng);
    let mut filled = 0;
    while filled < out.len() {
        for v in sample(&mut src) {
            if v.into().abs() < 2.0 && filled < out.len() {
                out[filled] = conv(v);
                filled += 1;
            }
        }
    }
}

macro_rules! truncated_via_f32 {
    ($t:ty, $conv:expr) => {
        impl Distribution for TruncatedNormal<$t> {
            type Elem = $t;
            const GROUP: usize = 4;
            const BLOCKS_PER_GROUP: u64 = 4 * 256 / 4;
            fn fill_group(&self, rng: &mut Philox, out: &mut [$t]) {
                let pair = |s: &mut SingleSample<'_>| {
                    let x0 = s.next_word();
                    let x1 = s.next_word();
                    box_muller_f32(x0, x1)
                };
                fill_truncated(rng, out, pair, $conv);
            }
        }
    };
}
truncated_via_f32!(f32, |v: f32| v);
truncated_via_f32!(f16, f16::from_f32);
truncated_via_f32!(bf16, bf16::from_f32);

impl Distribution for TruncatedNormal<f64> {
    type Elem = f64;
    const GROUP: usize = 2;
    const BLOCKS_PER_GROUP: u64 = 2 * 256 / 4;
    fn fill_group(&self, rng: &mut Philox, out: &mut [f64]) {
        let quad = |s: &mut SingleSample<'_>| {
            box_muller_f64([s.next_word(), s.next_word(), s.next_word(), s.next_word()])
        };
        fill_truncated(rng, out, quad, |v| v);
    }
}

/// Uniform integers in `[lo, lo + range)`, by remainder (TF's; slightly biased for ranges
/// that do not divide 2^32 or 2^64).
pub(crate) struct UniformInt<T> {
    pub(crate) lo: T,
    pub(crate) range: u64,
}

impl Distribution for UniformInt<i32> {
    type Elem = i32;
    const GROUP: usize = 4;
    const BLOCKS_PER_GROUP: u64 = 1;
    #[inline]
    fn fill_group(&self, rng: &mut Philox, out: &mut [i32]) {
        let w = rng.next_block();
        let range = self.range as u32;
        for (o, &x) in out.iter_mut().zip(&w) {
            *o = self.lo.wrapping_add((x % range) as i32);
        }
    }
}

impl Distribution for UniformInt<i64> {
    type Elem = i64;
    const GROUP: usize = 2;
    const BLOCKS_PER_GROUP: u64 = 1;
    #[inline]
    fn fill_group(&self, rng: &mut Philox, out: &mut [i64]) {
        let w = rng.next_block();
        for (i, o) in out.iter_mut().enumerate() {
            let bits = u64::from(w[2 * i]) | (u64::from(w[2 * i + 1]) << 32);
            *o = self.lo.wrapping_add((bits % self.range) as i64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_conversions_cover_zero_to_one() {
        assert_eq!(unit_f32(0), 0.0);
        assert_eq!(unit_f32(u32::MAX), 1.0 - f32::EPSILON);
        assert_eq!(unit_f64(0, 0), 0.0);
        assert_eq!(unit_f64(u32::MAX, u32::MAX), 1.0 - f64::EPSILON);
    }

    #[test]
    fn box_muller_clamps_the_logarithm() {
        // u1 = 0 would give an infinite radius; it is clamped to 1e-7.
        let [s, c] = box_muller_f32(0, 0);
        assert_eq!(s, 0.0);
        assert!((c - (-2.0 * 1.0e-7f32.ln()).sqrt()).abs() < 1e-5);
    }
}
