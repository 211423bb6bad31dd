//! Random ops: values equal TensorFlow's for the same seeds (bit for bit: the same Philox
//! stream and the same conversions), the sequence continues across runs of one session,
//! distribution moments and bounds over many samples, and TF's errors.
//!
//! Expected literals were produced with TensorFlow 2.21 (`tf.raw_ops.*` in a TF1 session,
//! `seed`/`seed2` as given, first and second `Session.run`).

use half::{bf16, f16};
use sessionflow::core::{AttrValue, Code, DType, Tensor};
use sessionflow::graph::{Endpoint, Graph, NodeSpec};
use sessionflow::{SessionConfig, open_session};
use sessionflow_op_tests::{InputMode, OpCase, assert_values, tensor, values_f64};
use std::sync::{Arc, RwLock};

fn uniform(dtype: DType, dims: &[i32], seed: i64, seed2: i64) -> OpCase {
    OpCase::new("RandomUniform")
        .input(&[dims.len()], dims)
        .attr_type("dtype", dtype)
        .attr_int("seed", seed)
        .attr_int("seed2", seed2)
}

fn seeded(op: &str, dtype: DType, dims: &[i32], seed: i64, seed2: i64) -> OpCase {
    OpCase::new(op)
        .input(&[dims.len()], dims)
        .attr_type("dtype", dtype)
        .attr_int("seed", seed)
        .attr_int("seed2", seed2)
}

fn uniform_int<T: sessionflow::core::Element>(dims: &[i32], lo: T, hi: T, seed: i64) -> OpCase {
    OpCase::new("RandomUniformInt")
        .input(&[dims.len()], dims)
        .input(&[], &[lo])
        .input(&[], &[hi])
        .attr_int("seed", seed)
        .attr_int("seed2", seed + 1)
}

fn bits<T: sessionflow::core::Element>(t: &Tensor, to_bits: impl Fn(T) -> u16) -> Vec<u16> {
    t.as_slice::<T>().unwrap().iter().map(|&v| to_bits(v)).collect()
}

#[test]
fn uniform_floats_match_tensorflow_bit_for_bit() {
    let t = uniform(DType::Float32, &[6], 1, 2).output();
    let tf = [
        0.406396746635437,
        0.8575996160507202,
        0.05539584159851074,
        0.08587229251861572,
        0.41215360164642334,
        0.036630868911743164,
    ];
    assert_values(&t, &[6], &tf.map(|v: f64| v as f32));
    let t = uniform(DType::Float64, &[3], 1, 2).output();
    assert_values(&t, &[3], &[0.2511744980841868, 0.44316677020093853, 0.2972296290781924]);
    let t = uniform(DType::Float16, &[5], 1, 2).output();
    assert_eq!(bits::<f16>(&t, f16::to_bits), [0x3278, 0x374c, 0x3a6c, 0x3774, 0x35cc]);
    let t = uniform(DType::BFloat16, &[5], 1, 2).output();
    assert_eq!(bits::<bf16>(&t, bf16::to_bits), [0x3f1e, 0x3f26, 0x3ed8, 0x3f3a, 0x3f66]);
    // Negative seeds are their two's-complement bits.
    let t = uniform(DType::Float32, &[2], -1, -3).output();
    assert_values(&t, &[2], &[0.8479592800140381f64 as f32, 0.8793950080871582f64 as f32]);
}

#[test]
fn normals_match_tensorflow() {
    let t = seeded("RandomStandardNormal", DType::Float32, &[6], 7, 3).output();
    let tf: [f64; 6] = [
        0.9447038173675537,
        -0.9667906761169434,
        0.8051716685295105,
        1.3033159971237183,
        0.2149045467376709,
        -0.7346575856208801,
    ];
    assert_values(&t, &[6], &tf.map(|v| v as f32));
    let t = seeded("RandomStandardNormal", DType::Float64, &[3], 7, 3).output();
    assert_values(&t, &[3], &[0.2841397934847126, -1.7472690787243486, 0.022475391397604266]);
    let t = seeded("RandomStandardNormal", DType::Float16, &[3], 7, 3).output();
    assert_eq!(bits::<f16>(&t, f16::to_bits), [0x3b8f, 0xbbbc, 0x3a71]);
}

#[test]
fn truncated_normals_match_tensorflow_across_groups() {
    // Ten values span three groups of four, each drawn from its own reserved blocks.
    let t = seeded("TruncatedNormal", DType::Float32, &[10], 7, 3).output();
    let tf: [f64; 10] = [
        0.9447038173675537,
        -0.9667906761169434,
        0.8051716685295105,
        1.3033159971237183,
        -0.21878036856651306,
        -0.8048995137214661,
        -0.1616145819425583,
        -0.5296070575714111,
        1.1952472925186157,
        -0.844708263874054,
    ];
    assert_values(&t, &[10], &tf.map(|v| v as f32));
    let t = seeded("TruncatedNormal", DType::Float64, &[5], 7, 3).output();
    let tf = [
        0.2841397934847126,
        -1.7472690787243486,
        -0.8324516698354941,
        1.1555486766159675,
        -0.7045877862978654,
    ];
    assert_values(&t, &[5], &tf);
}

