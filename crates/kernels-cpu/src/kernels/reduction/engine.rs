//! Runs a [`Reducer`] over a planned [`Layout`]. Two shapes of work cover every reduction:
//!
//! - the innermost run is reduced: each row folds to one value with several independent
//!   accumulators (so float sums vectorise despite their order dependence);
//! - the innermost run is kept: whole rows are accumulated elementwise into output rows.
//!
//! Large inputs are split with rayon over independent outputs when there are enough of them,
//! else over the reduced rows into partial accumulators merged in a fixed order, so results
//! never depend on the number of threads.

use super::plan::{Layout, offset_of};
use super::reducer::Reducer;
use crate::kernels::nn_activation::simd::vectorized;
use rayon::prelude::*;

/// Below this many input elements one thread is faster than waking the pool.
pub(crate) const PARALLEL_MIN: usize = 1 << 15;
/// Elements per task when a few outputs are split over their inputs.
const PIECE: usize = 1 << 14;
/// Columns per task when kept rows are long.
const COL_BLOCK: usize = 1 << 12;
/// Independent accumulators in a row fold (wide enough for two AVX-512 registers of f32).
const LANES: usize = 32;

/// Folds `row` into `acc`.
#[inline(always)]
fn fold_row<R: Reducer>(acc: R::Acc, row: &[R::In]) -> R::Acc {
    let chunks = row.chunks_exact(LANES);
    let rest = chunks.remainder();
    let mut a = acc;
    if row.len() >= LANES {
        let mut lanes = [R::INIT; LANES];
        for c in chunks {
            for j in 0..LANES {
                lanes[j] = R::combine(lanes[j], R::load(c[j]));
            }
        }
        for l in lanes {
            a = R::combine(a, l);
        }
    }
    for &x in rest {
        a = R::combine(a, R::load(x));
    }
    a
}

/// Accumulates `row` elementwise into `acc`.
#[inline(always)]
fn accumulate_row<R: Reducer>(acc: &mut [R::Acc], row: &[R::In]) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = R::combine(*a, R::load(x));
    }
}

/// Reduces `input` (laid out as `layout` says) into `out`, one value per output; `count` is
/// how many inputs fold into each output.
pub(crate) fn reduce<R: Reducer>(
    input: &[R::In],
    layout: &Layout,
    count: usize,
    out: &mut [R::Out],
) {
    let parallel = input.len() >= PARALLEL_MIN && rayon::current_num_threads() > 1;
    if layout.last_reduced {
        reduce_rows::<R>(input, layout, count, out, parallel);
    } else {
        accumulate_rows::<R>(input, layout, count, out, parallel);
    }
}

/// Elements `[start, end)` of the inputs of the output whose kept offset is `base`, folded in
/// (row, column) order.
#[inline(always)]
fn fold_range<R: Reducer>(
    input: &[R::In],
    layout: &Layout,
    base: usize,
    start: usize,
    end: usize,
) -> R::Acc {
    let r = layout.last;
    let mut acc = R::INIT;
    let mut i = start;
    while i < end {
        let (row, col) = (i / r, i % r);
        let len = (r - col).min(end - i);
        let s = base + offset_of(row, &layout.reduced) + col;
        acc = fold_row::<R>(acc, &input[s..s + len]);
        i += len;
    }
    acc
}

