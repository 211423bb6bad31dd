//! Properties: Transpose, Tile and ConcatV2 agree with naive index arithmetic on random
//! shapes (empty dimensions included).

use proptest::prelude::*;
use sessionflow_op_tests::{OpCase, assert_values, tensor};

/// Row-major strides.
fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}

/// The multi-index of flat position `i` in `dims`.
fn unravel(mut i: usize, dims: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; dims.len()];
    for d in (0..dims.len()).rev() {
        idx[d] = i % dims[d];
        i /= dims[d];
    }
    idx
}

fn iota(n: usize) -> Vec<i32> {
    (0..n as i32).collect()
}

fn shape_and_perm() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    // Up to 11 per dimension so that batched transposes reach the tiled path (8 and more).
    prop::collection::vec(0usize..12, 1..5).prop_flat_map(|dims| {
        let perm: Vec<usize> = (0..dims.len()).collect();
        (Just(dims), Just(perm).prop_shuffle())
    })
}

fn shape_and_multiples() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    prop::collection::vec(0usize..4, 0..4).prop_flat_map(|dims| {
        let n = dims.len();
        (Just(dims), prop::collection::vec(0usize..4, n))
    })
}

fn concat_inputs() -> impl Strategy<Value = (Vec<Vec<usize>>, usize)> {
    (prop::collection::vec(0usize..4, 1..4), 2usize..5).prop_flat_map(|(dims, n)| {
        let rank = dims.len();
        (Just(dims), 0..rank, prop::collection::vec(0usize..4, n)).prop_map(
            |(dims, axis, sizes)| {
                let shapes = sizes
                    .iter()
                    .map(|&s| {
                        let mut d = dims.clone();
                        d[axis] = s;
                        d
                    })
                    .collect();
                (shapes, axis)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn transpose_matches_index_arithmetic((dims, perm) in shape_and_perm()) {
        let n: usize = dims.iter().product();
        let out_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
        let in_strides = strides(&dims);
        let expected: Vec<i32> = (0..n)
            .map(|i| {
                let idx = unravel(i, &out_dims);
                idx.iter().zip(&perm).map(|(&x, &p)| x * in_strides[p]).sum::<usize>() as i32
            })
            .collect();
        let perm_i32: Vec<i32> = perm.iter().map(|&p| p as i32).collect();
        let t = OpCase::new("Transpose")
            .input(&dims, &iota(n))
            .input(&[perm.len()], &perm_i32)
            .output();
        assert_values(&t, &out_dims, &expected);
    }

    #[test]
    fn tile_matches_index_arithmetic((dims, multiples) in shape_and_multiples()) {
        let out_dims: Vec<usize> = dims.iter().zip(&multiples).map(|(d, m)| d * m).collect();
        let in_strides = strides(&dims);
        let n_out: usize = out_dims.iter().product();
        let expected: Vec<i32> = (0..n_out)
            .map(|i| {
                let idx = unravel(i, &out_dims);
                idx.iter().zip(&dims).zip(&in_strides).map(|((&x, &d), &s)| (x % d) * s).sum::<usize>() as i32
            })
            .collect();
        let m: Vec<i64> = multiples.iter().map(|&m| m as i64).collect();
        let t = OpCase::new("Tile")
            .input(&dims, &iota(dims.iter().product()))
            .input(&[m.len()], &m)
            .output();
        assert_values(&t, &out_dims, &expected);
    }

    #[test]
    fn concat_matches_index_arithmetic((shapes, axis) in concat_inputs()) {
        // Input k holds 1000·k + its flat position, so every element says where it came from.
        let inputs: Vec<Vec<i32>> = shapes
            .iter()
            .enumerate()
            .map(|(k, s)| (0..s.iter().product::<usize>()).map(|i| (1000 * k + i) as i32).collect())
            .collect();
        let mut out_dims = shapes[0].clone();
        out_dims[axis] = shapes.iter().map(|s| s[axis]).sum();
        let n_out: usize = out_dims.iter().product();
        let expected: Vec<i32> = (0..n_out)
            .map(|i| {
                let mut idx = unravel(i, &out_dims);
                let mut k = 0;
                while idx[axis] >= shapes[k][axis] {
                    idx[axis] -= shapes[k][axis];
                    k += 1;
                }
                let flat: usize = idx.iter().zip(strides(&shapes[k])).map(|(&x, s)| x * s).sum();
                inputs[k][flat]
            })
            .collect();
        let mut case = OpCase::new("ConcatV2");
        for (s, v) in shapes.iter().zip(&inputs) {
            case = case.input_tensor(tensor(s, v));
        }
        let t = case.input(&[], &[axis as i32]).output();
        assert_values(&t, &out_dims, &expected);
    }
}

/// Tensors above the parallel threshold (32k elements) are filled by several threads in
/// blocks; the blocks must tile the output exactly.
#[test]
fn large_tensors_split_across_threads() {
    let (r, c) = (200usize, 300usize);
    let a: Vec<i32> = iota(r * c);
    let b: Vec<i32> = a.iter().map(|v| -v).collect();
    let joined =
        OpCase::new("ConcatV2").input(&[r, c], &a).input(&[r, c], &b).input(&[], &[1i32]).output();
    let expected: Vec<i32> = (0..r)
        .flat_map(|i| {
            (0..2 * c)
                .map(move |j| if j < c { (i * c + j) as i32 } else { -((i * c + j - c) as i32) })
        })
        .collect();
    assert_values(&joined, &[r, 2 * c], &expected);

    let parts = OpCase::new("Split")
        .input(&[], &[1i32])
        .input_tensor(joined)
        .attr_int("num_split", 2)
        .outputs();
    assert_values(&parts[0], &[r, c], &a);
    assert_values(&parts[1], &[r, c], &b);

    let padded = OpCase::new("Pad").input(&[r, c], &a).input(&[2, 2], &[1i32, 2, 3, 4]).output();
    let (pr, pc) = (r + 3, c + 7);
    let expected: Vec<i32> = (0..pr * pc)
        .map(|k| {
            let (i, j) = (k / pc, k % pc);
            if (1..=r).contains(&i) && (3..3 + c).contains(&j) {
                ((i - 1) * c + j - 3) as i32
            } else {
                0
            }
        })
        .collect();
    assert_values(&padded, &[pr, pc], &expected);

    // numpy's "reflect": index -k maps to k, and n-1+k to n-1-k.
    let reflect = |x: isize, n: isize| {
        if x < 0 {
            -x
        } else if x >= n {
            2 * (n - 1) - x
        } else {
            x
        }
    };
    let mirrored = OpCase::new("MirrorPad")
        .input(&[r, c], &a)
        .input(&[2, 2], &[2i32, 2, 3, 3])
        .attr_str("mode", "REFLECT")
        .output();
    let (mr, mc) = (r + 4, c + 6);
    let expected: Vec<i32> = (0..mr * mc)
        .map(|k| {
            let i = reflect((k / mc) as isize - 2, r as isize) as usize;
            let j = reflect((k % mc) as isize - 3, c as isize) as usize;
            (i * c + j) as i32
        })
        .collect();
    assert_values(&mirrored, &[mr, mc], &expected);

    let t = OpCase::new("Transpose")
        .input(&[2, r, c], &iota(2 * r * c))
        .input(&[3], &[0i32, 2, 1])
        .output();
    let expected: Vec<i32> = (0..2 * r * c)
        .map(|k| ((k / (r * c)) * r * c + (k % r) * c + (k / r) % c) as i32)
        .collect();
    assert_values(&t, &[2, c, r], &expected);
}