#[test]
fn uniform_ints_match_tensorflow() {
    let t = uniform_int(&[6], -5i32, 10, 4).output();
    assert_values(&t, &[6], &[9, 7, 0, -4, -2, 9]);
    let t = uniform_int(&[3], -(1i64 << 40), 1 << 40, 4).output();
    assert_values(&t, &[3], &[-433383630942i64, 248059914827, 520252807969]);
}

/// A one-node graph with `case`-like inputs as constants, run `runs` times in one session.
fn run_twice(op: &str, inputs: Vec<Tensor>, attrs: &[(&str, AttrValue)]) -> (Tensor, Tensor) {
    let graph = Arc::new(RwLock::new(Graph::new()));
    let node = {
        let mut g = graph.write().unwrap();
        let mut ins = Vec::new();
        for (i, t) in inputs.into_iter().enumerate() {
            let mut a = sessionflow::core::AttrMap::new();
            a.insert("dtype".into(), AttrValue::Type(t.dtype()));
            a.insert("value".into(), AttrValue::Tensor(t));
            let id = g
                .add_node(NodeSpec {
                    op: "Const".into(),
                    name: format!("c{i}"),
                    attrs: a,
                    ..Default::default()
                })
                .unwrap();
            ins.push(Endpoint::new(id, 0));
        }
        let attrs = attrs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        g.add_node(NodeSpec {
            op: op.into(),
            name: "r".into(),
            inputs: ins,
            attrs,
            ..Default::default()
        })
        .unwrap()
    };
    let session = open_session(graph, &SessionConfig::default()).unwrap();
    let fetch = [Endpoint::new(node, 0)];
    let first = session.run(vec![], &fetch, &[]).unwrap().remove(0);
    let second = session.run(vec![], &fetch, &[]).unwrap().remove(0);
    (first, second)
}

#[test]
fn a_second_run_continues_the_sequence_as_tensorflow_does() {
    let attrs = [
        ("dtype", AttrValue::Type(DType::Float32)),
        ("seed", AttrValue::Int(1)),
        ("seed2", AttrValue::Int(2)),
    ];
    let (first, second) = run_twice("RandomUniform", vec![tensor(&[1], &[6i32])], &attrs);
    assert_eq!(first.as_slice::<f32>().unwrap()[0], 0.406396746635437f64 as f32);
    let tf: [f64; 6] = [
        0.49945497512817383,
        0.06284701824188232,
        0.4600658416748047,
        0.20280075073242188,
        0.0886303186416626,
        0.9726002216339111,
    ];
    assert_values(&second, &[6], &tf.map(|v| v as f32));

    let attrs = [("seed", AttrValue::Int(4)), ("seed2", AttrValue::Int(5))];
    let inputs = vec![tensor(&[1], &[6i32]), tensor(&[], &[-5i32]), tensor(&[], &[10i32])];
    let (_, second) = run_twice("RandomUniformInt", inputs, &attrs);
    assert_values(&second, &[6], &[4, -5, 7, 4, 8, 1]);

    let attrs = [
        ("dtype", AttrValue::Type(DType::Float64)),
        ("seed", AttrValue::Int(7)),
        ("seed2", AttrValue::Int(3)),
    ];
    let (_, second) = run_twice("TruncatedNormal", vec![tensor(&[1], &[5i32])], &attrs);
    let tf = [
        0.5479013180101964,
        0.516821155432663,
        1.3966386480120754,
        -0.37126744653946325,
        0.7543576277735746,
    ];
    assert_values(&second, &[5], &tf);
}

/// Mean and variance of `v`.
fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// Asserts `got` is within five standard errors of `want`.
#[track_caller]
fn within(got: f64, want: f64, std_error: f64) {
    assert!(
        (got - want).abs() < 5.0 * std_error,
        "got {got}, expected {want} ± {}",
        5.0 * std_error
    );
}

const N: i32 = 200_000;

#[test]
fn uniform_moments_and_bounds_for_every_dtype() {
    for dtype in [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16] {
        let t = uniform(dtype, &[N], 11, 12).output();
        assert_eq!(t.dtype(), dtype);
        let v = values_f64(&t);
        assert!(v.iter().all(|&x| (0.0..1.0).contains(&x)), "{dtype}: outside [0, 1)");
        let (mean, var) = moments(&v);
        // The values are k / 2^m for m random mantissa bits: a discrete uniform with mean
        // (2^m - 1) / 2^(m+1) and variance (4^m - 1) / (12 4^m), close to U(0,1)'s 1/2 and
        // 1/12. The sample mean's standard error is sqrt(1/(12N)), the variance's about
        // sqrt(1/(180N)).
        let m = match dtype {
            DType::Float32 => 23,
            DType::Float64 => 52,
            DType::Float16 => 10,
            _ => 7,
        };
        let levels = 2f64.powi(m);
        within(mean, (levels - 1.0) / (2.0 * levels), (1.0 / 12.0 / f64::from(N)).sqrt());
        let expected_var = (levels * levels - 1.0) / (12.0 * levels * levels);
        within(var, expected_var, (1.0 / 180.0 / f64::from(N)).sqrt());
    }
}

