//! `_FusedMatMul`: `MatMul` with a bias and activation applied to each block of product rows as
//! it is computed. bf16 and f16 compute in f32, as TensorFlow's CPU kernel.

use super::fused_ops::{FusedOps, Host};
use crate::kernels::nn_conv::{Epilogue, GemmElement, Mat, Widen};
use half::{bf16, f16};
use num_traits::Float;
use rayon::prelude::*;
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape, pool_is_awake,
};
use std::marker::PhantomData;

/// Product rows per block: a block's output stays in cache for its epilogue.
const BLOCK_ROWS: usize = 64;
/// Below this many multiply-adds the product runs on the calling thread.
const PARALLEL_MACS: usize = 1 << 17;
/// Products of more than one block of rows and at most this many are split by columns
/// (see `GemmElement::gemm_column_stripes`).
const STRIPED_MAX_ROWS: usize = 4 * BLOCK_ROWS;
/// ... when they have at least twice this many columns.
const STRIPED_MIN_COLUMNS: usize = 64;
/// Products of at most this many rows (a classifier's batch of one) are split by columns too,
/// while the pool is awake, from [`VECTOR_PARALLEL_MACS`] on: otherwise one thread computes
/// them, and reading the weights is most of their time. MobileNetV2's head (1×1280 by 1280×100)
/// took 7 µs so in `gemm`; in two stripes of the one-row loop (`GemmElement`) ~2 µs alone, ~4.7
/// traced within the model.
const VECTOR_MAX_ROWS: usize = 8;
/// See [`VECTOR_MAX_ROWS`]; the convolutions split from the same size while the pool is awake.
const VECTOR_PARALLEL_MACS: usize = 1 << 14;
/// Columns at least for the split of [`VECTOR_MAX_ROWS`] products: two stripes.
const VECTOR_MIN_COLUMNS: usize = 32;

struct FusedMatMulKernel<T> {
    transpose_a: bool,
    transpose_b: bool,
    fused: FusedOps,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for FusedMatMulKernel<T>
where
    T::Wide: Float,
{
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        let (&[ar, ac], &[br, bc]) = (a.shape().dims(), b.shape().dims()) else {
            return Err(Status::invalid_argument(format!(
                "In[0] and In[1] must be 2-dimensional: {} {}",
                a.shape(),
                b.shape()
            )));
        };
        let (m, k) = if self.transpose_a { (ac, ar) } else { (ar, ac) };
        let (k_b, n) = if self.transpose_b { (bc, br) } else { (br, bc) };
        if k != k_b {
            return Err(Status::invalid_argument(format!(
                "Matrix size-incompatible: In[0]: {}, In[1]: {}",
                a.shape(),
                b.shape()
            )));
        }
        let args: Vec<&Tensor> = (2..ctx.num_inputs()).map(|i| ctx.input(i)).collect();
        let epilogue = self
            .fused
            .epilogue(&args, n, |t| Ok(t.as_slice::<T>()?.iter().map(|&v| v.widen()).collect()))?;
        let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, TensorShape::new([m, n]))?;
        if m > 0 && n > 0 {
            let (x, y) = (T::widen_slice(a.as_slice()?), T::widen_slice(b.as_slice()?));
            // Row r of op(a) and the (k × n) view of op(b), as strided matrices.
            let a_view = |r: usize| {
                if self.transpose_a { Mat { offset: r, rs: 1, cs: m } } else { Mat::rows(r * k, k) }
            };
            let b_view =
                if self.transpose_b { Mat { offset: 0, rs: 1, cs: k } } else { Mat::rows(0, n) };
            let macs = m.saturating_mul(n).saturating_mul(k);
            let parallel = macs >= PARALLEL_MACS;
            T::with_wide_out(out.as_mut_slice()?, |o| {
                // A few blocks of rows (a training batch), or a few rows while the pool is awake:
                // whole-height column stripes instead.
                let striped_rows = parallel
                    && m > BLOCK_ROWS
                    && m <= STRIPED_MAX_ROWS
                    && n >= 2 * STRIPED_MIN_COLUMNS;
                let vector_rows = m <= VECTOR_MAX_ROWS
                    && n >= VECTOR_MIN_COLUMNS
                    && macs >= VECTOR_PARALLEL_MACS
                    && pool_is_awake();
                if (striped_rows || vector_rows)
                    && k > 0
                    && T::Wide::gemm_column_stripes(
                        m,
                        n,
                        k,
                        &x,
                        a_view(0),
                        &y,
                        b_view,
                        o,
                        &|c0, values| epilogue.apply(c0, values),
                    )
                {
                    return;
                }
                let block = |(i, rows): (usize, &mut [T::Wide])| {
                    let first = i * BLOCK_ROWS;
                    let count = rows.len() / n;
                    if k == 0 {
                        rows.fill(<T::Wide as num_traits::Zero>::zero());
                    } else if parallel && m <= BLOCK_ROWS {
                        T::Wide::gemm(
                            count,
                            n,
                            k,
                            &x,
                            a_view(first),
                            &y,
                            b_view,
                            rows,
                            Mat::rows(0, n),
                        );
                    } else {
                        T::Wide::gemm_serial(
                            count,
                            n,
                            k,
                            &x,
                            a_view(first),
                            &y,
                            b_view,
                            rows,
                            Mat::rows(0, n),
                        );
                    }
                    for row in rows.chunks_exact_mut(n) {
                        epilogue.apply(0, row);
                    }
                };
                if parallel && m > BLOCK_ROWS {
                    o.par_chunks_mut(BLOCK_ROWS * n).enumerate().for_each(block);
                } else {
                    o.chunks_mut(BLOCK_ROWS * n).enumerate().for_each(block);
                }
            });
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>>
where
    T::Wide: Float,
{
    Ok(Box::new(FusedMatMulKernel::<T> {
        transpose_a: node.attrs.get_bool("transpose_a")?,
        transpose_b: node.attrs.get_bool("transpose_b")?,
        fused: FusedOps::from_node(node, Host::MatMul)?,
        _t: PhantomData,
    }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    let op = "_FusedMatMul";
    r.register(op, DeviceType::CPU, Some(DType::Float32), factory::<f32>);
    r.register(op, DeviceType::CPU, Some(DType::Float16), factory::<f16>);
    r.register(op, DeviceType::CPU, Some(DType::BFloat16), factory::<bf16>);
}
