//! Layout changes between NCHW and NHWC (batched matrix transposes), converting elements on
//! the way so that a half-precision NCHW input is read once.

use super::params::Format;
use super::widen::{PARALLEL_ELEMENTS, Widen};
use crate::kernels::numeric::Numeric;
use rayon::prelude::*;
use std::borrow::Cow;

/// Destination rows transposed together: their elements stay in cache while the source is read
/// row by row.
const TILE: usize = 16;

/// `dst[n][q][r] = f(src[n][r][q])` for `n` images of `rows × cols` (`src`) elements: NCHW → NHWC
/// with `rows = C, cols = H·W`; NHWC → NCHW with `rows = H·W, cols = C`.
pub(super) fn transpose<S: Copy + Sync, D: Send>(
    src: &[S],
    dst: &mut [D],
    rows: usize,
    cols: usize,
    f: impl Fn(S) -> D + Sync,
) {
    if rows == 0 || cols == 0 || dst.is_empty() {
        return;
    }
    let image = rows * cols;
    let tile = |first_row: usize, chunk: &mut [D]| {
        // `chunk` holds destination rows first_row.., each `rows` long.
        let count = chunk.len() / rows;
        let mut base = [0usize; TILE];
        for (i, b) in base.iter_mut().enumerate().take(count) {
            let g = first_row + i;
            *b = (g / cols) * image + g % cols;
        }
        for r in 0..rows {
            for (i, &b) in base.iter().enumerate().take(count) {
                chunk[i * rows + r] = f(src[b + r * cols]);
            }
        }
    };
    let tile_len = TILE * rows;
    if dst.len() >= PARALLEL_ELEMENTS {
        dst.par_chunks_mut(tile_len).enumerate().for_each(|(t, chunk)| tile(t * TILE, chunk));
    } else {
        dst.chunks_mut(tile_len).enumerate().for_each(|(t, chunk)| tile(t * TILE, chunk));
    }
}

/// `values` in NHWC and the compute type (`channels` planes of `pixels` per image when NCHW);
/// borrowed when nothing changes.
pub(super) fn nhwc<T: Widen>(
    format: Format,
    values: &[T],
    channels: usize,
    pixels: usize,
) -> Cow<'_, [T::Wide]> {
    match format {
        Format::Nhwc => T::widen_slice(values),
        Format::Nchw => {
            let mut out = vec![T::Wide::ZERO; values.len()];
            transpose(values, &mut out, channels, pixels, T::widen);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposes_each_image() {
        // Two images of 2×3: [[0,1,2],[3,4,5]] and [[6,7,8],[9,10,11]].
        let src: Vec<i32> = (0..12).collect();
        let mut dst = vec![0i64; 12];
        transpose(&src, &mut dst, 2, 3, i64::from);
        assert_eq!(dst, [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
        let mut back = vec![0i32; 12];
        transpose(&dst, &mut back, 3, 2, |v| v as i32);
        assert_eq!(back, src);
    }

    #[test]
    fn large_transposes_match_the_definition() {
        let (n, rows, cols) = (3, 37, 401);
        let src: Vec<u32> = (0..(n * rows * cols) as u32).collect();
        let mut dst = vec![0u32; src.len()];
        transpose(&src, &mut dst, rows, cols, |v| v);
        for b in 0..n {
            for r in 0..rows {
                for q in 0..cols {
                    assert_eq!(dst[(b * cols + q) * rows + r], src[(b * rows + r) * cols + q]);
                }
            }
        }
    }
}
