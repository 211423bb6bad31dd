//! The fused optimizer kernels: two updates of a 3-element variable (gradients `[0.1, -0.2,
//! 0.3]` then `[0.5, 0.5, -1]`) from known accumulators, against TensorFlow 2.21's values for
//! the same raw ops in a TF1 session (float64, float32, float16 and bfloat16), and
//! TensorFlow's errors.

use super::support::{TestGraph, fetch, run_targets};
use sessionflow::core::{AttrValue, Code, DType};
use sessionflow::graph::{Endpoint, NodeId};
use sessionflow_op_tests::{assert_close, tensor, tensor_of};

const VAR: [f64; 3] = [1.0, -2.0, 3.0];
const G1: [f64; 3] = [0.1, -0.2, 0.3];
const G2: [f64; 3] = [0.5, 0.5, -1.0];

/// One apply op under test: its accumulators' names and starting values, its scalar inputs in
/// TF's order, and its bool attrs.
struct Case {
    op: &'static str,
    slots: &'static [(&'static str, [f64; 3])],
    scalars: &'static [f64],
    attrs: &'static [(&'static str, bool)],
}

/// Where the gradient goes among the op's inputs: after the scalars, except for the
/// momentum ops (grad before momentum).
fn inputs(case: &Case, vars: &[Endpoint], scalars: &[Endpoint], grad: Endpoint) -> Vec<Endpoint> {
    let mut out = vars.to_vec();
    if case.op.contains("Momentum") {
        out.extend([scalars[0], grad, scalars[1]]);
    } else {
        out.extend(scalars);
        out.push(grad);
    }
    out
}

/// Builds the case for `dtype`, runs two updates and returns the variable and accumulators.
fn two_steps(case: &Case, dtype: DType) -> Vec<sessionflow::core::Tensor> {
    let g = TestGraph::new();
    let mut handles = vec![g.handle("var", dtype, Some(&[3]))];
    let mut inits: Vec<NodeId> = Vec::new();
    let init = |g: &TestGraph, h: Endpoint, name: &str, values: &[f64; 3]| {
        let c = g.constant(&format!("{name}/init"), tensor_of(dtype, &[3], values));
        g.update("AssignVariableOp", &format!("{name}/assign"), h, c)
    };
    inits.push(init(&g, handles[0], "var", &VAR));
    for (name, values) in case.slots {
        let h = g.handle(name, dtype, Some(&[3]));
        inits.push(init(&g, h, name, values));
        handles.push(h);
    }
    let scalars: Vec<Endpoint> = case
        .scalars
        .iter()
        .enumerate()
        .map(|(i, &v)| g.constant(&format!("s{i}"), tensor_of(dtype, &[], &[v])))
        .collect();
    let grad = g.placeholder("grad", dtype);
    let mut attrs: Vec<(&str, AttrValue)> = vec![("T", AttrValue::Type(dtype))];
    attrs.extend(case.attrs.iter().map(|&(k, v)| (k, AttrValue::Bool(v))));
    let update = g.add(case.op, "update", &inputs(case, &handles, &scalars, grad), &attrs).node;
    let s = g.session();
    run_targets(&s, &inits).unwrap();
    for step in [G1, G2] {
        s.run(vec![(grad, tensor_of(dtype, &[3], &step))], &[], &[update])
            .unwrap_or_else(|e| panic!("{}: {e}", case.op));
    }
    let reads: Vec<Endpoint> =
        handles.iter().enumerate().map(|(i, &h)| g.read(&format!("read{i}"), h, dtype)).collect();
    s.run(Vec::new(), &reads, &[]).unwrap()
}

fn check(case: &Case, dtype: DType, expected: &[[f64; 3]], tol: f64) {
    let got = two_steps(case, dtype);
    assert_eq!(got.len(), expected.len());
    for (t, e) in got.iter().zip(expected) {
        assert_close(t, dtype, &[3], e, tol);
    }
}

