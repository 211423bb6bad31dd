//! Reading the index inputs and attrs of array kernels, and splitting work across threads.

use rayon::prelude::*;
use sessionflow_core::{AttrValue, NodeView, Result, Status};

/// Outputs with more elements than this are filled by rayon's threads in blocks.
pub(crate) const PARALLEL_MIN: usize = 32 * 1024;

/// Elements per parallel block: large enough to amortise scheduling.
const BLOCK_ELEMENTS: usize = 16 * 1024;

pub(crate) use crate::kernels::util::read_ints as read_index;

/// An int attr of the node.
pub(crate) fn attr_int(node: &NodeView<'_>, name: &str) -> Result<i64> {
    match node.attrs.get(name) {
        Some(AttrValue::Int(v)) => Ok(*v),
        _ => Err(Status::invalid_argument(format!("{} needs an int attr '{name}'", node.op))),
    }
}

/// A list(int) attr of the node.
pub(crate) fn attr_ints(node: &NodeView<'_>, name: &str) -> Result<Vec<i64>> {
    match node.attrs.get(name) {
        Some(AttrValue::ListInt(v)) => Ok(v.clone()),
        _ => Err(Status::invalid_argument(format!("{} needs a list(int) attr '{name}'", node.op))),
    }
}

/// A string attr of the node.
pub(crate) fn attr_string(node: &NodeView<'_>, name: &str) -> Result<String> {
    match node.attrs.get(name) {
        Some(AttrValue::String(v)) => Ok(v.clone()),
        _ => Err(Status::invalid_argument(format!("{} needs a string attr '{name}'", node.op))),
    }
}

/// Row-major element strides of `dims`.
pub(crate) fn strides_of(dims: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * dims[i + 1];
    }
    strides
}

/// Calls `f(first_row, block)` on consecutive blocks of whole `row_len`-element rows that
/// cover `out`, on rayon's threads when `out` is large.
pub(crate) fn for_row_blocks<T: Send>(
    out: &mut [T],
    row_len: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    for_row_blocks_of(out, row_len, 1, f);
}

/// [`for_row_blocks`] with at least `min_rows` rows per block (but the last).
pub(crate) fn for_row_blocks_of<T: Send>(
    out: &mut [T],
    row_len: usize,
    min_rows: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    if out.is_empty() {
        return;
    }
    if out.len() < PARALLEL_MIN || row_len == 0 || row_len >= out.len() {
        f(0, out);
        return;
    }
    let rows_per_block = BLOCK_ELEMENTS.div_ceil(row_len).max(min_rows);
    out.par_chunks_mut(rows_per_block * row_len)
        .enumerate()
        .for_each(|(i, block)| f(i * rows_per_block, block));
}
