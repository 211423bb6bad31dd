//! The index mapping of `SpaceToBatchND` / `BatchToSpaceND`, validated as TensorFlow's kernels
//! validate it (`spacetobatch_op.cc`, `batchtospace_op.cc`).
//!
//! With `M` block dims, a batch of `B` images of spatial dims `S` and trailing dims `R`:
//! SpaceToBatch pads `S` then writes element `(b, s·block + o, r)` of the padded input to
//! `(o·B + b, s, r)` of the output, where `o` is the block offset numbered row-major. Batch to
//! space is the inverse, cropping instead of padding.

use rayon::prelude::*;
use sessionflow_core::{Result, Status, TensorShape};

/// Output elements above which rows are copied in parallel.
const PARALLEL_ELEMENTS: usize = 1 << 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    ToBatch,
    ToSpace,
}

/// The validated geometry of one call.
pub(super) struct BlockLayout {
    direction: Direction,
    /// Block sizes, one per spatial dim.
    block: Vec<usize>,
    /// Padding (or crop) before each spatial dim.
    before: Vec<usize>,
    /// Spatial dims of the side with the images un-blocked (the input of SpaceToBatch, the
    /// output of BatchToSpace).
    space: Vec<usize>,
    /// Spatial dims of the blocked side.
    blocked: Vec<usize>,
    /// Batch of the un-blocked side.
    batch: usize,
    /// Elements of the trailing dims (copied as one run).
    inner: usize,
    pub output_shape: TensorShape,
}

impl BlockLayout {
    pub(super) fn new(
        direction: Direction,
        input: &TensorShape,
        block_shape: &TensorShape,
        block: &[i64],
        pads_shape: &TensorShape,
        pads: &[i64],
    ) -> Result<BlockLayout> {
        let what = if direction == Direction::ToBatch { "paddings" } else { "crops" };
        if block_shape.rank() != 1 {
            return Err(Status::invalid_argument(format!(
                "block_shape must be 1-D, not {block_shape}"
            )));
        }
        let m = block.len();
        if pads_shape.dims() != [m, 2] {
            return Err(Status::invalid_argument(format!(
                "{what} should have shape [{m}, 2] instead of {pads_shape}"
            )));
        }
        let dims = input.dims();
        if dims.len() < 1 + m {
            return Err(Status::invalid_argument(format!(
                "input rank should be >= {} instead of {}",
                1 + m,
                dims.len()
            )));
        }
        let mut sizes = Vec::with_capacity(m);
        for &b in block {
            if b < 1 {
                return Err(Status::invalid_argument(format!(
                    "All values in block_shape must be positive, got value, {b} at index {}.",
                    sizes.len()
                )));
            }
            sizes.push(b as usize);
        }
        if let Some(&p) = pads.iter().find(|&&p| p < 0) {
            return Err(Status::invalid_argument(format!(
                "All values in {what} must be non-negative, got value, {p}."
            )));
        }
        let before: Vec<usize> = pads.iter().step_by(2).map(|&p| p as usize).collect();
        let after: Vec<usize> = pads.iter().skip(1).step_by(2).map(|&p| p as usize).collect();
        let block_size = sizes
            .iter()
            .try_fold(1usize, |a, &b| a.checked_mul(b))
            .ok_or_else(|| Status::invalid_argument("block_shape is too large"))?;
        let inner: usize = dims[1 + m..].iter().product();
        let mut out = dims.to_vec();
        let (space, blocked, batch) = match direction {
            Direction::ToBatch => {
                let mut blocked = Vec::with_capacity(m);
                for i in 0..m {
                    let padded = dims[1 + i] + before[i] + after[i];
                    if !padded.is_multiple_of(sizes[i]) {
                        return Err(Status::invalid_argument(format!(
                            "padded_shape[{i}]={padded} is not divisible by block_shape[{i}]={}",
                            sizes[i]
                        )));
                    }
                    blocked.push(padded / sizes[i]);
                }
                out[0] = dims[0]
                    .checked_mul(block_size)
                    .ok_or_else(|| Status::invalid_argument("output batch is too large"))?;
                out[1..=m].copy_from_slice(&blocked);
                (dims[1..=m].to_vec(), blocked, dims[0])
            }
            Direction::ToSpace => {
                if !dims[0].is_multiple_of(block_size) {
                    return Err(Status::invalid_argument(format!(
                        "Input batch dimension ({}) is not divisible by product of block sizes ({block_size})",
                        dims[0]
                    )));
                }
                let mut space = Vec::with_capacity(m);
                for i in 0..m {
                    let full = dims[1 + i] * sizes[i];
                    let cropped = full.checked_sub(before[i] + after[i]).ok_or_else(|| {
                        Status::invalid_argument(format!(
                            "crops must be less than or equal to the block dimension's size: {} + {} > {full}",
                            before[i], after[i]
                        ))
                    })?;
                    space.push(cropped);
                }
                out[0] = dims[0] / block_size;
                out[1..=m].copy_from_slice(&space);
                (space, dims[1..=m].to_vec(), dims[0] / block_size)
            }
        };
        let output_shape = TensorShape::new(out);
        output_shape.num_elements()?;
        Ok(BlockLayout {
            direction,
            block: sizes,
            before,
            space,
            blocked,
            batch,
            inner,
            output_shape,
        })
    }