const ADAM_SCALARS: &[f64] = &[0.9, 0.999, 0.1, 0.9, 0.999, 1e-7];
const ADAM_SLOTS: &[(&str, [f64; 3])] = &[("m", [0.0, 0.1, 0.0]), ("v", [0.0, 0.01, 0.0])];
const RMS_SLOTS: &[(&str, [f64; 3])] = &[("ms", [1.0, 1.0, 0.5]), ("mom", [0.0, 0.1, 0.0])];
const ACCUM: &[(&str, [f64; 3])] = &[("accum", [0.0, 0.5, -0.5])];
const ADAGRAD_ACCUM: &[(&str, [f64; 3])] = &[("accum", [0.1, 0.1, 1.0])];

/// Each case with TensorFlow's float64 results (variable first, then accumulators).
fn cases() -> Vec<(Case, Vec<[f64; 3]>)> {
    let case = |op, slots, scalars, attrs| Case { op, slots, scalars, attrs };
    vec![
        (
            case("ResourceApplyGradientDescent", &[], &[0.1], &[]),
            vec![[0.94, -2.03, 3.0700000000000003]],
        ),
        (
            case("ResourceApplyMomentum", ACCUM, &[0.1, 0.9], &[]),
            vec![[0.931, -2.0974999999999997, 3.1285000000000003], [0.59, 0.725, -1.135]],
        ),
        (
            case("ResourceApplyMomentum", ACCUM, &[0.1, 0.9], &[("use_nesterov", true)]),
            vec![[0.8779, -2.11775, 3.18565], [0.59, 0.725, -1.135]],
        ),
        (
            case("ResourceApplyKerasMomentum", ACCUM, &[0.1, 0.9], &[]),
            vec![
                [0.9309999999999999, -1.157, 2.188],
                [-0.059000000000000004, 0.37300000000000005, -0.33199999999999996],
            ],
        ),
        (
            case("ResourceApplyKerasMomentum", ACCUM, &[0.1, 0.9], &[("use_nesterov", true)]),
            vec![
                [0.8779, -1.2712999999999999, 2.3392000000000004],
                [-0.059000000000000004, 0.37300000000000005, -0.33199999999999996],
            ],
        ),
        (
            case("ResourceApplyAdam", ADAM_SLOTS, ADAM_SCALARS, &[]),
            vec![
                [0.7842931348350314, -2.05736369495203, 2.9699250479388963],
                [0.05899999999999998, 0.11299999999999999, -0.07299999999999998],
                [0.00025999000000000025, 0.010269970000000002, 0.0010899100000000008],
            ],
        ),
        (
            case("ResourceApplyAdam", ADAM_SLOTS, ADAM_SCALARS, &[("use_nesterov", true)]),
            vec![
                [0.6078076383235712, -2.0609144113605935, 2.9687198901818657],
                [0.05899999999999998, 0.11299999999999999, -0.07299999999999998],
                [0.00025999000000000025, 0.010269970000000002, 0.0010899100000000008],
            ],
        ),
        (
            case("ResourceApplyRMSProp", RMS_SLOTS, &[0.1, 0.9, 0.5, 1e-3], &[]),
            vec![
                [0.929550732643367, -2.0980321664863, 3.0731196415761888],
                [0.8359000000000001, 0.8386, 0.5131],
                [0.059920034478066445, 0.06905569973540585, -0.1173522284226581],
            ],
        ),
        (
            case(
                "ResourceApplyCenteredRMSProp",
                &[("mg", [0.0, 0.1, 0.0]), ("ms", [1.0, 1.0, 0.5]), ("mom", [0.0, 0.1, 0.0])],
                &[0.1, 0.9, 0.5, 1e-3],
                &[],
            ),
            vec![
                [0.9294358344451974, -2.098366183015546, 3.073783151793158],
                [0.05899999999999998, 0.11299999999999999, -0.07299999999999998],
                [0.8359000000000001, 0.8386, 0.5131],
                [0.06003434896734194, 0.06944686296697877, -0.11805907324770383],
            ],
        ),
        (
            case("ResourceApplyAdagrad", ADAGRAD_ACCUM, &[0.1], &[]),
            vec![[0.8865155322088902, -2.0266118285200587, 3.040436657829973], [0.36, 0.39, 2.09]],
        ),
        (
            case("ResourceApplyAdagrad", ADAGRAD_ACCUM, &[0.1], &[("update_slots", false)]),
            vec![[0.8102633403898972, -2.094868329805051, 3.0700000000000003], [0.1, 0.1, 1.0]],
        ),
        (
            case("ResourceApplyAdagradV2", ADAGRAD_ACCUM, &[0.1, 0.01], &[]),
            vec![[0.888764135471639, -2.026741368036, 3.040234093982558], [0.36, 0.39, 2.09]],
        ),
    ]
}

