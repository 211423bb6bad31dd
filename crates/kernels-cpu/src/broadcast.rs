use sessionflow_core::{Result, Status, TensorShape};

/// The numpy broadcast of two concrete shapes, or InvalidArgument as TensorFlow words it.
pub fn broadcast_shapes(a: &TensorShape, b: &TensorShape) -> Result<TensorShape> {
    let rank = a.rank().max(b.rank());
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let x = padded_dim(a, rank, i);
        let y = padded_dim(b, rank, i);
        out.push(match (x, y) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(Status::invalid_argument(format!("Incompatible shapes: {a} vs. {b}")));
            }
        });
    }
    Ok(TensorShape::new(out))
}

/// Dimension `i` of `s` left-padded with ones to `rank`.
fn padded_dim(s: &TensorShape, rank: usize, i: usize) -> usize {
    let pad = rank - s.rank();
    if i < pad { 1 } else { s.dim(i - pad) }
}

/// Element strides of `s` when broadcast to `out` (0 along stretched dimensions).
fn broadcast_strides(s: &TensorShape, out: &TensorShape) -> Vec<usize> {
    let rank = out.rank();
    let mut strides = vec![0; rank];
    let mut stride = 1;
    for i in (0..rank).rev() {
        let d = padded_dim(s, rank, i);
        strides[i] = if d == 1 { 0 } else { stride };
        stride *= d;
    }
    strides
}

/// `out[i] = f(x[ix], y[iy])` over the broadcast of `x` (shape `xs`) and `y` (shape `ys`)
/// into `out` (shape `os`, already computed by [`broadcast_shapes`]).
pub(crate) fn broadcast_binary<A: Copy, B: Copy, O>(
    x: &[A],
    xs: &TensorShape,
    y: &[B],
    ys: &TensorShape,
    out: &mut [O],
    os: &TensorShape,
    f: impl Fn(A, B) -> O,
) {
    // Fast paths cover most graphs: equal shapes and scalar operands.
    if x.len() == out.len() && y.len() == out.len() {
        for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
            *o = f(a, b);
        }
        return;
    }
    if y.len() == 1 && x.len() == out.len() {
        let b = y[0];
        for (o, &a) in out.iter_mut().zip(x) {
            *o = f(a, b);
        }
        return;
    }
    if x.len() == 1 && y.len() == out.len() {
        let a = x[0];
        for (o, &b) in out.iter_mut().zip(y) {
            *o = f(a, b);
        }
        return;
    }
    if out.is_empty() {
        return;
    }
    let rank = os.rank();
    let (sx, sy) = (broadcast_strides(xs, os), broadcast_strides(ys, os));
    let inner = os.dim(rank - 1);
    let (ix_step, iy_step) = (sx[rank - 1], sy[rank - 1]);
    let mut index = vec![0usize; rank];
    for row in out.chunks_mut(inner) {
        let bx: usize = index.iter().zip(&sx).map(|(i, s)| i * s).sum();
        let by: usize = index.iter().zip(&sy).map(|(i, s)| i * s).sum();
        for (j, o) in row.iter_mut().enumerate() {
            *o = f(x[bx + j * ix_step], y[by + j * iy_step]);
        }
        // Odometer over all but the innermost dimension.
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            if index[d] < os.dim(d) {
                break;
            }
            index[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: &[i32], xs: &[usize], y: &[i32], ys: &[usize]) -> (Vec<usize>, Vec<i32>) {
        let (xs, ys) = (TensorShape::new(xs), TensorShape::new(ys));
        let os = broadcast_shapes(&xs, &ys).unwrap();
        let mut out = vec![0; os.num_elements().unwrap()];
        broadcast_binary(x, &xs, y, &ys, &mut out, &os, |a, b| a * 10 + b);
        (os.dims().to_vec(), out)
    }

    #[test]
    fn row_and_column_vectors_broadcast_to_a_matrix() {
        // x is a column [1;2;3], y a row [4 5]: out[i][j] = 10*x[i] + y[j].
        let (shape, out) = run(&[1, 2, 3], &[3, 1], &[4, 5], &[2]);
        assert_eq!(shape, [3, 2]);
        assert_eq!(out, [14, 15, 24, 25, 34, 35]);
    }

    #[test]
    fn middle_dimension_broadcast() {
        // x: [2,1,2] = [[[1,2]],[[3,4]]]; y: [1,3,1] = [[[0],[1],[2]]].
        let (shape, out) = run(&[1, 2, 3, 4], &[2, 1, 2], &[0, 1, 2], &[1, 3, 1]);
        assert_eq!(shape, [2, 3, 2]);
        assert_eq!(out, [10, 20, 11, 21, 12, 22, 30, 40, 31, 41, 32, 42]);
    }

    #[test]
    fn scalars_and_empty_tensors() {
        assert_eq!(run(&[7], &[], &[1, 2], &[2]).1, [71, 72]);
        assert_eq!(run(&[1, 2], &[2], &[3], &[]).1, [13, 23]);
        let (shape, out) = run(&[], &[0, 2], &[1, 2], &[2]);
        assert_eq!((shape, out), (vec![0, 2], vec![]));
    }

    #[test]
    fn incompatible_shapes_are_an_error() {
        let err = broadcast_shapes(&TensorShape::new([2, 3]), &TensorShape::new([4])).unwrap_err();
        assert_eq!(err.message, "Incompatible shapes: [2,3] vs. [4]");
    }
}
