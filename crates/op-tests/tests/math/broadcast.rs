//! Numpy broadcasting of the binary ops: fixed cases, static shape inference with unknown
//! dimensions, outputs long enough to run in parallel, and a property test against a naive
//! reference.

use proptest::prelude::*;
use sessionflow::graph::{Endpoint, Graph, NodeSpec};
use sessionflow_op_tests::core::{AttrMap, AttrValue, Code, DType, PartialShape};
use sessionflow_op_tests::{OpCase, assert_values};

#[test]
fn a_column_and_a_row_broadcast_to_a_matrix() {
    let t = OpCase::new("Sub")
        .input(&[3, 1], &[1f32, 2., 3.])
        .input(&[4], &[10f32, 20., 30., 40.])
        .output();
    #[rustfmt::skip]
    let want = [-9f32, -19., -29., -39., -8., -18., -28., -38., -7., -17., -27., -37.];
    assert_values(&t, &[3, 4], &want);
}

#[test]
fn operands_of_different_ranks_broadcast_along_the_middle() {
    // x: [2,1,3], y: [2,1] → [2,2,3]; out[i][j][k] = x[i][0][k] + y[j][0].
    let t = OpCase::new("AddV2")
        .input(&[2, 1, 3], &[1i32, 2, 3, 4, 5, 6])
        .input(&[2, 1], &[10i32, 20])
        .output();
    assert_values(&t, &[2, 2, 3], &[11i32, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26]);
    let t = OpCase::new("Pow").input(&[], &[2i32]).input(&[3], &[0i32, 1, 3]).output();
    assert_values(&t, &[3], &[1i32, 2, 8]);
    let t = OpCase::new("FloorMod").input(&[3], &[-7i64, 7, 8]).input(&[], &[3i64]).output();
    assert_values(&t, &[3], &[2i64, 1, 2]);
    let t = OpCase::new("Mul").input(&[], &[3f64]).input(&[], &[-2f64]).output();
    assert_values(&t, &[], &[-6f64]);
    let t = OpCase::new("Maximum").input(&[1, 1], &[3u8]).input(&[1], &[9u8]).output();
    assert_values(&t, &[1, 1], &[9u8]);
}

#[test]
fn empty_operands_give_empty_outputs() {
    let t = OpCase::new("AddV2").input(&[0, 3], &[0f32; 0]).input(&[3], &[1f32, 2., 3.]).output();
    assert_values(&t, &[0, 3], &[0f32; 0]);
    let t = OpCase::new("Mul").input(&[2, 0], &[0i32; 0]).input(&[2, 1], &[1i32, 2]).output();
    assert_values(&t, &[2, 0], &[0i32; 0]);
    let t = OpCase::new("Less").input(&[0], &[0i8; 0]).input(&[], &[1i8]).output();
    assert_values(&t, &[0], &[false; 0]);
    OpCase::new("AddV2")
        .input(&[0], &[0f32; 0])
        .input(&[2], &[1f32, 2.])
        .expect_error(Code::InvalidArgument, "Dimensions must be equal, but are 0 and 2");
    OpCase::new("Greater")
        .input(&[2, 3], &[0i32; 6])
        .input(&[2], &[0i32; 2])
        .expect_error(Code::InvalidArgument, "Dimensions must be equal, but are 3 and 2");
}

/// The static output shape of `op` on placeholders of these (partial) shapes.
fn inferred(
    op: &str,
    shapes: &[&[i64]],
    attrs: &[(&str, AttrValue)],
) -> Result<PartialShape, String> {
    let mut g = Graph::new();
    let mut inputs = Vec::new();
    for (i, dims) in shapes.iter().enumerate() {
        let mut a = AttrMap::new();
        a.insert("dtype".into(), AttrValue::Type(DType::Float32));
        a.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(dims).unwrap()));
        let id = g
            .add_node(NodeSpec {
                op: "Placeholder".into(),
                name: format!("p{i}"),
                attrs: a,
                ..Default::default()
            })
            .unwrap();
        inputs.push(Endpoint::new(id, 0));
    }
    let attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let spec = NodeSpec { op: op.into(), name: "op".into(), inputs, attrs, ..Default::default() };
    let id = g.add_node(spec).map_err(|e| e.message)?;
    Ok(g.node(id).unwrap().output_shapes[0].clone())
}

fn shape(dims: &[i64]) -> PartialShape {
    PartialShape::from_i64(dims).unwrap()
}

#[test]
fn static_shapes_follow_tensorflow_with_unknown_dimensions() {
    assert_eq!(inferred("AddV2", &[&[-1, 3], &[4, 1]], &[]), Ok(shape(&[4, 3])));
    assert_eq!(inferred("Mul", &[&[-1, 1], &[5]], &[]), Ok(shape(&[-1, 5])));
    assert_eq!(inferred("Less", &[&[-1], &[-1]], &[]), Ok(shape(&[-1])));
    assert_eq!(inferred("Sqrt", &[&[-1, 2]], &[]), Ok(shape(&[-1, 2])));
    let err = inferred("Sub", &[&[2, 3], &[4]], &[]).unwrap_err();
    assert!(err.contains("Dimensions must be equal, but are 3 and 4"), "{err}");
    assert!(err.contains("with input shapes: [2,3], [4]"), "{err}");
    let lenient = [("incompatible_shape_error", AttrValue::Bool(false))];
    assert_eq!(inferred("Equal", &[&[2], &[3]], &lenient), Ok(PartialShape::scalar()));
    assert_eq!(inferred("NotEqual", &[&[-1], &[3]], &lenient), Ok(PartialShape::unknown()));
    assert_eq!(inferred("Equal", &[&[2, 1], &[3]], &lenient), Ok(shape(&[2, 3])));
    assert_eq!(inferred("AddN", &[&[-1, 3], &[2, -1], &[-1, -1]], &[]), Ok(shape(&[2, 3])));
    let err = inferred("AddN", &[&[2], &[3]], &[]).unwrap_err();
    assert!(err.contains("must be equal, but are 2 and 3"), "{err}");
}

