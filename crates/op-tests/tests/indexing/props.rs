//! Properties against naive references: GatherV2 along any axis and SelectV2's broadcasting.

use proptest::prelude::*;
use sessionflow_op_tests::{OpCase, tensor};

/// Row-major strides of `dims`.
fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}

/// The multi-index of flat element `flat` of `dims`.
fn unflatten(mut flat: usize, dims: &[usize]) -> Vec<usize> {
    let mut index = vec![0; dims.len()];
    for i in (0..dims.len()).rev() {
        index[i] = flat % dims[i];
        flat /= dims[i];
    }
    index
}

fn gather_case() -> impl Strategy<Value = (Vec<usize>, usize, Vec<usize>, Vec<i32>)> {
    (prop::collection::vec(1usize..4, 1..4), prop::collection::vec(0usize..3, 0..3))
        .prop_flat_map(|(params, indices)| {
            let rank = params.len();
            (Just(params), 0..rank, Just(indices))
        })
        .prop_flat_map(|(params, axis, indices)| {
            let n: usize = indices.iter().product();
            let limit = params[axis] as i32;
            (Just(params), Just(axis), Just(indices), prop::collection::vec(0..limit, n))
        })
}

/// Three shapes that broadcast to a common one: each drops some leading dimensions of it
/// and sets some others to 1.
fn select_case() -> impl Strategy<Value = [Vec<usize>; 3]> {
    prop::collection::vec(1usize..4, 0..4).prop_flat_map(|out| {
        let rank = out.len();
        let one = move |out: Vec<usize>| {
            (0..=rank, prop::collection::vec(any::<bool>(), rank)).prop_map(move |(drop, ones)| {
                out[drop..]
                    .iter()
                    .zip(&ones[drop..])
                    .map(|(&d, &o)| if o { 1 } else { d })
                    .collect()
            })
        };
        [one(out.clone()), one(out.clone()), one(out)]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn gather_matches_a_naive_reference((params, axis, indices, idx) in gather_case()) {
        let n: usize = params.iter().product();
        let values: Vec<f32> = (0..n).map(|v| v as f32).collect();
        let out = OpCase::new("GatherV2")
            .input(&params, &values)
            .input(&indices, &idx)
            .input(&[], &[axis as i32])
            .output();
        let mut dims = params[..axis].to_vec();
        dims.extend_from_slice(&indices);
        dims.extend_from_slice(&params[axis + 1..]);
        prop_assert_eq!(out.shape().dims(), &dims[..]);
        let ps = strides(&params);
        let got = out.as_slice::<f32>().unwrap();
        for (flat, &g) in got.iter().enumerate() {
            let at = unflatten(flat, &dims);
            let k = indices.len();
            let which: usize = at[axis..axis + k].iter().zip(strides(&indices)).map(|(a, s)| a * s).sum();
            let mut src = at[..axis].to_vec();
            src.push(idx[which] as usize);
            src.extend_from_slice(&at[axis + k..]);
            let want: usize = src.iter().zip(&ps).map(|(a, s)| a * s).sum();
            prop_assert_eq!(g, want as f32);
        }
    }

    #[test]
    fn select_v2_broadcasts_like_numpy([c, t, e] in select_case(), seed in any::<u64>()) {
        let count = |d: &[usize]| d.iter().product::<usize>();
        let cond: Vec<bool> = (0..count(&c)).map(|i| (seed >> (i % 64)) & 1 == 1).collect();
        let tv: Vec<i32> = (0..count(&t) as i32).map(|v| v + 1).collect();
        let ev: Vec<i32> = (0..count(&e) as i32).map(|v| -v - 1).collect();
        let out = OpCase::new("SelectV2")
            .input_tensor(tensor(&c, &cond))
            .input_tensor(tensor(&t, &tv))
            .input_tensor(tensor(&e, &ev))
            .output();
        let rank = c.len().max(t.len()).max(e.len());
        let pad = |d: &[usize]| [vec![1; rank - d.len()], d.to_vec()].concat();
        let (pc, pt, pe) = (pad(&c), pad(&t), pad(&e));
        let dims: Vec<usize> = (0..rank).map(|i| pc[i].max(pt[i]).max(pe[i])).collect();
        prop_assert_eq!(out.shape().dims(), &dims[..]);
        // Index an input at an output position: size-1 dimensions stay at 0.
        let at = |d: &[usize], pos: &[usize]| -> usize {
            let s = strides(d);
            pos.iter().zip(d).zip(&s).map(|((&p, &n), &st)| if n == 1 { 0 } else { p * st }).sum()
        };
        for (flat, &g) in out.as_slice::<i32>().unwrap().iter().enumerate() {
            let pos = unflatten(flat, &dims);
            let want = if cond[at(&pc, &pos)] { tv[at(&pt, &pos)] } else { ev[at(&pe, &pos)] };
            prop_assert_eq!(g, want);
        }
    }
}
