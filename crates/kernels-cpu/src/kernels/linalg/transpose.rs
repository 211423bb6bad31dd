//! A fast out-of-place matrix transpose for the products that want an operand in the other
//! layout: 8×8 tiles held in registers, in bands of columns spread over the pool.
//!
//! Why tiles: a plain row-by-row transpose of a matrix whose rows are a power of two apart
//! (512 floats, 2 KiB, as weights often are) writes, or reads, one element per row, and those
//! rows all fall into the same few cache sets, so every access misses. A tile reads eight rows
//! of eight contiguous elements and writes eight rows of eight, a handful of lines at a time.

use crate::kernels::nn_activation::simd::vectorized;
use rayon::prelude::*;

/// Tile edge.
const TILE: usize = 8;
/// Columns of the source (rows of the result) per parallel task.
const BAND: usize = 64;
/// Below this many elements one thread is faster than waking the pool.
const PARALLEL_MIN: usize = 1 << 16;

/// Writes the transpose of `src` (`rows × cols`, row-major) into `dst` (`cols × rows`,
/// row-major), which must hold exactly `rows · cols` elements.
pub(crate) fn transpose_into<T: Copy + Default + Send + Sync>(
    src: &[T],
    rows: usize,
    cols: usize,
    dst: &mut [T],
) {
    assert!(src.len() == rows * cols && dst.len() == rows * cols, "transpose sizes disagree");
    if rows == 0 || cols == 0 {
        return;
    }
    // Rows of `dst` j0.. are columns j0.. of `src`: a band writes a contiguous part of `dst`.
    let band = |(b, out): (usize, &mut [T])| {
        let j0 = b * BAND;
        let width = out.len() / rows;
        vectorized(
            #[inline(always)]
            || transpose_band(src, rows, cols, j0, width, out),
        )
    };
    if rows * cols >= PARALLEL_MIN {
        dst.par_chunks_mut(BAND * rows).enumerate().for_each(band);
    } else {
        dst.chunks_mut(BAND * rows).enumerate().for_each(band);
    }
}

/// Columns `j0 .. j0 + width` of `src` into `out` (`width × rows`).
#[inline(always)]
fn transpose_band<T: Copy + Default>(
    src: &[T],
    rows: usize,
    cols: usize,
    j0: usize,
    width: usize,
    out: &mut [T],
) {
    let (full_rows, full_cols) = (rows / TILE * TILE, width / TILE * TILE);
    for i0 in (0..full_rows).step_by(TILE) {
        for c0 in (0..full_cols).step_by(TILE) {
            let mut tile = [[T::default(); TILE]; TILE];
            for (r, line) in tile.iter_mut().enumerate() {
                line.copy_from_slice(&src[(i0 + r) * cols + j0 + c0..][..TILE]);
            }
            for c in 0..TILE {
                let to = &mut out[(c0 + c) * rows + i0..][..TILE];
                for (r, t) in to.iter_mut().enumerate() {
                    *t = tile[r][c];
                }
            }
        }
    }
    // The edges the tiles leave: the last columns of every row, then the last rows.
    for i in 0..full_rows {
        for c in full_cols..width {
            out[c * rows + i] = src[i * cols + j0 + c];
        }
    }
    for i in full_rows..rows {
        for c in 0..width {
            out[c * rows + i] = src[i * cols + j0 + c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_transposes_exactly() {
        // Edges in both directions, several bands, and sizes on both sides of the parallel
        // threshold.
        for (rows, cols) in [(1, 1), (3, 5), (8, 8), (9, 17), (64, 130), (300, 257), (512, 512)] {
            let src: Vec<u32> = (0..rows * cols).map(|i| i as u32).collect();
            let mut dst = vec![u32::MAX; rows * cols];
            transpose_into(&src, rows, cols, &mut dst);
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(
                        dst[j * rows + i],
                        (i * cols + j) as u32,
                        "{rows}×{cols} at {i},{j}"
                    );
                }
            }
        }
    }

    #[test]
    fn empty_matrices_are_fine() {
        let mut dst: Vec<f32> = Vec::new();
        transpose_into(&[], 0, 7, &mut dst);
        transpose_into(&[], 7, 0, &mut dst);
    }
}