#[test]
fn every_apply_op_matches_tensorflow_in_float64() {
    for (case, expected) in cases() {
        check(&case, DType::Float64, &expected, 1e-14);
    }
}

#[test]
fn every_apply_op_matches_tensorflow_in_float32() {
    // TF's float32 results agree with its float64 ones to float32 precision.
    for (case, expected) in cases() {
        check(&case, DType::Float32, &expected, 2e-6);
    }
}

#[test]
fn half_types_round_after_each_operation_as_tensorflow() {
    // Exactly TensorFlow's values: the same formulas, each operation rounded to the half type
    // (so bfloat16 Adam, whose 1 − 0.999 rounds to 0, leaves the variable as it was).
    for (i, (case, _)) in cases().into_iter().enumerate() {
        check(&case, DType::Float16, F16[i], 0.0);
        check(&case, DType::BFloat16, BF16[i], 0.0);
    }
}

/// TensorFlow's float16 results, case by case (as [`cases`]).
const F16: &[&[[f64; 3]]] = &[
    &[[0.9404296875, -2.03125, 3.0703125]],
    &[[0.93115234375, -2.09765625, 3.12890625], [0.58984375, 0.72509765625, -1.134765625]],
    &[[0.8779296875, -2.1171875, 3.1875], [0.58984375, 0.72509765625, -1.134765625]],
    &[[0.93115234375, -1.1572265625, 2.1875], [-0.058990478515625, 0.372802734375, -0.33203125]],
    &[[0.8779296875, -1.271484375, 2.33984375], [-0.058990478515625, 0.372802734375, -0.33203125]],
    &[
        [0.7841796875, -2.056640625, 2.970703125],
        [0.059051513671875, 0.113037109375, -0.0731201171875],
        [0.00025391578674316406, 0.0102691650390625, 0.001064300537109375],
    ],
    &[
        [0.60791015625, -2.060546875, 2.96875],
        [0.059051513671875, 0.113037109375, -0.0731201171875],
        [0.00025391578674316406, 0.0102691650390625, 0.001064300537109375],
    ],
    &[
        [0.92919921875, -2.09765625, 3.072265625],
        [0.8359375, 0.83837890625, 0.51318359375],
        [0.05987548828125, 0.06903076171875, -0.1173095703125],
    ],
    &[
        [0.92919921875, -2.099609375, 3.072265625],
        [0.059051513671875, 0.113037109375, -0.0731201171875],
        [0.8359375, 0.83837890625, 0.51318359375],
        [0.05999755859375, 0.0694580078125, -0.11798095703125],
    ],
    &[[0.88671875, -2.02734375, 3.0390625], [0.35986328125, 0.389892578125, 2.08984375]],
    &[[0.81005859375, -2.09375, 3.0703125], [0.0999755859375, 0.0999755859375, 1.0]],
    &[[0.888671875, -2.02734375, 3.0390625], [0.35986328125, 0.389892578125, 2.08984375]],
];
/// TensorFlow's bfloat16 results, case by case (as [`cases`]).
const BF16: &[&[[f64; 3]]] = &[
    &[[0.9375, -2.03125, 3.0625]],
    &[[0.9296875, -2.109375, 3.125], [0.58984375, 0.72265625, -1.1328125]],
    &[[0.875, -2.109375, 3.1875], [0.58984375, 0.72265625, -1.1328125]],
    &[[0.9296875, -1.15625, 2.1875], [-0.05908203125, 0.37109375, -0.330078125]],
    &[[0.87890625, -1.28125, 2.34375], [-0.05908203125, 0.37109375, -0.330078125]],
    &[[1.0, -2.0, 3.0], [0.06005859375, 0.11328125, -0.07421875], [0.0, 0.010009765625, 0.0]],
    &[[1.0, -2.0, 3.0], [0.06005859375, 0.11328125, -0.07421875], [0.0, 0.010009765625, 0.0]],
    &[
        [0.9296875, -2.09375, 3.0625],
        [0.83203125, 0.8359375, 0.515625],
        [0.06005859375, 0.0693359375, -0.1171875],
    ],
    &[
        [0.9296875, -2.09375, 3.0625],
        [0.06005859375, 0.11328125, -0.07421875],
        [0.83203125, 0.8359375, 0.515625],
        [0.060302734375, 0.06982421875, -0.1171875],
    ],
    &[[0.88671875, -2.03125, 3.03125], [0.359375, 0.390625, 2.09375]],
    &[[0.8125, -2.09375, 3.0625], [0.10009765625, 0.10009765625, 1.0]],
    &[[0.88671875, -2.03125, 3.03125], [0.359375, 0.390625, 2.09375]],
];