/// The flat index in an operand of shape `dims` (right-aligned to `out`) of output element
/// `index` (a multi-index of `out`): the naive definition of broadcasting.
fn operand_index(dims: &[usize], out: &[usize], index: &[usize]) -> usize {
    let pad = out.len() - dims.len();
    let mut flat = 0;
    for (k, &d) in dims.iter().enumerate() {
        flat = flat * d + if d == 1 { 0 } else { index[pad + k] };
    }
    flat
}

/// `f(x, y)` broadcast the naive way: one multi-index per output element.
fn reference<T: Copy, O>(
    x: &[T],
    xd: &[usize],
    y: &[T],
    yd: &[usize],
    out: &[usize],
    f: impl Fn(T, T) -> O,
) -> Vec<O> {
    let n: usize = out.iter().product();
    let mut index = vec![0; out.len()];
    let mut result = Vec::with_capacity(n);
    for flat in 0..n {
        let mut rest = flat;
        for d in (0..out.len()).rev() {
            index[d] = rest % out[d];
            rest /= out[d];
        }
        result.push(f(x[operand_index(xd, out, &index)], y[operand_index(yd, out, &index)]));
    }
    result
}

#[test]
fn long_outputs_split_across_threads_match_the_reference() {
    // 300 × 50 × 7 = 105,000 outputs: well past the parallel threshold, with chunks starting
    // mid-row.
    let (xd, yd, od) = ([300usize, 1, 7], [50usize, 1], [300usize, 50, 7]);
    let x: Vec<i32> = (0..2100).map(|v| v * 7 - 5000).collect();
    let y: Vec<i32> = (0..50).map(|v| v * 13 - 300).collect();
    let t = OpCase::new("Sub").input(&xd, &x).input(&yd, &y).output();
    assert_values(&t, &od, &reference(&x, &xd, &y, &yd, &od, |a, b| a - b));
    let t = OpCase::new("GreaterEqual").input(&xd, &x).input(&yd, &y).output();
    assert_values(&t, &od, &reference(&x, &xd, &y, &yd, &od, |a, b| a >= b));
    // Same shapes and a scalar operand: the fast paths, also long.
    let a: Vec<f32> = (0..100_000).map(|v| v as f32 * 0.5).collect();
    let b: Vec<f32> = (0..100_000).map(|v| 3.0 - v as f32).collect();
    let t = OpCase::new("Mul").input(&[100_000], &a).input(&[100_000], &b).output();
    let want: Vec<f32> = a.iter().zip(&b).map(|(p, q)| p * q).collect();
    assert_values(&t, &[100_000], &want);
    let t = OpCase::new("Minimum").input(&[100_000], &a).input(&[], &[777f32]).output();
    let want: Vec<f32> = a.iter().map(|p| p.min(777.)).collect();
    assert_values(&t, &[100_000], &want);
    let n: Vec<i64> = (0..70_000).map(|v| v - 35_000).collect();
    let t = OpCase::new("Neg").input(&[70_000], &n).output();
    assert_values(&t, &[70_000], &n.iter().map(|v| -v).collect::<Vec<_>>());
}

/// Two operand shapes that broadcast: each keeps or collapses to 1 every dimension of a
/// random full shape, and may drop leading dimensions.
fn broadcast_case() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    prop::collection::vec(0usize..5, 0..=4)
        .prop_flat_map(|full| {
            let r = full.len();
            let keep = prop::collection::vec(any::<bool>(), r);
            (Just(full), keep.clone(), keep, 0..=r, 0..=r)
        })
        .prop_map(|(full, kx, ky, dx, dy)| {
            let operand = |keep: &[bool], drop: usize| -> Vec<usize> {
                full.iter().zip(keep).map(|(&d, &k)| if k { d } else { 1 }).skip(drop).collect()
            };
            (operand(&kx, dx), operand(&ky, dy))
        })
}

/// Numpy's rule for shapes known to be compatible: right-aligned, a 1 takes the other size.
fn numpy_shape(x: &[usize], y: &[usize]) -> Vec<usize> {
    let rank = x.len().max(y.len());
    let dim = |s: &[usize], i: usize| if i < rank - s.len() { 1 } else { s[i - (rank - s.len())] };
    (0..rank).map(|i| if dim(x, i) == 1 { dim(y, i) } else { dim(x, i) }).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn broadcast_sub_matches_the_naive_reference((xd, yd) in broadcast_case(), seed in any::<i32>()) {
        let out = numpy_shape(&xd, &yd);
        let x: Vec<i32> = (0..xd.iter().product::<usize>() as i32).map(|i| i.wrapping_mul(31) ^ seed).collect();
        let y: Vec<i32> = (0..yd.iter().product::<usize>() as i32).map(|i| i * 7 - 50).collect();
        let t = OpCase::new("Sub").input(&xd, &x).input(&yd, &y).output();
        prop_assert_eq!(t.shape().dims(), &out[..]);
        let want = reference(&x, &xd, &y, &yd, &out, |a: i32, b: i32| a.wrapping_sub(b));
        prop_assert_eq!(t.as_slice::<i32>().unwrap(), &want[..]);
    }
}
