use crate::kernels::numeric::Numeric;
use gemm::Parallelism;
use half::{bf16, f16};
use sessionflow_core::{
    AttrsExt, DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel,
    Result, Status, Tensor, TensorShape,
};
use std::marker::PhantomData;

/// Below this many multiply-adds a single thread is faster than waking the pool.
const PARALLEL_THRESHOLD: usize = 1 << 18;

/// The layout of one product: `out[m×n] = op(a)[m×k] · op(b)[k×n]`, row-major storage, with
/// `op` a transpose when requested. Strides are in elements: (row stride, column stride).
struct Product {
    m: usize,
    n: usize,
    k: usize,
    a_strides: (isize, isize),
    b_strides: (isize, isize),
}

impl Product {
    fn new(a: &TensorShape, b: &TensorShape, ta: bool, tb: bool) -> Result<Product> {
        if a.rank() != 2 || b.rank() != 2 {
            return Err(Status::invalid_argument(format!(
                "In[0] and In[1] must be matrices: In[0]: {a}, In[1]: {b}"
            )));
        }
        let (m, ka) = if ta { (a.dim(1), a.dim(0)) } else { (a.dim(0), a.dim(1)) };
        let (kb, n) = if tb { (b.dim(1), b.dim(0)) } else { (b.dim(0), b.dim(1)) };
        if ka != kb {
            return Err(Status::invalid_argument(format!(
                "Matrix size-incompatible: In[0]: {a}, In[1]: {b}"
            )));
        }
        let strides = |transposed: bool, cols: usize| -> (isize, isize) {
            if transposed { (1, cols as isize) } else { (cols as isize, 1) }
        };
        Ok(Product {
            m,
            n,
            k: ka,
            a_strides: strides(ta, a.dim(1)),
            b_strides: strides(tb, b.dim(1)),
        })
    }
}

/// How a dtype multiplies matrices: through `gemm` for f32/f64, by plain loops otherwise.
trait MatMulElement: Numeric {
    fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self]);
}

macro_rules! gemm_matmul {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self]) {
                let parallelism = if p.m * p.n * p.k >= PARALLEL_THRESHOLD {
                    Parallelism::Rayon(0)
                } else {
                    Parallelism::None
                };
                // SAFETY: Product::new checked that a holds m×k and b k×n elements under the
                // given strides, out holds m×n (allocated from the shape), and out does not
                // alias a or b (it is a fresh allocation).
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
            fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self]) {
                naive_matmul(p, a, b, out, |x| x, Numeric::add, Numeric::mul);
            }
        }
    )*};
}

loop_matmul!(i32, i64);

macro_rules! half_matmul {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            fn matmul(p: &Product, a: &[Self], b: &[Self], out: &mut [Self]) {
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

/// i-k-j loop order so the innermost loop walks `b` and `out` contiguously when untransposed.
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
    for i in 0..p.m {
        for kk in 0..p.k {
            let aik = load(a[at(i, kk, p.a_strides)]);
            for j in 0..p.n {
                let o = &mut out[i * p.n + j];
                *o = add(*o, mul(aik, load(b[at(kk, j, p.b_strides)])));
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
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new([p.m, p.n]))?;
        // With k = 0 the product is all zeros, which the fresh buffer already holds.
        if p.m > 0 && p.n > 0 && p.k > 0 {
            T::matmul(&p, a.as_slice()?, b.as_slice()?, out.as_mut_slice()?);
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