#[test]
fn hyperparameters_must_be_scalars_and_shapes_must_agree() {
    let g = TestGraph::new();
    let var = g.handle("var", DType::Float32, None);
    let accum = g.handle("accum", DType::Float32, None);
    let v3 = g.constant("v3", tensor(&[3], &[1.0f32, 2.0, 3.0]));
    let v2 = g.constant("v2", tensor(&[2], &[1.0f32, 2.0]));
    let inits = [
        g.update("AssignVariableOp", "init_var", var, v3),
        g.update("AssignVariableOp", "init_accum", accum, v2),
    ];
    let lr = g.placeholder("lr", DType::Float32);
    let grad = g.placeholder("grad", DType::Float32);
    let gd = g.add("ResourceApplyGradientDescent", "gd", &[var, lr, grad], &[]).node;
    let adagrad = g.add("ResourceApplyAdagrad", "adagrad", &[var, accum, lr, grad], &[]).node;
    let s = g.session();
    run_targets(&s, &inits).unwrap();
    let scalar = tensor(&[], &[0.1f32]);
    let err = s
        .run(vec![(lr, tensor(&[1], &[0.1f32])), (grad, tensor(&[3], &[1.0f32; 3]))], &[], &[gd])
        .unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (Code::InvalidArgument, "alpha is not a scalar: [1]")
    );
    let err = s
        .run(vec![(lr, scalar.clone()), (grad, tensor(&[2], &[1.0f32; 2]))], &[], &[gd])
        .unwrap_err();
    assert_eq!(err.message, "var and delta do not have the same shape[3] [2]");
    let err =
        s.run(vec![(lr, scalar), (grad, tensor(&[3], &[1.0f32; 3]))], &[], &[adagrad]).unwrap_err();
    assert_eq!(err.message, "var and accum do not have the same shape[3] [2]");
}

#[test]
fn updating_an_uninitialized_variable_is_failed_precondition_naming_it() {
    let g = TestGraph::new();
    let var = g.handle("w", DType::Float32, Some(&[2]));
    let m = g.handle("w/Adam", DType::Float32, Some(&[2]));
    let v = g.handle("w/Adam_1", DType::Float32, Some(&[2]));
    let init_var =
        g.update("AssignVariableOp", "init", var, g.constant("c", tensor(&[2], &[1.0f32, 2.0])));
    let scalar = g.constant("s", tensor(&[], &[0.5f32]));
    let grad = g.constant("g", tensor(&[2], &[1.0f32, 1.0]));
    let mut inputs = vec![var, m, v];
    inputs.extend([scalar; 6]);
    inputs.push(grad);
    let adam = g.add("ResourceApplyAdam", "adam", &inputs, &[]).node;
    let s = g.session();
    run_targets(&s, &[init_var]).unwrap();
    let err = run_targets(&s, &[adam]).unwrap_err();
    assert_eq!(err.code, Code::FailedPrecondition);
    assert!(err.message.starts_with("Could not find variable w/Adam."), "{}", err.message);
    assert_eq!(err.node.as_deref(), Some("adam"));
    // The variable that was initialised is untouched by the failed update.
    assert_close(
        &fetch(&s, g.read("r", var, DType::Float32)).unwrap(),
        DType::Float32,
        &[2],
        &[1.0, 2.0],
        0.0,
    );
}

