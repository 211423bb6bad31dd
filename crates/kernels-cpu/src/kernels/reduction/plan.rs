//! From a shape and a list of axes to the layout a reduction walks: dimensions of size 1
//! dropped, neighbouring dimensions of the same kind (kept or reduced) merged, so that every
//! reduction is a few nested loops over contiguous rows.

use sessionflow_core::{Result, Status, TensorShape};

/// One dimension of the collapsed layout: its size and its stride in input elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dim {
    pub size: usize,
    pub stride: usize,
}

/// How to reduce one input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Nothing is reduced (no axes, or only axes of size 1): the output is the input.
    Forward,
    /// The input is empty: every output is the reduction of nothing.
    Empty,
    /// A real reduction (see [`Layout`]).
    Reduce(Layout),
}

/// The collapsed input: the innermost run of dimensions (`last`, contiguous) is either reduced
/// (each row folds to one value) or kept (rows are accumulated elementwise); `kept` and
/// `reduced` are the outer dimensions, outermost first.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub kept: Vec<Dim>,
    pub reduced: Vec<Dim>,
    pub last: usize,
    pub last_reduced: bool,
}

impl Layout {
    /// Number of rows folded into each output row (or value).
    pub fn rows_per_output(&self) -> usize {
        self.reduced.iter().map(|d| d.size).product()
    }
}

/// A reduction of `shape` over `axes`, with the output shape it gives.
#[derive(Debug)]
pub(crate) struct Reduction {
    pub plan: Plan,
    pub out_shape: TensorShape,
    /// How many input values fold into each output value.
    pub count: usize,
}

/// Validates `axes` against `shape` (TensorFlow's messages) and plans the reduction.
pub(crate) fn plan_reduction(
    shape: &TensorShape,
    axes: &[i64],
    keep_dims: bool,
) -> Result<Reduction> {
    let rank = shape.rank();
    let mut reduced = vec![false; rank];
    for &a in axes {
        let r = rank as i64;
        if a < -r || a >= r {
            return Err(Status::invalid_argument(format!(
                "Invalid reduction dimension ({a} for input with {rank} dimension(s)"
            )));
        }
        let i = if a < 0 { a + r } else { a } as usize;
        if reduced[i] {
            return Err(Status::invalid_argument(format!(
                "Invalid reduction arguments: Axes contains duplicate dimension: {i}"
            )));
        }
        reduced[i] = true;
    }
    let dims = shape.dims();
    let out_shape = TensorShape::new(
        dims.iter()
            .zip(&reduced)
            .filter_map(|(&d, &r)| match (r, keep_dims) {
                (false, _) => Some(d),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect::<Vec<_>>(),
    );
    let count = dims.iter().zip(&reduced).filter(|(_, r)| **r).map(|(d, _)| d).product();
    let plan = if shape.num_elements()? == 0 { Plan::Empty } else { collapse(dims, &reduced) };
    Ok(Reduction { plan, out_shape, count })
}

/// Drops dimensions of size 1, merges runs of one kind, and splits off the innermost run.
fn collapse(dims: &[usize], reduced: &[bool]) -> Plan {
    let mut runs: Vec<(usize, bool)> = Vec::new();
    for (&d, &r) in dims.iter().zip(reduced) {
        if d == 1 {
            continue;
        }
        match runs.last_mut() {
            Some((size, kind)) if *kind == r => *size *= d,
            _ => runs.push((d, r)),
        }
    }
    if !runs.iter().any(|&(_, r)| r) {
        return Plan::Forward;
    }
    let (&(last, last_reduced), outer) = runs.split_last().expect("a reduced run exists");
    let mut layout = Layout { kept: Vec::new(), reduced: Vec::new(), last, last_reduced };
    let mut stride = last;
    for &(size, r) in outer.iter().rev() {
        let dim = Dim { size, stride };
        if r {
            layout.reduced.insert(0, dim)
        } else {
            layout.kept.insert(0, dim)
        }
        stride *= size;
    }
    Plan::Reduce(layout)
}

/// Input offset of the `i`th combination (row-major) of `dims`.
#[inline]
pub(crate) fn offset_of(mut i: usize, dims: &[Dim]) -> usize {
    match dims {
        [] => 0,
        [d] => i * d.stride,
        _ => {
            let mut off = 0;
            for d in dims.iter().rev() {
                off += (i % d.size) * d.stride;
                i /= d.size;
            }
            off
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(shape: &[usize], axes: &[i64]) -> Layout {
        match plan_reduction(&TensorShape::new(shape), axes, false).unwrap().plan {
            Plan::Reduce(l) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn runs_merge_and_unit_dims_vanish() {
        // [2,3,1,4] over axes 1 and 2: kept 2 (stride 12), reduced 3 (stride 4), kept row 4.
        let l = layout(&[2, 3, 1, 4], &[1, 2]);
        assert_eq!(l.kept, [Dim { size: 2, stride: 12 }]);
        assert_eq!(l.reduced, [Dim { size: 3, stride: 4 }]);
        assert_eq!((l.last, l.last_reduced), (4, false));
        // [2,3,4] over the last two: one reduced row of 12 per kept index.
        let l = layout(&[2, 3, 4], &[-1, -2]);
        assert_eq!((l.kept.len(), l.reduced.len(), l.last, l.last_reduced), (1, 0, 12, true));
    }

    #[test]
    fn unit_and_empty_axes_forward() {
        let r = plan_reduction(&TensorShape::new([3, 1]), &[1], true).unwrap();
        assert_eq!((r.plan, r.out_shape.dims()), (Plan::Forward, &[3usize, 1][..]));
        let r = plan_reduction(&TensorShape::new([0, 2]), &[0], false).unwrap();
        assert_eq!((r.plan, r.out_shape.dims(), r.count), (Plan::Empty, &[2usize][..], 0));
    }

    #[test]
    fn offsets_walk_row_major() {
        let dims = [Dim { size: 2, stride: 100 }, Dim { size: 3, stride: 10 }];
        let offs: Vec<usize> = (0..6).map(|i| offset_of(i, &dims)).collect();
        assert_eq!(offs, [0, 10, 20, 100, 110, 120]);
    }

    #[test]
    fn bad_axes_are_refused() {
        let s = TensorShape::new([2, 3]);
        let e = plan_reduction(&s, &[2], false).unwrap_err();
        assert_eq!(e.message, "Invalid reduction dimension (2 for input with 2 dimension(s)");
        let e = plan_reduction(&s, &[1, -1], false).unwrap_err();
        assert!(e.message.contains("duplicate dimension: 1"), "{}", e.message);
    }
}
