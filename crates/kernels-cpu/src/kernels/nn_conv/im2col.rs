//! 2-D convolution in NHWC as matrix products: each output pixel's receptive field is copied
//! into a row of a patch matrix (im2col), which multiplies the filter viewed as a
//! `[KH·KW·C/groups, OC]` matrix. 1×1 stride-1 convolutions and windows covering the whole
//! image need no copy: the input already is the patch matrix.
//!
//! Output rows (pixels) are computed in blocks small enough to stay in cache, blocks in
//! parallel: each block copies its patches, multiplies on one thread, and runs the epilogue
//! (bias, activation) over its rows while they are still hot.

use super::direct;
use super::epilogue::Epilogue;
use super::gemm::{GemmElement, Mat, with_scratch};
use super::params::Axis;
use rayon::prelude::*;
use sessionflow_core::{Allocator, Result, pool_is_awake};
use std::sync::Arc;

/// Patch-matrix elements built per pass (2 MiB of f32). The patches are scratch memory from the
/// device's allocator, counted in the session's peak: 8 MiB passes ran 3×3 convolutions ~20%
/// faster in benches/conv2d, but made a small conv net's peak exceed TensorFlow's.
const PATCH_BUDGET: usize = 1 << 19;
/// Elements of patches plus outputs one block aims to keep in a core's L2 cache (256 KiB of
/// f32).
const BLOCK_BUDGET: usize = 1 << 16;
/// Bounds on a block's rows: enough for `gemm` to reach its speed, few enough to share work.
const MIN_BLOCK_ROWS: usize = 16;
const MAX_BLOCK_ROWS: usize = 512;
/// Below this many multiply-adds a convolution runs on the calling thread.
const PARALLEL_MACS: usize = 1 << 17;

/// The sizes of one convolution, in NHWC terms (validated by the kernel).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvGeometry {
    pub batch: usize,
    pub rows: Axis,
    pub cols: Axis,
    pub in_depth: usize,
    /// Input channels per group (the filter's third dimension).
    pub filter_depth: usize,
    pub out_depth: usize,
    pub groups: usize,
}

impl ConvGeometry {
    /// Input channels seen by one output pixel of one group, times the window: the `k` of
    /// each group's product.
    fn group_k(&self) -> usize {
        self.rows.window * self.cols.window * self.filter_depth
    }
}

/// Where the rows of the `A` operand come from.
#[derive(Clone, Copy)]
enum Source {
    /// Output row `r` reads input row `r` (1×1 stride-1 unpadded convolutions: pixels; whole
    /// windows: images), `k_total` elements each.
    Direct,
    /// Patches copied into scratch.
    Patches,
}

