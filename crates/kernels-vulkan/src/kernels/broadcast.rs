//! NumPy broadcasting for the binary kernels: the output shape, and the operands' strides over
//! it collapsed to the fewest dims (adjacent dims merge when both operands step through them
//! alike), so the shader's index arithmetic is short.

use sessionflow_core::{Result, Status, TensorShape};

/// The most dims a broadcast may keep after collapsing (the shader's push constants hold 8).
pub const MAX_BROADCAST_DIMS: usize = 8;

/// The broadcast of `a` and `b` (TensorFlow's rules and message).
pub fn broadcast_shape(a: &TensorShape, b: &TensorShape) -> Result<TensorShape> {
    let rank = a.rank().max(b.rank());
    let dim = |s: &TensorShape, i: usize| (i + s.rank()).checked_sub(rank).map_or(1, |j| s.dim(j));
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        out.push(match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return Err(Status::invalid_argument(format!("Incompatible shapes: {a} vs. {b}"))),
        });
    }
    Ok(TensorShape::new(out))
}

/// The output shape and, per collapsed dim (outermost first), its size and each operand's
/// element stride (0 where the operand repeats).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastPlan {
    pub out: TensorShape,
    pub dims: Vec<usize>,
    pub a_strides: Vec<usize>,
    pub b_strides: Vec<usize>,
}

impl BroadcastPlan {
    /// Plans `a ⊕ b`; InvalidArgument when the shapes do not broadcast, Unimplemented when more
    /// than [`MAX_BROADCAST_DIMS`] dims remain after collapsing.
    pub fn new(a: &TensorShape, b: &TensorShape) -> Result<BroadcastPlan> {
        let out = broadcast_shape(a, b)?;
        let rank = out.rank();
        let strides = |s: &TensorShape| {
            // Contiguous strides of `s` padded to `rank`, 0 where it is broadcast.
            let mut st = vec![0; rank];
            let mut step = 1;
            for i in (0..rank).rev() {
                let d = (i + s.rank()).checked_sub(rank).map_or(1, |j| s.dim(j));
                st[i] = if d == 1 { 0 } else { step };
                step *= d;
            }
            st
        };
        let (sa, sb) = (strides(a), strides(b));
        let mut dims: Vec<usize> = Vec::new();
        let mut a_strides: Vec<usize> = Vec::new();
        let mut b_strides: Vec<usize> = Vec::new();
        for i in 0..rank {
            let d = out.dim(i);
            if d == 1 {
                continue;
            }
            // Dim i merges into the previous (outer) kept dim when both operands step through
            // the pair as through one dim: outer stride = inner stride × inner size.
            if let (Some(pd), Some(pa), Some(pb)) =
                (dims.last_mut(), a_strides.last_mut(), b_strides.last_mut())
                && *pa == sa[i] * d
                && *pb == sb[i] * d
            {
                *pd *= d;
                *pa = sa[i];
                *pb = sb[i];
                continue;
            }
            dims.push(d);
            a_strides.push(sa[i]);
            b_strides.push(sb[i]);
        }
        if dims.is_empty() {
            // One element (or a broadcast of scalars): a single dim of 1.
            dims.push(1);
            a_strides.push(0);
            b_strides.push(0);
        }
        if dims.len() > MAX_BROADCAST_DIMS {
            return Err(Status::unimplemented(format!(
                "broadcasting {a} with {b} keeps {} dims; Vulkan kernels take at most {MAX_BROADCAST_DIMS}",
                dims.len()
            )));
        }
        Ok(BroadcastPlan { out, dims, a_strides, b_strides })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(a: &[usize], b: &[usize]) -> BroadcastPlan {
        BroadcastPlan::new(&TensorShape::new(a), &TensorShape::new(b)).unwrap()
    }

    fn collapsed(p: &BroadcastPlan) -> (&[usize], &[usize], &[usize]) {
        (&p.dims, &p.a_strides, &p.b_strides)
    }

    #[test]
    fn equal_shapes_collapse_to_one_dim() {
        let p = plan(&[2, 3, 4], &[2, 3, 4]);
        assert_eq!(p.out.dims(), &[2, 3, 4]);
        assert_eq!(collapsed(&p), (&[24][..], &[1][..], &[1][..]));
    }

    #[test]
    fn a_row_vector_repeats_down_the_rows() {
        // [2,3] + [3]: b's stride is 0 along the rows, so the dims cannot merge.
        let p = plan(&[2, 3], &[3]);
        assert_eq!(collapsed(&p), (&[2, 3][..], &[3, 1][..], &[0, 1][..]));
        // [4,2,3] + [3]: the two outer dims merge (b repeats along both).
        let p = plan(&[4, 2, 3], &[3]);
        assert_eq!(collapsed(&p), (&[8, 3][..], &[3, 1][..], &[0, 1][..]));
    }

    #[test]
    fn scalars_and_ones_broadcast_everywhere() {
        let p = plan(&[], &[5]);
        assert_eq!(p.out.dims(), &[5]);
        assert_eq!(collapsed(&p), (&[5][..], &[0][..], &[1][..]));
        let p = plan(&[1, 1], &[]);
        assert_eq!(p.out.dims(), &[1, 1]);
        assert_eq!(collapsed(&p), (&[1][..], &[0][..], &[0][..]));
        // Size-1 dims vanish: [2,1,4] + [1,3,1] is an outer product over three dims.
        let p = plan(&[2, 1, 4], &[1, 3, 1]);
        assert_eq!(p.out.dims(), &[2, 3, 4]);
        assert_eq!(collapsed(&p), (&[2, 3, 4][..], &[4, 0, 1][..], &[0, 1, 0][..]));
    }

    #[test]
    fn incompatible_shapes_are_tensorflows_error() {
        let e = BroadcastPlan::new(&TensorShape::new([2, 3]), &TensorShape::new([4])).unwrap_err();
        assert_eq!(e.code, sessionflow_core::Code::InvalidArgument);
        assert_eq!(e.message, "Incompatible shapes: [2,3] vs. [4]");
    }

    #[test]
    fn too_many_alternating_dims_are_unimplemented() {
        let a = [2, 1, 2, 1, 2, 1, 2, 1, 2];
        let b = [1, 2, 1, 2, 1, 2, 1, 2, 1];
        let e = BroadcastPlan::new(&TensorShape::new(a), &TensorShape::new(b)).unwrap_err();
        assert_eq!(e.code, sessionflow_core::Code::Unimplemented);
        assert_eq!(plan(&a[1..], &b[1..]).dims.len(), 8);
    }
}