#[test]
fn normal_moments_for_every_dtype() {
    for dtype in [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16] {
        let t = seeded("RandomStandardNormal", dtype, &[N], 13, 14).output();
        let (mean, var) = moments(&values_f64(&t));
        within(mean, 0.0, (1.0 / f64::from(N)).sqrt());
        // Var of the sample variance of a normal is 2σ⁴/N.
        within(var, 1.0, (2.0 / f64::from(N)).sqrt());
    }
}

#[test]
fn truncated_normal_stays_within_two_sigma() {
    // A normal truncated to (-2, 2) has variance 1 - 4φ(2)/(Φ(2) - Φ(-2)) = 0.773741.
    for dtype in [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16] {
        let t = seeded("TruncatedNormal", dtype, &[N], 15, 16).output();
        let v = values_f64(&t);
        // Half types may round a value just under 2 up to 2.
        assert!(v.iter().all(|x| x.abs() <= 2.0), "{dtype}: beyond 2σ");
        let (mean, var) = moments(&v);
        within(mean, 0.0, (0.774 / f64::from(N)).sqrt());
        within(var, 0.773741, (2.0 / f64::from(N)).sqrt());
    }
}

#[test]
fn uniform_ints_stay_in_range_and_cover_it() {
    let t = uniform_int(&[N], -3i32, 4, 21).output();
    let v = t.as_slice::<i32>().unwrap();
    assert!(v.iter().all(|x| (-3..4).contains(x)));
    for k in -3..4 {
        let count = v.iter().filter(|&&x| x == k).count() as f64;
        let p = 1.0 / 7.0;
        within(count / f64::from(N), p, (p * (1.0 - p) / f64::from(N)).sqrt());
    }
    let t = uniform_int(&[N], i64::MIN, i64::MAX, 22).output();
    let (mean, _) = moments(&values_f64(&t));
    within(mean / 2f64.powi(63), 0.0, (1.0 / 3.0 / f64::from(N)).sqrt());
}

#[test]
fn same_seeds_give_the_same_values_in_fresh_graphs() {
    // The harness already builds three fresh graphs per case and requires equal outputs.
    let a = seeded("TruncatedNormal", DType::Float32, &[3, 4], 5, 6).output();
    let b = seeded("TruncatedNormal", DType::Float32, &[3, 4], 5, 6).output();
    assert_eq!(a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap());
    assert_eq!(a.shape().dims(), &[3, 4]);
    let c = seeded("TruncatedNormal", DType::Float32, &[3, 4], 5, 7).output();
    assert_ne!(a.as_slice::<f32>().unwrap(), c.as_slice::<f32>().unwrap());
}

#[test]
fn zero_seeds_are_nondeterministic() {
    let case = uniform(DType::Float32, &[8], 0, 0);
    let a = case.run_mode(InputMode::Const).unwrap().remove(0);
    let b = case.run_mode(InputMode::Const).unwrap().remove(0);
    assert_ne!(a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap());
}

#[test]
fn int64_shapes_and_empty_outputs() {
    let t = OpCase::new("RandomStandardNormal")
        .input(&[2], &[2i64, 0])
        .attr_type("dtype", DType::Float32)
        .attr_int("seed", 1)
        .output();
    assert_values::<f32>(&t, &[2, 0], &[]);
    // An empty int output needs no valid range.
    let t = uniform_int(&[0], 5i32, 5, 1).output();
    assert_values::<i32>(&t, &[0], &[]);
    let t = seeded("RandomUniform", DType::Float64, &[], 1, 1).output();
    assert_eq!(t.shape().dims(), &[] as &[usize]);
}

#[test]
fn errors_follow_tensorflow() {
    uniform(DType::Float32, &[2, -1], 1, 1).expect_error(Code::InvalidArgument, "");
    OpCase::new("RandomUniform")
        .input(&[1, 2], &[2i32, 2])
        .attr_type("dtype", DType::Float32)
        .expect_error(Code::InvalidArgument, "");
    uniform_int(&[3], 5i32, 5, 1)
        .expect_error(Code::InvalidArgument, "Need minval < maxval: 5 >= 5");
    uniform_int(&[3], 7i64, -1, 1)
        .expect_error(Code::InvalidArgument, "Need minval < maxval: 7 >= -1");
    OpCase::new("RandomUniformInt")
        .input(&[1], &[3i32])
        .input(&[1], &[0i32])
        .input(&[], &[5i32])
        .expect_error(Code::InvalidArgument, "");
    // int dtypes are not RandomUniform's.
    uniform(DType::Int32, &[2], 1, 1).expect_error(Code::InvalidArgument, "dtype");
}

#[test]
fn negative_dims_fail_in_the_kernel_too() {
    let case = uniform(DType::Float32, &[2, -1], 1, 1);
    let err = case.run_mode(InputMode::FedUnknownShape).unwrap_err();
    assert_eq!(err.message, "Dimension -1 must be >= 0");
    let err = case.run_mode(InputMode::Const).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
}