#[test]
fn one_variable_twice_in_an_update_is_refused() {
    let g = TestGraph::new();
    let var = g.handle("w", DType::Float32, Some(&[2]));
    let init =
        g.update("AssignVariableOp", "init", var, g.constant("c", tensor(&[2], &[1.0f32, 2.0])));
    let lr = g.constant("lr", tensor(&[], &[0.1f32]));
    let grad = g.constant("g", tensor(&[2], &[1.0f32, 1.0]));
    let update = g.add("ResourceApplyAdagrad", "adagrad", &[var, var, lr, grad], &[]).node;
    let s = g.session();
    run_targets(&s, &[init]).unwrap();
    assert_eq!(run_targets(&s, &[update]).unwrap_err().code, Code::InvalidArgument);
}

#[test]
fn static_shapes_of_variables_and_gradients_must_agree_at_build_time() {
    let g = TestGraph::new();
    let var = g.handle("w", DType::Float32, Some(&[2]));
    let accum = g.handle("a", DType::Float32, Some(&[3]));
    let lr = g.constant("lr", tensor(&[], &[0.1f32]));
    let grad = g.constant("g", tensor(&[2], &[1.0f32, 1.0]));
    let err =
        g.try_add("ResourceApplyAdagrad", "x", &[var, accum, lr, grad], &[], &[]).unwrap_err();
    assert!(err.message.starts_with("Dimension 0 in both shapes must be equal"), "{}", err.message);
    let grad3 = g.constant("g3", tensor(&[3], &[1.0f32; 3]));
    let err =
        g.try_add("ResourceApplyGradientDescent", "y", &[var, lr, grad3], &[], &[]).unwrap_err();
    assert!(err.message.starts_with("Dimension 0 in both shapes must be equal"), "{}", err.message);
    let err =
        g.try_add("ResourceApplyGradientDescent", "z", &[var, grad, grad], &[], &[]).unwrap_err();
    assert!(err.message.starts_with("Shape must be rank 0 but is rank 1"), "{}", err.message);
    let ints = g.constant("i", tensor(&[2], &[1i32, 1]));
    let lr_int = g.constant("li", tensor(&[], &[1i32]));
    let err =
        g.try_add("ResourceApplyGradientDescent", "w", &[var, lr_int, ints], &[], &[]).unwrap_err();
    assert!(err.message.contains("not in the list of allowed values"), "{}", err.message);
}

/// Elements in the large Adam case: several of the update's chunks (16 Ki elements each), the
/// last one partial, so chunks on different threads must each land where they belong.
const LARGE: usize = 5 * (1 << 14) + 4_321;

/// TensorFlow's Adam (`training_ops.cc`, `ApplyAdamNonCuda`) for one element in float64:
/// returns (var, m, v) after the update.
#[allow(clippy::too_many_arguments)]
fn adam_reference(
    (var, m, v): (f64, f64, f64),
    g: f64,
    (beta1_power, beta2_power, lr, beta1, beta2, epsilon): (f64, f64, f64, f64, f64, f64),
    nesterov: bool,
) -> (f64, f64, f64) {
    let alpha = lr * (1.0 - beta2_power).sqrt() / (1.0 - beta1_power);
    let m = m + (g - m) * (1.0 - beta1);
    let v = v + (g * g - v) * (1.0 - beta2);
    let step = if nesterov { g * (1.0 - beta1) + beta1 * m } else { m };
    (var - step * alpha / (v.sqrt() + epsilon), m, v)
}

