//! What each reduction computes: an accumulator type, its identity, how values enter it, how
//! two accumulators combine, and how the result leaves it. The engine only sees this trait,
//! so every loop is monomorphised per (reduction, dtype) and vectorises.

use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use sessionflow_core::Element;
use std::marker::PhantomData;

/// A reduction over one dtype.
pub(crate) trait Reducer: Send + Sync + 'static {
    type In: Element;
    type Acc: Copy + Send + Sync;
    type Out: Element;
    /// The identity of [`Reducer::combine`]: what a reduction of nothing gives.
    const INIT: Self::Acc;
    fn load(x: Self::In) -> Self::Acc;
    fn combine(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    /// The output for an accumulator that folded `count` values.
    fn finish(acc: Self::Acc, count: usize) -> Self::Out;
}

/// How a dtype sums: the accumulator (f32 for f16/bf16, so long sums do not stall; the type
/// itself otherwise, integers wrapping as TensorFlow's) and the accumulator for means (wide
/// for small integers, as TensorFlow's Mean, which does not overflow on int8/int16/int32).
pub(crate) trait SumElement: Numeric {
    type Acc: Copy + Send + Sync;
    type MeanAcc: Copy + Send + Sync;
    const ACC_ZERO: Self::Acc;
    const MEAN_ZERO: Self::MeanAcc;
    fn to_acc(self) -> Self::Acc;
    fn add_acc(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    fn from_acc(a: Self::Acc) -> Self;
    fn to_mean(self) -> Self::MeanAcc;
    fn add_mean(a: Self::MeanAcc, b: Self::MeanAcc) -> Self::MeanAcc;
    /// The mean: floats divide (0/0 is NaN); integers truncate towards zero, and an empty
    /// mean is 0 as in TensorFlow.
    fn mean(a: Self::MeanAcc, count: usize) -> Self;
}

macro_rules! float_sum {
    ($($t:ty),*) => {$(
        impl SumElement for $t {
            type Acc = $t;
            type MeanAcc = $t;
            const ACC_ZERO: $t = 0.0;
            const MEAN_ZERO: $t = 0.0;
            #[inline] fn to_acc(self) -> $t { self }
            #[inline] fn add_acc(a: $t, b: $t) -> $t { a + b }
            #[inline] fn from_acc(a: $t) -> $t { a }
            #[inline] fn to_mean(self) -> $t { self }
            #[inline] fn add_mean(a: $t, b: $t) -> $t { a + b }
            #[inline] fn mean(a: $t, count: usize) -> $t { a / count as $t }
        }
    )*};
}
float_sum!(f32, f64);

macro_rules! half_sum {
    ($($t:ty),*) => {$(
        impl SumElement for $t {
            type Acc = f32;
            type MeanAcc = f32;
            const ACC_ZERO: f32 = 0.0;
            const MEAN_ZERO: f32 = 0.0;
            #[inline] fn to_acc(self) -> f32 { self.to_f32() }
            #[inline] fn add_acc(a: f32, b: f32) -> f32 { a + b }
            #[inline] fn from_acc(a: f32) -> $t { <$t>::from_f32(a) }
            #[inline] fn to_mean(self) -> f32 { self.to_f32() }
            #[inline] fn add_mean(a: f32, b: f32) -> f32 { a + b }
            #[inline] fn mean(a: f32, count: usize) -> $t { <$t>::from_f32(a / count as f32) }
        }
    )*};
}
half_sum!(f16, bf16);

macro_rules! int_sum {
    ($($t:ty => $wide:ty),*) => {$(
        impl SumElement for $t {
            type Acc = $t;
            type MeanAcc = $wide;
            const ACC_ZERO: $t = 0;
            const MEAN_ZERO: $wide = 0;
            #[inline] fn to_acc(self) -> $t { self }
            #[inline] fn add_acc(a: $t, b: $t) -> $t { a.wrapping_add(b) }
            #[inline] fn from_acc(a: $t) -> $t { a }
            #[inline] fn to_mean(self) -> $wide { self as $wide }
            #[inline] fn add_mean(a: $wide, b: $wide) -> $wide { a.wrapping_add(b) }
            #[inline] fn mean(a: $wide, count: usize) -> $t {
                if count == 0 { 0 } else { (a / count as $wide) as $t }
            }
        }
    )*};
}
int_sum!(i8 => i64, i16 => i64, i32 => i64, i64 => i64, u8 => i64);