    /// Fills every element of `out` (non-empty, so runs are non-empty) from `input`, one run
    /// of the trailing dims at a time: each run is a run of the input, or padding.
    pub(super) fn copy<T: Copy + Default + Send + Sync>(&self, input: &[T], out: &mut [T]) {
        let inner = self.inner;
        let fill = |(run, dst): (usize, &mut [T])| match self.source(run) {
            Some(src) => dst.copy_from_slice(&input[src * inner..][..inner]),
            None => dst.fill(T::default()),
        };
        if out.len() >= PARALLEL_ELEMENTS {
            out.par_chunks_mut(inner).enumerate().for_each(fill);
        } else {
            out.chunks_mut(inner).enumerate().for_each(fill);
        }
    }

    /// The input run (counted over batch and spatial positions) that output run `run` copies,
    /// or `None` where it is padding.
    fn source(&self, run: usize) -> Option<usize> {
        let m = self.block.len();
        match self.direction {
            Direction::ToBatch => {
                // Output index: (offset·B + b, s_0 … s_{M−1}).
                let (mut rest, mut coords) = (run, vec![0usize; m]);
                for i in (0..m).rev() {
                    coords[i] = rest % self.blocked[i];
                    rest /= self.blocked[i];
                }
                let (b, mut offset) = (rest % self.batch, rest / self.batch);
                let mut src = b;
                let mut offsets = vec![0usize; m];
                for i in (0..m).rev() {
                    offsets[i] = offset % self.block[i];
                    offset /= self.block[i];
                }
                for i in 0..m {
                    let padded = coords[i] * self.block[i] + offsets[i];
                    let at = padded.checked_sub(self.before[i]).filter(|&p| p < self.space[i])?;
                    src = src * self.space[i] + at;
                }
                Some(src)
            }
            Direction::ToSpace => {
                // Output index: (b, s_0 … s_{M−1}) of the cropped images.
                let (mut rest, mut coords) = (run, vec![0usize; m]);
                for i in (0..m).rev() {
                    coords[i] = rest % self.space[i];
                    rest /= self.space[i];
                }
                let b = rest;
                let (mut offset, mut position) = (0usize, 0usize);
                for (i, coord) in coords.iter().enumerate() {
                    let full = coord + self.before[i];
                    offset = offset * self.block[i] + full % self.block[i];
                    position = position * self.blocked[i] + full / self.block[i];
                }
                let batch = offset * self.batch + b;
                let per_image: usize = self.blocked.iter().product();
                Some(batch * per_image + position)
            }
        }
    }
}
