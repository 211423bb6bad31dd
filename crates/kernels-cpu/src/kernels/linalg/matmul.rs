use super::transpose::transpose_into;
use crate::kernels::nn_conv::{GemmElement, Mat};
use crate::kernels::numeric::Numeric;
use gemm::Parallelism;
use half::{bf16, f16};
use sessionflow_core::{
    AttrsExt, DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel,
    Result, Status, Tensor, TensorShape,
};
use std::marker::PhantomData;

/// Below this many multiply-adds a single thread is faster than waking the pool: a product of
/// 128×512 by 512×10 (655k) took 17 µs on one thread and 29 µs on two.
const PARALLEL_THRESHOLD: usize = 1 << 20;

/// With `transpose_b`, products of at least this many rows and this depth transpose `b` into
/// scratch first (see [`MatMulElement::PREFERS_PLAIN_B`]).
const TRANSPOSE_B_MIN_ROWS: usize = 32;
const TRANSPOSE_B_MIN_DEPTH: usize = 64;

/// The layout of one product: `out[m×n] = op(a)[m×k] · op(b)[k×n]`, row-major storage, with
/// `op` a transpose when requested. Strides are in elements: (row stride, column stride).
#[derive(Clone, Copy, Debug)]
pub(super) struct Product {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    a_strides: (isize, isize),
    b_strides: (isize, isize),
}

impl Product {
    /// The product of matrices stored as `a` (rows, cols) and `b` (rows, cols), transposed
    /// first as asked; `None` when the inner dimensions differ.
    pub(super) fn from_dims(
        a: (usize, usize),
        b: (usize, usize),
        ta: bool,
        tb: bool,
    ) -> Option<Product> {
        let (m, ka) = if ta { (a.1, a.0) } else { a };
        let (kb, n) = if tb { (b.1, b.0) } else { b };
        let strides = |transposed: bool, cols: usize| -> (isize, isize) {
            if transposed { (1, cols as isize) } else { (cols as isize, 1) }
        };
        (ka == kb).then(|| Product {
            m,
            n,
            k: ka,
            a_strides: strides(ta, a.1),
            b_strides: strides(tb, b.1),
        })
    }

    fn new(a: &TensorShape, b: &TensorShape, ta: bool, tb: bool) -> Result<Product> {
        if a.rank() != 2 || b.rank() != 2 {
            return Err(Status::invalid_argument(format!(
                "In[0] and In[1] must be matrices: In[0]: {a}, In[1]: {b}"
            )));
        }
        Product::from_dims((a.dim(0), a.dim(1)), (b.dim(0), b.dim(1)), ta, tb).ok_or_else(|| {
            Status::invalid_argument(format!("Matrix size-incompatible: In[0]: {a}, In[1]: {b}"))
        })
    }

    /// Multiply-adds in the product, to decide on threads.
    pub(super) fn work(&self) -> usize {
        self.m.saturating_mul(self.n).saturating_mul(self.k)
    }

    /// Whether the product is big enough for several threads.
    pub(super) fn is_large(&self) -> bool {
        self.work() >= PARALLEL_THRESHOLD
    }
}

/// How a dtype multiplies matrices: through `gemm` for f32/f64, by plain loops otherwise.
/// `a` holds op(a) as laid out by the product, `b` likewise, `out` exactly m×n values, all
/// overwritten (their contents before are ignored); with `parallel` the product may use the
/// rayon pool.
pub(super) trait MatMulElement: Numeric {
    /// Whether a product with `transpose_b` is faster with `b` transposed into scratch first.
    /// True for `gemm`: for a row-major output it packs `b` as its left operand, which is
    /// quick from `b` as stored and slow from `b` transposed (one element from each of many
    /// rows, rows a power of two apart landing in the same cache sets): 128×512 by (512×512)ᵀ
    /// took 860 µs on one thread, against 90 µs to transpose plus 290 µs for the plain product.
    const PREFERS_PLAIN_B: bool = false;

    fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self], parallel: bool);
}

macro_rules! gemm_matmul {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            const PREFERS_PLAIN_B: bool = true;

            fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self], parallel: bool) {
                if p.m == 1 && p.b_strides.1 == 1 {
                    // One row by a row-major matrix: the convolutions' vector loop, which
                    // `gemm` is slower than there (see `nn_conv::gemm`).
                    let (rs, cs) = (p.a_strides.0 as usize, p.a_strides.1 as usize);
                    <$t as GemmElement>::gemm_serial(
                        1, p.n, p.k,
                        a, Mat { offset: 0, rs, cs },
                        b, Mat::rows(0, p.n),
                        out, Mat::rows(0, p.n),
                    );
                    return;
                }
                let parallelism = if parallel && p.is_large() {
                    Parallelism::Rayon(0)
                } else {
                    Parallelism::None
                };
                // SAFETY: the callers build the product from the shapes of a and b, so a holds
                // m×k and b k×n elements under the given strides; out holds m×n (allocated from
                // the output shape) and does not alias a or b (it is a fresh allocation).
                unsafe {
                    gemm::gemm(
                        p.m, p.n, p.k,
                        out.as_mut_ptr(), 1, p.n as isize,
                        false,
                        a.as_ptr(), p.a_strides.1, p.a_strides.0,
                        b.as_ptr(), p.b_strides.1, p.b_strides.0,
                        0.0, 1.0,
                        false, false, false,
                        parallelism,
                    );
                }
            }
        }
    )*};
}