/// The innermost run is reduced: every output folds whole rows.
fn reduce_rows<R: Reducer>(
    input: &[R::In],
    layout: &Layout,
    count: usize,
    out: &mut [R::Out],
    parallel: bool,
) {
    let total = layout.rows_per_output() * layout.last;
    // (A function rather than a closure so that it inlines into the AVX2 copies below.)
    #[inline(always)]
    fn one<R: Reducer>(
        input: &[R::In],
        layout: &Layout,
        total: usize,
        count: usize,
        o: usize,
    ) -> R::Out {
        R::finish(fold_range::<R>(input, layout, offset_of(o, &layout.kept), 0, total), count)
    }
    let threads = rayon::current_num_threads();
    if !parallel {
        vectorized(
            #[inline(always)]
            || {
                out.iter_mut()
                    .enumerate()
                    .for_each(|(o, v)| *v = one::<R>(input, layout, total, count, o))
            },
        );
    } else if out.len() >= threads {
        let chunk = out.len().div_ceil(threads * 4);
        out.par_chunks_mut(chunk).enumerate().for_each(|(c, vs)| {
            vectorized(
                #[inline(always)]
                || {
                    for (i, v) in vs.iter_mut().enumerate() {
                        *v = one::<R>(input, layout, total, count, c * chunk + i);
                    }
                },
            )
        });
    } else {
        // Few outputs with many inputs each (a full reduction, say): split each output's
        // inputs into fixed pieces and merge the partial results in order.
        for (o, v) in out.iter_mut().enumerate() {
            let base = offset_of(o, &layout.kept);
            let partials: Vec<R::Acc> = (0..total.div_ceil(PIECE))
                .into_par_iter()
                .map(|p| {
                    fold_range::<R>(input, layout, base, p * PIECE, total.min((p + 1) * PIECE))
                })
                .collect();
            *v = R::finish(partials.into_iter().fold(R::INIT, R::combine), count);
        }
    }
}

/// Accumulates into `acc` (columns `cols_start..` of output row `o`) the rows `combos` of it.
#[inline(always)]
fn accumulate_block<R: Reducer>(
    input: &[R::In],
    layout: &Layout,
    o: usize,
    cols_start: usize,
    combos: std::ops::Range<usize>,
    acc: &mut [R::Acc],
) {
    let base = offset_of(o, &layout.kept) + cols_start;
    for c in combos {
        let s = base + offset_of(c, &layout.reduced);
        accumulate_row::<R>(acc, &input[s..s + acc.len()]);
    }
}

/// The innermost run is kept: every output row accumulates whole input rows.
fn accumulate_rows<R: Reducer>(
    input: &[R::In],
    layout: &Layout,
    count: usize,
    out: &mut [R::Out],
    parallel: bool,
) {
    let k = layout.last;
    let combos = layout.rows_per_output();
    let mut acc = vec![R::INIT; out.len()];
    let threads = rayon::current_num_threads();
    let out_rows = out.len() / k;
    if !parallel {
        vectorized(
            #[inline(always)]
            || {
                for (o, row) in acc.chunks_mut(k).enumerate() {
                    accumulate_block::<R>(input, layout, o, 0, 0..combos, row);
                }
            },
        );
    } else if out_rows * k.div_ceil(COL_BLOCK) >= threads {
        acc.par_chunks_mut(k).enumerate().for_each(|(o, row)| {
            row.par_chunks_mut(COL_BLOCK).enumerate().for_each(|(b, block)| {
                let start = b * COL_BLOCK;
                vectorized(
                    #[inline(always)]
                    || accumulate_block::<R>(input, layout, o, start, 0..combos, block),
                );
            });
        });
    } else {
        // Few, short output rows fed by many input rows: partial accumulators per piece of
        // input rows, merged in order.
        let rows_per_piece = (PIECE / k).max(1);
        let partials: Vec<Vec<R::Acc>> = (0..combos.div_ceil(rows_per_piece))
            .into_par_iter()
            .map(|p| {
                let range = p * rows_per_piece..combos.min((p + 1) * rows_per_piece);
                let mut part = vec![R::INIT; acc.len()];
                vectorized(
                    #[inline(always)]
                    || {
                        for (o, row) in part.chunks_mut(k).enumerate() {
                            accumulate_block::<R>(input, layout, o, 0, range.clone(), row);
                        }
                    },
                );
                part
            })
            .collect();
        for part in partials {
            for (a, p) in acc.iter_mut().zip(part) {
                *a = R::combine(*a, p);
            }
        }
    }
    let finish = |(v, a): (&mut R::Out, &R::Acc)| *v = R::finish(*a, count);
    if parallel {
        out.par_iter_mut().zip(acc.par_iter()).for_each(finish);
    } else {
        out.iter_mut().zip(acc.iter()).for_each(finish);
    }
}
