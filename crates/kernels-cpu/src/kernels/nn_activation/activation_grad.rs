//! The activations' gradients, each `(gradients, features or outputs)` of one shape:
//! `ReluGrad` and `Relu6Grad` (every real dtype), `EluGrad`, `SeluGrad`, `SoftplusGrad` and
//! `LeakyReluGrad` (floats), with TensorFlow's formulas.

use super::PARALLEL_MIN;
use super::simd::vectorized;
use super::widen::Widen;
use crate::kernels::numeric::{Numeric, for_float_types, for_numeric_types};
use num_traits::{Float, Zero};
use rayon::prelude::*;
use sessionflow_core::{
    AttrValue, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
};

/// Elements per task in parallel maps.
const CHUNK: usize = 1 << 13;

/// A kernel computing `f(gradient, value)` element by element.
struct ZipKernel<T, F> {
    f: F,
    _t: std::marker::PhantomData<T>,
}

impl<T: Numeric, F: Fn(T, T) -> T + Send + Sync> OpKernel for ZipKernel<T, F> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (g, x) = (ctx.input(0), ctx.input(1));
        if g.shape() != x.shape() {
            return Err(Status::invalid_argument(format!(
                "gradients and features must be the same shape: {} vs. {}",
                g.shape(),
                x.shape()
            )));
        }
        let shape = x.shape().clone();
        // The gradients are usually read by this kernel alone: the result then takes their
        // place, each element read before it is written.
        let (mut out, forwarded) = ctx.forward_input_or_allocate(&[0], T::DTYPE, &shape)?;
        let xs = ctx.input(1).as_slice::<T>()?;
        let os = out.as_mut_slice::<T>()?;
        let f = &self.f;
        let parallel = os.len() >= PARALLEL_MIN;
        if forwarded.is_some() {
            let apply = |(o, x): (&mut [T], &[T])| {
                vectorized(
                    #[inline(always)]
                    || o.iter_mut().zip(x).for_each(|(o, &x)| *o = f(*o, x)),
                )
            };
            if parallel {
                os.par_chunks_mut(CHUNK).zip(xs.par_chunks(CHUNK)).for_each(apply);
            } else {
                apply((os, xs));
            }
        } else {
            let gs = ctx.input(0).as_slice::<T>()?;
            let apply = |((o, g), x): ((&mut [T], &[T]), &[T])| {
                vectorized(
                    #[inline(always)]
                    || o.iter_mut().zip(g).zip(x).for_each(|((o, &g), &x)| *o = f(g, x)),
                )
            };
            if parallel {
                os.par_chunks_mut(CHUNK)
                    .zip(gs.par_chunks(CHUNK))
                    .zip(xs.par_chunks(CHUNK))
                    .for_each(apply);
            } else {
                apply(((os, gs), xs));
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn boxed<T: Numeric>(f: impl Fn(T, T) -> T + Send + Sync + 'static) -> Box<dyn OpKernel> {
    Box::new(ZipKernel { f, _t: std::marker::PhantomData })
}

/// `v` as the compute type of `T`.
fn wide<T: Widen>(v: f64) -> T::C {
    // Every constant used here is finite, so the conversion cannot fail.
    <T::C as num_traits::NumCast>::from(v).unwrap_or_else(T::C::zero)
}

fn elu_grad<T: Widen>(_: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(boxed(
        |g: T, y: T| {
            if y < T::ZERO { T::narrow(g.widen() * (y.widen() + wide::<T>(1.0))) } else { g }
        },
    ))
}

fn selu_grad<T: Widen>(_: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    // TensorFlow's constants.
    let scale = wide::<T>(1.050_700_987_355_480_5);
    let scale_alpha = wide::<T>(1.758_099_340_847_376_9);
    Ok(boxed(move |g: T, y: T| {
        let (g, y) = (g.widen(), y.widen());
        T::narrow(if y < T::C::zero() { g * (y + scale_alpha) } else { g * scale })
    }))
}

fn softplus_grad<T: Widen>(_: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(boxed(|g: T, x: T| T::narrow(g.widen() / ((-x.widen()).exp() + wide::<T>(1.0)))))
}

fn leaky_relu_grad<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let alpha = match node.attrs.get("alpha") {
        Some(AttrValue::Float(a)) => *a,
        _ => return Err(Status::invalid_argument("LeakyReluGrad requires a float attr 'alpha'")),
    };
    let alpha = T::from_f64(alpha as f64);
    Ok(boxed(move |g: T, x: T| if x > T::ZERO { g } else { Numeric::mul(g, alpha) }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg_real {
        ($t:ty, $d:ident) => {
            r.register("ReluGrad", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(boxed(
                    |g: $t, x: $t| {
                        if x > <$t as Numeric>::ZERO { g } else { <$t as Numeric>::ZERO }
                    },
                ))
            });
            r.register("Relu6Grad", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                let six = <$t as Numeric>::from_f64(6.0);
                Ok(boxed(move |g: $t, x: $t| {
                    if x > <$t as Numeric>::ZERO && x < six { g } else { <$t as Numeric>::ZERO }
                }))
            });
        };
    }
    for_numeric_types!(reg_real);
    macro_rules! reg_float {
        ($t:ty, $d:ident) => {
            let d = Some(DType::$d);
            r.register("EluGrad", DeviceType::CPU, d, elu_grad::<$t>);
            r.register("SeluGrad", DeviceType::CPU, d, selu_grad::<$t>);
            r.register("SoftplusGrad", DeviceType::CPU, d, softplus_grad::<$t>);
            r.register("LeakyReluGrad", DeviceType::CPU, d, leaky_relu_grad::<$t>);
        };
    }
    for_float_types!(reg_float);
}