/// Max and min as TensorFlow's CPU kernels: a NaN anywhere gives NaN.
pub(crate) trait MinMax: Numeric {
    fn max_nan(a: Self, b: Self) -> Self;
    fn min_nan(a: Self, b: Self) -> Self;
}

macro_rules! int_minmax {
    ($($t:ty),*) => {$(
        impl MinMax for $t {
            #[inline] fn max_nan(a: $t, b: $t) -> $t { a.max(b) }
            #[inline] fn min_nan(a: $t, b: $t) -> $t { a.min(b) }
        }
    )*};
}
int_minmax!(i8, i16, i32, i64, u8);

macro_rules! float_minmax {
    ($($t:ty),*) => {$(
        impl MinMax for $t {
            // `a` stays when it is NaN (b > NaN is false); a NaN `b` is taken explicitly. The
            // non-short-circuit `|` keeps the select branch-free, so it vectorises.
            #[inline] fn max_nan(a: $t, b: $t) -> $t { if (b > a) | b.is_nan() { b } else { a } }
            #[inline] fn min_nan(a: $t, b: $t) -> $t { if (b < a) | b.is_nan() { b } else { a } }
        }
    )*};
}
float_minmax!(f32, f64, f16, bf16);

/// `Sum`.
pub(crate) struct Sum<T>(PhantomData<T>);
/// `Mean`.
pub(crate) struct Mean<T>(PhantomData<T>);
/// `Prod`: in the element type, as TensorFlow (f16 products round at every step).
pub(crate) struct Prod<T>(PhantomData<T>);
/// `Max`.
pub(crate) struct Max<T>(PhantomData<T>);
/// `Min`.
pub(crate) struct Min<T>(PhantomData<T>);
/// `All`.
pub(crate) struct All;
/// `Any`.
pub(crate) struct Any;

impl<T: SumElement> Reducer for Sum<T> {
    type In = T;
    type Acc = T::Acc;
    type Out = T;
    const INIT: T::Acc = T::ACC_ZERO;
    #[inline]
    fn load(x: T) -> T::Acc {
        x.to_acc()
    }
    #[inline]
    fn combine(a: T::Acc, b: T::Acc) -> T::Acc {
        T::add_acc(a, b)
    }
    #[inline]
    fn finish(acc: T::Acc, _: usize) -> T {
        T::from_acc(acc)
    }
}

impl<T: SumElement> Reducer for Mean<T> {
    type In = T;
    type Acc = T::MeanAcc;
    type Out = T;
    const INIT: T::MeanAcc = T::MEAN_ZERO;
    #[inline]
    fn load(x: T) -> T::MeanAcc {
        x.to_mean()
    }
    #[inline]
    fn combine(a: T::MeanAcc, b: T::MeanAcc) -> T::MeanAcc {
        T::add_mean(a, b)
    }
    #[inline]
    fn finish(acc: T::MeanAcc, count: usize) -> T {
        T::mean(acc, count)
    }
}

/// The reducers whose accumulator is the element itself.
macro_rules! plain_reducer {
    ($name:ident, $bound:ident, $init:ident, $combine:expr) => {
        impl<T: $bound> Reducer for $name<T> {
            type In = T;
            type Acc = T;
            type Out = T;
            const INIT: T = T::$init;
            #[inline]
            fn load(x: T) -> T {
                x
            }
            #[inline]
            fn combine(a: T, b: T) -> T {
                $combine(a, b)
            }
            #[inline]
            fn finish(acc: T, _: usize) -> T {
                acc
            }
        }
    };
}
plain_reducer!(Prod, Numeric, ONE, Numeric::mul);
plain_reducer!(Max, MinMax, LOWEST, MinMax::max_nan);
plain_reducer!(Min, MinMax, HIGHEST, MinMax::min_nan);

macro_rules! bool_reducer {
    ($name:ident, $init:expr, $op:tt) => {
        impl Reducer for $name {
            type In = bool;
            type Acc = bool;
            type Out = bool;
            const INIT: bool = $init;
            #[inline]
            fn load(x: bool) -> bool {
                x
            }
            #[inline]
            fn combine(a: bool, b: bool) -> bool {
                a $op b
            }
            #[inline]
            fn finish(acc: bool, _: usize) -> bool {
                acc
            }
        }
    };
}
bool_reducer!(All, true, &);
bool_reducer!(Any, false, |);
