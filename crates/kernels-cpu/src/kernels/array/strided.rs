//! The copy engine behind most data movement: an output laid out row-major, each element
//! taken from `input[offset + Σ index_d · stride_d]`. Slices, strided slices, reversals
//! (negative strides), broadcasts and tiles (zero strides) and transposes (permuted strides)
//! are all such views; the engine merges dimensions that are contiguous in both, then copies
//! whole rows: a `memcpy` when the innermost stride is 1.

use super::args::{for_row_blocks, for_row_blocks_of};
use super::items::Item;

/// An affine view of an input buffer, giving the output's elements in row-major order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct View {
    /// The output dimensions.
    pub dims: Vec<usize>,
    /// The input step for one step along each output dimension.
    pub strides: Vec<isize>,
    /// The input index of the output's first element.
    pub offset: usize,
}

impl View {
    /// The same view with size-1 dimensions dropped and neighbours merged where stepping
    /// the outer one equals running through the inner one.
    fn simplified(&self) -> View {
        let mut dims: Vec<usize> = Vec::with_capacity(self.dims.len());
        let mut strides: Vec<isize> = Vec::with_capacity(self.dims.len());
        for (&d, &s) in self.dims.iter().zip(&self.strides) {
            if d == 1 {
                continue;
            }
            match (dims.last_mut(), strides.last()) {
                (Some(last_d), Some(&last_s)) if last_s == s * d as isize => {
                    // The previous (outer) dimension steps over exactly this one: fuse them.
                    *last_d *= d;
                    *strides.last_mut().expect("strides is as long as dims") = s;
                }
                _ => {
                    dims.push(d);
                    strides.push(s);
                }
            }
        }
        View { dims, strides, offset: self.offset }
    }
}

/// Fills `out` (as many elements as `view.dims` holds) from `src` through `view`. The caller
/// has validated that every index the view reaches lies in `src`.
pub(crate) fn gather<T: Item>(src: &[T], view: &View, out: &mut [T]) {
    if out.is_empty() {
        return;
    }
    let v = view.simplified();
    let Some((&inner, outer_dims)) = v.dims.split_last() else {
        out[0] = src[v.offset].clone();
        return;
    };
    let (&step, outer_strides) = v.strides.split_last().expect("strides is as long as dims");
    if let ([.., a], [.., 1]) = (outer_dims, outer_strides)
        && *a >= TILE
        && inner >= TILE
    {
        gather_tiles(src, &v, out);
        return;
    }
    for_row_blocks(out, inner, |first_row, block| {
        // Position of the block's first row, then an odometer over the outer dimensions.
        let mut index = vec![0usize; outer_dims.len()];
        let mut rest = first_row;
        let mut base = v.offset as isize;
        for d in (0..outer_dims.len()).rev() {
            index[d] = rest % outer_dims[d];
            rest /= outer_dims[d];
            base += index[d] as isize * outer_strides[d];
        }
        for row in block.chunks_exact_mut(inner) {
            copy_row(src, base, step, row);
            for d in (0..outer_dims.len()).rev() {
                index[d] += 1;
                base += outer_strides[d];
                if index[d] < outer_dims[d] {
                    break;
                }
                base -= outer_strides[d] * outer_dims[d] as isize;
                index[d] = 0;
            }
        }
    });
}

/// Rows filled together by [`gather_tiles`]: more would keep more output lines in flight than
/// L1 holds when rows are a power-of-two apart (measured: 8 beats 16 and 32 by 4-10x on a
/// 2048² transpose).
const TILE: usize = 8;