gemm_matmul!(f32, f64);

macro_rules! loop_matmul {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self], _: bool) {
                // The loops accumulate into `out`.
                out.fill(Self::ZERO);
                naive_matmul(p, a, b, out, |x| x, Numeric::add, Numeric::mul);
            }
        }
    )*};
}

loop_matmul!(i16, i32, i64);

macro_rules! half_matmul {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self], _: bool) {
                // Accumulate in f32 and round once, as TensorFlow does for half types.
                let mut acc = vec![0f32; out.len()];
                naive_matmul(p, a, b, &mut acc, <$t>::to_f32, |x, y| x + y, |x, y| x * y);
                for (o, v) in out.iter_mut().zip(acc) {
                    *o = <$t>::from_f32(v);
                }
            }
        }
    )*};
}

half_matmul!(f16, bf16);

/// i-k-j loop order: when `b` is stored untransposed the innermost loop walks a row of `b`
/// and a row of `out` contiguously, and vectorises.
#[allow(clippy::too_many_arguments)]
fn naive_matmul<T: Copy, A: Copy>(
    p: &Product,
    a: &[T],
    b: &[T],
    out: &mut [A],
    load: impl Fn(T) -> A,
    add: impl Fn(A, A) -> A,
    mul: impl Fn(A, A) -> A,
) {
    let at =
        |i: usize, j: usize, (rs, cs): (isize, isize)| (i as isize * rs + j as isize * cs) as usize;
    for (i, out_row) in out.chunks_mut(p.n).enumerate() {
        for kk in 0..p.k {
            let aik = load(a[at(i, kk, p.a_strides)]);
            if p.b_strides.1 == 1 {
                let b_row = &b[kk * p.n..][..p.n];
                for (o, &bv) in out_row.iter_mut().zip(b_row) {
                    *o = add(*o, mul(aik, load(bv)));
                }
            } else {
                for (j, o) in out_row.iter_mut().enumerate() {
                    *o = add(*o, mul(aik, load(b[at(kk, j, p.b_strides)])));
                }
            }
        }
    }
}

struct MatMulKernel<T> {
    transpose_a: bool,
    transpose_b: bool,
    _t: PhantomData<T>,
}

impl<T: MatMulElement> OpKernel for MatMulKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        let p = Product::new(a.shape(), b.shape(), self.transpose_a, self.transpose_b)?;
        let shape = TensorShape::new([p.m, p.n]);
        let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, shape)?;
        if p.k == 0 {
            // A sum of no products.
            out.as_mut_slice::<T>()?.fill(T::ZERO);
        } else if p.m > 0 && p.n > 0 {
            if T::PREFERS_PLAIN_B
                && self.transpose_b
                && p.m >= TRANSPOSE_B_MIN_ROWS
                && p.k >= TRANSPOSE_B_MIN_DEPTH
            {
                // b is stored n×k; its transpose k×n makes the product a plain one.
                let mut plain_b =
                    Tensor::for_overwrite(ctx.allocator(), T::DTYPE, TensorShape::new([p.k, p.n]))?;
                transpose_into(b.as_slice::<T>()?, p.n, p.k, plain_b.as_mut_slice()?);
                let a_dims = (a.shape().dim(0), a.shape().dim(1));
                let plain = Product::from_dims(a_dims, (p.k, p.n), self.transpose_a, false)
                    .ok_or_else(|| Status::internal("MatMul: transposed operand lost its shape"))?;
                T::matmul(&plain, a.as_slice()?, plain_b.as_slice()?, out.as_mut_slice()?, true);
            } else {
                T::matmul(&p, a.as_slice()?, b.as_slice()?, out.as_mut_slice()?, true);
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn factory<T: MatMulElement>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(MatMulKernel::<T> {
        transpose_a: node.attrs.get_bool("transpose_a")?,
        transpose_b: node.attrs.get_bool("transpose_b")?,
        _t: PhantomData,
    }))
}

pub(crate) fn register(r: &mut KernelRegistry) {
    fn reg<T: MatMulElement + Element>(r: &mut KernelRegistry, d: DType) {
        debug_assert_eq!(T::DTYPE, d);
        r.register("MatMul", DeviceType::CPU, Some(d), factory::<T>);
    }
    reg::<f32>(r, DType::Float32);
    reg::<f64>(r, DType::Float64);
    reg::<f16>(r, DType::Float16);
    reg::<bf16>(r, DType::BFloat16);
    reg::<i32>(r, DType::Int32);
    reg::<i64>(r, DType::Int64);
}