/// `out[N,OH,OW,OC] = epilogue(conv(input[N,H,W,C], filter[KH,KW,C/groups,OC]))`; `out` is
/// overwritten.
pub(crate) fn conv_nhwc<W: GemmElement, E: Epilogue<W>>(
    g: &ConvGeometry,
    input: &[W],
    filter: &[W],
    out: &mut [W],
    allocator: &Arc<dyn Allocator>,
    epilogue: &E,
) -> Result<()> {
    let (rows, cols) = (&g.rows, &g.cols);
    let total_rows = g.batch * rows.output * cols.output;
    let k_total = g.group_k() * g.groups;
    if total_rows == 0 {
        return Ok(());
    }
    if k_total == 0 {
        // Empty windows (no input channels): sums of nothing, finished by the epilogue.
        out.fill(W::ZERO);
        finish_rows(out, g.out_depth, epilogue);
        return Ok(());
    }
    if direct::applies(g) {
        direct::conv(g, input, filter, out, epilogue);
        return Ok(());
    }
    // No padding before, and none after that produces output.
    let unpadded = rows.pad == 0 && cols.pad == 0;
    let pointwise = |a: &Axis| a.window == 1 && a.stride == 1 && a.output == a.input;
    let whole =
        |a: &Axis| a.window == a.input && a.output == 1 && (a.dilation == 1 || a.window == 1);
    let direct = unpadded
        && ((pointwise(rows) && pointwise(cols)) || (g.groups == 1 && whole(rows) && whole(cols)));

    let block_rows = (BLOCK_BUDGET / (k_total + g.out_depth)).clamp(MIN_BLOCK_ROWS, MAX_BLOCK_ROWS);
    let macs = total_rows.saturating_mul(k_total).saturating_mul(g.out_depth / g.groups.max(1));
    // With the pool awake, a convolution of fewer rows than a block still shares its rows.
    let block_rows = if macs >= PARALLEL_MACS && pool_is_awake() {
        block_rows.min(total_rows.div_ceil(rayon::current_num_threads()).max(MIN_BLOCK_ROWS))
    } else {
        block_rows
    };
    let parallel = macs >= PARALLEL_MACS && total_rows > block_rows;
    // Too few rows to share (a 4×4 map's 1×1 convolution): the one block's product shares
    // its columns instead, when the pool is awake.
    let split_product = macs >= PARALLEL_MACS && !parallel && pool_is_awake();
    let blocks = Blocks { rows: block_rows, parallel, split_product };
    if direct {
        run_blocks(g, Source::Direct, input, filter, out, &mut [], 0, blocks, epilogue);
        return Ok(());
    }
    let pass_rows = (PATCH_BUDGET / k_total).max(block_rows).min(total_rows);
    // Whole blocks per pass, so that blocks never straddle passes.
    let pass_rows =
        if pass_rows < total_rows { pass_rows / block_rows * block_rows } else { pass_rows };
    with_scratch(allocator, pass_rows * k_total, |patches: &mut [W]| {
        for first in (0..total_rows).step_by(pass_rows) {
            let m = pass_rows.min(total_rows - first);
            let pass_out = &mut out[first * g.out_depth..(first + m) * g.out_depth];
            let scratch = &mut patches[..m * k_total];
            run_blocks(
                g,
                Source::Patches,
                input,
                filter,
                pass_out,
                scratch,
                first,
                blocks,
                epilogue,
            );
        }
    })
}

/// How output rows are split into blocks, and the blocks over threads.
#[derive(Clone, Copy)]
struct Blocks {
    rows: usize,
    /// Blocks run in parallel.
    parallel: bool,
    /// Each block's product runs on the pool (for a single block).
    split_product: bool,
}

/// Computes the output rows `first..` held by `out` in blocks as `blocks` says; `scratch`
/// holds room for their patches (empty for [`Source::Direct`]).
#[allow(clippy::too_many_arguments)]
fn run_blocks<W: GemmElement, E: Epilogue<W>>(
    g: &ConvGeometry,
    source: Source,
    input: &[W],
    filter: &[W],
    out: &mut [W],
    scratch: &mut [W],
    first: usize,
    blocks: Blocks,
    epilogue: &E,
) {
    let Blocks { rows: block_rows, parallel, split_product } = blocks;
    let od = g.out_depth;
    let k_total = g.group_k() * g.groups;
    let block = |(b, (out_block, patches)): (usize, (&mut [W], &mut [W]))| {
        let row0 = first + b * block_rows;
        let m = out_block.len() / od;
        let (a, a_offset): (&[W], usize) = match source {
            Source::Direct => (input, row0 * k_total),
            Source::Patches => {
                for (i, row) in patches.chunks_exact_mut(k_total).enumerate() {
                    fill_row(g, input, row0 + i, row);
                }
                (patches, 0)
            }
        };
        multiply(g, m, a, a_offset, filter, out_block, split_product);
        finish_rows(out_block, od, epilogue);
    };
    let out_blocks = out.chunks_mut(block_rows * od);
    match source {
        Source::Direct if parallel => out
            .par_chunks_mut(block_rows * od)
            .enumerate()
            .for_each(|(b, o)| block((b, (o, &mut [])))),
        Source::Direct => out_blocks.enumerate().for_each(|(b, o)| block((b, (o, &mut [])))),
        Source::Patches if parallel => out
            .par_chunks_mut(block_rows * od)
            .zip(scratch.par_chunks_mut(block_rows * k_total))
            .enumerate()
            .for_each(block),
        Source::Patches => {
            out_blocks.zip(scratch.chunks_mut(block_rows * k_total)).enumerate().for_each(block)
        }
    }
}