#[test]
fn adam_on_a_variable_of_several_chunks_matches_the_formula_at_every_element() {
    // Every element differs, so an element updated from another's values, skipped or updated
    // twice shows up.
    let at = |i: usize, scale: f64, phase: f64| ((i as f64) * scale + phase).sin();
    let var0: Vec<f64> = (0..LARGE).map(|i| at(i, 0.013, 0.1) * 2.0).collect();
    let m0: Vec<f64> = (0..LARGE).map(|i| at(i, 0.021, 0.7) * 0.1).collect();
    let v0: Vec<f64> = (0..LARGE).map(|i| at(i, 0.017, 0.3).abs() * 0.01).collect();
    let grads: [Vec<f64>; 2] = [
        (0..LARGE).map(|i| at(i, 0.029, 1.1)).collect(),
        (0..LARGE).map(|i| at(i, 0.031, 2.3) * 0.5).collect(),
    ];
    let hyper = [(0.9, 0.999), (0.81, 0.998)].map(|(b1p, b2p)| (b1p, b2p, 0.01, 0.9, 0.999, 1e-7));
    for nesterov in [false, true] {
        let mut expected: Vec<(f64, f64, f64)> =
            (0..LARGE).map(|i| (var0[i], m0[i], v0[i])).collect();
        for (grad, h) in grads.iter().zip(hyper) {
            for (e, &g) in expected.iter_mut().zip(grad) {
                *e = adam_reference(*e, g, h, nesterov);
            }
        }
        for (dtype, tol) in [(DType::Float64, 1e-14), (DType::Float32, 2e-6)] {
            let g = TestGraph::new();
            let handles: Vec<Endpoint> =
                ["var", "m", "v"].map(|n| g.handle(n, dtype, Some(&[LARGE as i64]))).to_vec();
            let inits: Vec<NodeId> = handles
                .iter()
                .zip([&var0, &m0, &v0])
                .zip(["var", "m", "v"])
                .map(|((&h, values), name)| {
                    let c = g.constant(&format!("{name}/init"), tensor_of(dtype, &[LARGE], values));
                    g.update("AssignVariableOp", &format!("{name}/assign"), h, c)
                })
                .collect();
            let scalars: Vec<Endpoint> =
                (0..6).map(|i| g.placeholder(&format!("s{i}"), dtype)).collect();
            let grad = g.placeholder("grad", dtype);
            let mut inputs = handles.clone();
            inputs.extend(&scalars);
            inputs.push(grad);
            let attrs =
                [("T", AttrValue::Type(dtype)), ("use_nesterov", AttrValue::Bool(nesterov))];
            let update = g.add("ResourceApplyAdam", "update", &inputs, &attrs).node;
            let s = g.session();
            run_targets(&s, &inits).unwrap();
            for (values, (b1p, b2p, lr, b1, b2, eps)) in grads.iter().zip(hyper) {
                let mut feeds = vec![(grad, tensor_of(dtype, &[LARGE], values))];
                for (&e, v) in scalars.iter().zip([b1p, b2p, lr, b1, b2, eps]) {
                    feeds.push((e, tensor_of(dtype, &[], &[v])));
                }
                s.run(feeds, &[], &[update]).unwrap();
            }
            let reads: Vec<Endpoint> = handles
                .iter()
                .enumerate()
                .map(|(i, &h)| g.read(&format!("read{i}"), h, dtype))
                .collect();
            let got = s.run(Vec::new(), &reads, &[]).unwrap();
            let columns: [Vec<f64>; 3] = [
                expected.iter().map(|e| e.0).collect(),
                expected.iter().map(|e| e.1).collect(),
                expected.iter().map(|e| e.2).collect(),
            ];
            for (t, column) in got.iter().zip(&columns) {
                assert_close(t, dtype, &[LARGE], column, tol);
            }
        }
    }
}
