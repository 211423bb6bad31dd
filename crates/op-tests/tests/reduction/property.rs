//! Every reduction against a naive reference (one loop over every input element) on random
//! shapes, axes (some negative) and keep_dims, including shapes large enough for the parallel
//! paths.

use proptest::prelude::*;
use sessionflow_op_tests::core::Tensor;
use sessionflow_op_tests::{OpCase, tensor};

/// A shape, its values (small integers, so every sum is exact) and the axes to reduce.
#[derive(Clone, Debug)]
struct Case {
    dims: Vec<usize>,
    values: Vec<i32>,
    axes: Vec<i32>,
    keep_dims: bool,
}

fn case_with(dims: impl Strategy<Value = Vec<usize>>) -> impl Strategy<Value = Case> {
    dims.prop_flat_map(|dims| {
        let n: usize = dims.iter().product();
        let rank = dims.len();
        (
            Just(dims),
            prop::collection::vec(-4i32..=4, n),
            // Which axes to reduce, and whether each is written negatively.
            prop::collection::vec((any::<bool>(), any::<bool>()), rank),
            any::<bool>(),
            any::<u64>(),
        )
    })
    .prop_map(|(dims, values, picks, keep_dims, seed)| {
        let rank = dims.len() as i32;
        let mut axes: Vec<i32> = picks
            .iter()
            .enumerate()
            .filter(|(_, (pick, _))| *pick)
            .map(|(i, (_, neg))| if *neg { i as i32 - rank } else { i as i32 })
            .collect();
        // Axes in any order.
        if seed % 2 == 1 {
            axes.reverse();
        }
        Case { dims, values, axes, keep_dims }
    })
}

fn small_case() -> impl Strategy<Value = Case> {
    case_with(prop::collection::vec(0usize..5, 0..=4))
}

fn large_case() -> impl Strategy<Value = Case> {
    case_with(
        prop_oneof![prop::collection::vec(1usize..700, 2), prop::collection::vec(1usize..120, 3)]
            .prop_filter("big enough for threads", |d| {
                let n: usize = d.iter().product();
                (40_000..=400_000).contains(&n)
            }),
    )
}

/// The reference: folds every element into the output element its kept coordinates name.
fn naive<A: Copy>(c: &Case, init: A, f: impl Fn(A, i32) -> A) -> (Vec<usize>, Vec<A>) {
    let rank = c.dims.len();
    let reduced: Vec<bool> =
        (0..rank).map(|i| c.axes.iter().any(|&a| (a + rank as i32) as usize % rank == i)).collect();
    let out_dims: Vec<usize> = (0..rank)
        .filter_map(|i| match (reduced[i], c.keep_dims) {
            (false, _) => Some(c.dims[i]),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    let kept: Vec<usize> = (0..rank).filter(|&i| !reduced[i]).collect();
    let mut out = vec![init; kept.iter().map(|&i| c.dims[i]).product()];
    let mut index = vec![0usize; rank];
    for &v in &c.values {
        let o = kept.iter().fold(0, |acc, &i| acc * c.dims[i] + index[i]);
        out[o] = f(out[o], v);
        for d in (0..rank).rev() {
            index[d] += 1;
            if index[d] < c.dims[d] {
                break;
            }
            index[d] = 0;
        }
    }
    (out_dims, out)
}

fn run(op: &str, c: &Case, input: Tensor) -> Tensor {
    OpCase::new(op)
        .input_tensor(input)
        .input(&[c.axes.len()], &c.axes)
        .attr_bool("keep_dims", c.keep_dims)
        .output()
}

fn check_all(c: &Case) {
    let ints = || tensor(&c.dims, &c.values);
    let got = run("Sum", c, ints());
    let (dims, want) = naive(c, 0i32, |a, v| a + v);
    assert_eq!((got.shape().dims(), got.as_slice::<i32>().unwrap()), (&dims[..], &want[..]));
    let got = run("Max", c, ints());
    let (_, want) = naive(c, i32::MIN, |a, v| a.max(v));
    assert_eq!(got.as_slice::<i32>().unwrap(), &want[..]);
    let got = run("Min", c, ints());
    let (_, want) = naive(c, i32::MAX, |a, v| a.min(v));
    assert_eq!(got.as_slice::<i32>().unwrap(), &want[..]);
    let wide: Vec<i64> = c.values.iter().map(|&v| v as i64).collect();
    let got = run("Prod", c, tensor(&c.dims, &wide));
    let (_, want) = naive(c, 1i64, |a, v| a.wrapping_mul(v as i64));
    assert_eq!(got.as_slice::<i64>().unwrap(), &want[..]);
    // Means in f64: exact sums divided once.
    let floats: Vec<f64> = c.values.iter().map(|&v| v as f64).collect();
    let got = run("Mean", c, tensor(&c.dims, &floats));
    let (_, sums) = naive(c, (0f64, 0usize), |(s, n), v| (s + v as f64, n + 1));
    for (g, (s, n)) in got.as_slice::<f64>().unwrap().iter().zip(sums) {
        let w = s / n as f64;
        assert!(g == &w || (g.is_nan() && w.is_nan()), "mean {g} vs {w}");
    }
    let bools: Vec<bool> = c.values.iter().map(|&v| v > 0).collect();
    let got = run("Any", c, tensor(&c.dims, &bools));
    let (_, want) = naive(c, false, |a, v| a | (v > 0));
    assert_eq!(got.as_slice::<bool>().unwrap(), &want[..]);
    let got = run("All", c, tensor(&c.dims, &bools));
    let (_, want) = naive(c, true, |a, v| a & (v > 0));
    assert_eq!(got.as_slice::<bool>().unwrap(), &want[..]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn reductions_match_a_naive_reference(c in small_case()) {
        check_all(&c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn large_reductions_match_a_naive_reference(c in large_case()) {
        check_all(&c);
    }
}

/// A shape, small values with many ties and some NaNs, and an axis.
fn arg_case() -> impl Strategy<Value = (Vec<usize>, Vec<f32>, usize)> {
    prop::collection::vec(1usize..200, 1..=3)
        .prop_filter("not too big", |d| d.iter().product::<usize>() <= 20_000)
        .prop_flat_map(|dims| {
            let n: usize = dims.iter().product();
            let rank = dims.len();
            (Just(dims), prop::collection::vec(-3i32..=4, n), 0..rank)
        })
        .prop_map(|(dims, v, axis)| {
            // 4 stands for NaN.
            let values = v.iter().map(|&x| if x == 4 { f32::NAN } else { x as f32 }).collect();
            (dims, values, axis)
        })
}

/// TensorFlow's scan: from the lowest (highest) value at 0, move on strictly better values.
fn naive_arg(dims: &[usize], x: &[f32], axis: usize, max: bool) -> Vec<i64> {
    let outer: usize = dims[..axis].iter().product();
    let n = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for j in 0..inner {
            let (mut best, mut idx) = (if max { f32::NEG_INFINITY } else { f32::INFINITY }, 0);
            for i in 0..n {
                let v = x[(o * n + i) * inner + j];
                if (max && v > best) || (!max && v < best) {
                    best = v;
                    idx = i as i64;
                }
            }
            out.push(idx);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arg_max_and_min_match_a_sequential_scan((dims, x, axis) in arg_case()) {
        for (op, max) in [("ArgMax", true), ("ArgMin", false)] {
            let got = OpCase::new(op)
                .input_tensor(tensor(&dims, &x))
                .input(&[], &[axis as i32])
                .output();
            prop_assert_eq!(got.as_slice::<i64>().unwrap(), &naive_arg(&dims, &x, axis, max)[..]);
        }
    }
}