/// [`gather`] for views whose second-innermost dimension is the input's contiguous one (a
/// transpose of the two innermost dimensions, batched). Filling one output row reads an input
/// column, a new cache line per element; filling TILE rows at once reads TILE contiguous
/// input elements per column instead, so each input line serves TILE rows.
fn gather_tiles<T: Item>(src: &[T], v: &View, out: &mut [T]) {
    let k = v.dims.len();
    let (a, n, step) = (v.dims[k - 2], v.dims[k - 1], v.strides[k - 1]);
    let (batch_dims, batch_strides) = (&v.dims[..k - 2], &v.strides[..k - 2]);
    for_row_blocks_of(out, n, TILE, |first_row, block| {
        let rows = block.len() / n;
        let mut r = 0;
        while r < rows {
            // A group of up to TILE consecutive rows of one batch element.
            let row0 = first_row + r;
            let (mut batch, i0) = (row0 / a, row0 % a);
            let count = TILE.min(a - i0).min(rows - r);
            let mut base = v.offset as isize + i0 as isize;
            for d in (0..batch_dims.len()).rev() {
                base += (batch % batch_dims[d]) as isize * batch_strides[d];
                batch /= batch_dims[d];
            }
            let group = &mut block[r * n..(r + count) * n];
            for j in 0..n {
                // Column j of the group is `count` contiguous input elements.
                let start = (base + j as isize * step) as usize;
                for (i, x) in src[start..start + count].iter().enumerate() {
                    group[i * n + j].clone_from(x);
                }
            }
            r += count;
        }
    });
}

/// `row[j] = src[base + j·step]`.
fn copy_row<T: Item>(src: &[T], base: isize, step: isize, row: &mut [T]) {
    let n = row.len();
    let b = base as usize;
    match step {
        1 => T::copy_run(row, &src[b..b + n]),
        0 => row.fill(src[b].clone()),
        -1 => {
            for (o, x) in row.iter_mut().zip(src[b + 1 - n..=b].iter().rev()) {
                o.clone_from(x);
            }
        }
        s if s > 0 => {
            for (o, x) in row.iter_mut().zip(src[b..].iter().step_by(s as usize)) {
                o.clone_from(x);
            }
        }
        s => {
            // Backwards: walk the covered range from its end.
            let s = s.unsigned_abs();
            let first = b - (n - 1) * s;
            for (o, x) in row.iter_mut().zip(src[first..=b].iter().rev().step_by(s)) {
                o.clone_from(x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &[u32], dims: &[usize], strides: &[isize], offset: usize) -> Vec<u32> {
        let mut out = vec![0u32; dims.iter().product()];
        gather(src, &View { dims: dims.to_vec(), strides: strides.to_vec(), offset }, &mut out);
        out
    }

    #[test]
    fn contiguous_views_merge_into_one_copy() {
        let v = View { dims: vec![2, 1, 3], strides: vec![3, 7, 1], offset: 0 }.simplified();
        assert_eq!((v.dims, v.strides), (vec![6], vec![1]));
    }

    #[test]
    fn transposes_reverses_and_broadcasts() {
        let src: Vec<u32> = (0..6).collect(); // [[0,1,2],[3,4,5]]
        assert_eq!(run(&src, &[3, 2], &[1, 3], 0), [0, 3, 1, 4, 2, 5]);
        assert_eq!(run(&src, &[2, 3], &[3, -1], 2), [2, 1, 0, 5, 4, 3]);
        assert_eq!(run(&src, &[2, 3], &[-3, -1], 5), [5, 4, 3, 2, 1, 0]);
        assert_eq!(run(&src, &[2, 3], &[0, 1], 3), [3, 4, 5, 3, 4, 5]);
        assert_eq!(run(&src, &[], &[], 4), [4]);
        assert_eq!(run(&src, &[0, 3], &[3, 1], 0), Vec::<u32>::new());
    }

    #[test]
    fn tiled_batched_transposes_match_index_arithmetic() {
        // [3, 40, 37] → [3, 37, 40]: the tiled path, with partial tiles at both edges.
        let src: Vec<u32> = (0..3 * 40 * 37).collect();
        let out = run(&src, &[3, 37, 40], &[40 * 37, 1, 37], 0);
        for (i, &x) in out.iter().enumerate() {
            let (b, r, c) = (i / (37 * 40), i / 40 % 37, i % 40);
            assert_eq!(x as usize, b * 40 * 37 + c * 37 + r);
        }
    }

    #[test]
    fn large_views_split_across_threads_in_order() {
        // A 300×200 transpose: larger than PARALLEL_MIN, so rows are filled in blocks.
        let src: Vec<u32> = (0..60_000).collect();
        let out = run(&src, &[200, 300], &[1, 200], 0);
        for (i, &x) in out.iter().enumerate() {
            let (r, c) = (i / 300, i % 300);
            assert_eq!(x as usize, c * 200 + r);
        }
    }
}