/// `out_block[m, OC] = a[m, K] · filter` per group: `a` rows start at `a_offset`, `k_total`
/// apart. Single-threaded unless `on_pool`.
fn multiply<W: GemmElement>(
    g: &ConvGeometry,
    m: usize,
    a: &[W],
    a_offset: usize,
    filter: &[W],
    out_block: &mut [W],
    on_pool: bool,
) {
    let product = if on_pool { W::gemm } else { W::gemm_serial };
    let (group_k, out_group) = (g.group_k(), g.out_depth / g.groups);
    let k_total = group_k * g.groups;
    // Direct 1×1 sources interleave groups by channel, as patches do: group `grp` reads
    // columns `grp·K..` of each row either way.
    for grp in 0..g.groups {
        product(
            m,
            out_group,
            group_k,
            a,
            Mat::rows(a_offset + grp * group_k, k_total),
            filter,
            Mat::rows(grp * out_group, g.out_depth),
            out_block,
            Mat::rows(grp * out_group, g.out_depth),
        );
    }
}

/// Runs the epilogue over every row (pixel) of `out`.
#[inline]
fn finish_rows<W, E: Epilogue<W>>(out: &mut [W], out_depth: usize, epilogue: &E) {
    if E::ACTIVE && out_depth > 0 {
        for row in out.chunks_exact_mut(out_depth) {
            epilogue.apply(0, row);
        }
    }
}

/// Writes the patch of output pixel `r` (counted over N·OH·OW) into `row`, in column order
/// (group, kh, kw, channel within the group); taps in the padding are zeros.
fn fill_row<W: GemmElement>(g: &ConvGeometry, input: &[W], r: usize, row: &mut [W]) {
    let (rows, cols) = (&g.rows, &g.cols);
    let c = g.in_depth;
    let pixels = rows.output * cols.output;
    let (n, y, x) = (r / pixels, r % pixels / cols.output, r % cols.output);
    let image = &input[n * rows.input * cols.input * c..][..rows.input * cols.input * c];
    let line_len = cols.input * c;
    if g.groups == 1 {
        for (ky, dst) in row.chunks_exact_mut(cols.window * c).enumerate() {
            let Some(iy) = rows.tap(y, ky) else {
                dst.fill(W::ZERO);
                continue;
            };
            let line = &image[iy * line_len..][..line_len];
            if cols.dilation == 1 {
                // The taps inside the image are one contiguous run of the input line.
                let taps = cols.valid_taps(x);
                dst[..taps.start * c].fill(W::ZERO);
                dst[taps.end * c..].fill(W::ZERO);
                if !taps.is_empty() {
                    let ix = x * cols.stride + taps.start - cols.pad;
                    dst[taps.start * c..taps.end * c]
                        .copy_from_slice(&line[ix * c..(ix + taps.len()) * c]);
                }
            } else {
                for (kx, d) in dst.chunks_exact_mut(c).enumerate() {
                    match cols.tap(x, kx) {
                        Some(ix) => d.copy_from_slice(&line[ix * c..][..c]),
                        None => d.fill(W::ZERO),
                    }
                }
            }
        }
        return;
    }
    let fd = g.filter_depth;
    let mut cells = row.chunks_exact_mut(fd);
    for grp in 0..g.groups {
        for ky in 0..rows.window {
            let iy = rows.tap(y, ky);
            for kx in 0..cols.window {
                // One chunk per (group, ky, kx): the row holds exactly that many.
                let Some(d) = cells.next() else { return };
                match (iy, cols.tap(x, kx)) {
                    (Some(iy), Some(ix)) => {
                        d.copy_from_slice(&image[iy * line_len + ix * c + grp * fd..][..fd])
                    }
                    _ => d.fill(W::ZERO),
                }
            }
        }
    }
}
