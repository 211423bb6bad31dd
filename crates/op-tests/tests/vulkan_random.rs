//! Every op the Vulkan device has kernels for, on seeded random inputs, against the CPU
//! kernels: shapes of odd sizes (not multiples of any workgroup or tile), broadcasting, scalars,
//! transposes, every reduction layout, and the special float values. Each case goes through
//! `OpCase::run`, which runs it on the CPU and, pinned to `/device:VULKAN:0`, on the device,
//! in every input mode, and holds the device to the tolerances of
//! `sessionflow_op_tests::agreement`. Without a Vulkan device the device halves skip, saying
//! why; the check that every Vulkan op has cases here runs regardless. Ops whose Vulkan
//! kernels are still being written (convolutions, pooling, BatchMatMulV2) have their cases
//! here already: they run on the CPU alone until the kernels are registered, then on both.

use sessionflow::graph::{Graph, NodeSpec, OpRegistry};
use sessionflow::{RunOptions, SessionConfig, kernel_registry, open_session};
use sessionflow_op_tests::core::{DType, DeviceType, Tensor};
use sessionflow_op_tests::vulkan::{VULKAN_DEVICE, has_kernel};
use sessionflow_op_tests::{OpCase, tensor, tensor_of, vulkan_available};
use std::io::Write;
use std::sync::{Arc, RwLock};

/// Deterministic uniform numbers (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A float32 tensor of these dims, uniform in [lo, hi).
    fn floats(&mut self, dims: &[usize], lo: f64, hi: f64) -> Tensor {
        let n = dims.iter().product();
        let v: Vec<f32> = (0..n).map(|_| (lo + (hi - lo) * self.next()) as f32).collect();
        tensor(dims, &v)
    }

    /// As `floats`, with magnitudes in [lo, hi) and either sign.
    fn signed(&mut self, dims: &[usize], lo: f64, hi: f64) -> Tensor {
        let n = dims.iter().product();
        let v: Vec<f32> = (0..n)
            .map(|_| {
                let m = lo + (hi - lo) * self.next();
                (if self.next() < 0.5 { -m } else { m }) as f32
            })
            .collect();
        tensor(dims, &v)
    }
}

/// Special float32 values: NaN, infinities, signed zeros, extremes, ordinary. No subnormal:
/// the CPU kernels read and write them as zero (as TensorFlow's threads do) and SPIR-V leaves
/// them to the driver, so `inf · 1e-40` is NaN on one device and infinity on another.
const SPECIALS: [f32; 12] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    0.0,
    -0.0,
    1.5e-38,
    88.5,
    -104.0,
    1e30,
    -3.5,
    0.75,
    6.0,
];

/// Pairs of shapes for binary ops: equal, odd sizes, both-sided and row broadcasting, scalars.
const BINARY_SHAPES: [(&[usize], &[usize]); 7] = [
    (&[1031], &[1031]),
    (&[37, 19], &[37, 19]),
    (&[129, 67], &[67]),
    (&[7, 1, 13], &[5, 1]),
    (&[], &[3, 257]),
    (&[2, 3, 5, 7, 1], &[1, 3, 1, 7, 11]),
    (&[], &[]),
];

/// Shapes for elementwise unary ops.
const UNARY_SHAPES: [&[usize]; 4] = [&[], &[1], &[3, 257, 5], &[4099]];

const BINARY: [&str; 8] = ["AddV2", "Add", "Sub", "Mul", "RealDiv", "Div", "Maximum", "Minimum"];
const UNARY: [&str; 7] = ["Relu", "Relu6", "Neg", "Exp", "Log", "Tanh", "Sigmoid"];

/// A convolution's input dims (NHWC), filter height, width and output channels (or
/// multiplier), stride, dilation and padding.
type ConvLayout = ([usize; 4], [usize; 3], usize, usize, &'static str);

/// The cases for `op`, or None when this file has none.
fn cases(op: &str, rng: &mut Rng) -> Option<Vec<OpCase>> {
    let mut cases = Vec::new();
    if BINARY.contains(&op) {
        let divides = matches!(op, "RealDiv" | "Div");
        for (a, b) in BINARY_SHAPES {
            let x = rng.floats(a, -8.0, 8.0);
            // Divisors away from zero; the special values below bring zeros.
            let y = if divides { rng.signed(b, 0.25, 4.0) } else { rng.floats(b, -8.0, 8.0) };
            cases.push(OpCase::new(op).input_tensor(x).input_tensor(y));
        }
        // Every special value against every other.
        let n = SPECIALS.len();
        let xs: Vec<f32> = (0..n * n).map(|i| SPECIALS[i / n]).collect();
        let ys: Vec<f32> = (0..n * n).map(|i| SPECIALS[i % n]).collect();
        cases.push(OpCase::new(op).input(&[n, n], &xs).input(&[n, n], &ys));
        return Some(cases);
    }
    if UNARY.contains(&op) {
        for dims in UNARY_SHAPES {
            let x = match op {
                "Log" => rng.floats(dims, 1e-3, 50.0),
                "Exp" => rng.floats(dims, -30.0, 30.0),
                _ => rng.floats(dims, -10.0, 10.0),
            };
            cases.push(OpCase::new(op).input_tensor(x));
        }
        cases.push(OpCase::new(op).input(&[SPECIALS.len()], &SPECIALS));
        return Some(cases);
    }
    match op {
        "MatMul" => {
            for (m, k, n) in [(1, 1, 1), (17, 33, 65), (64, 64, 64), (130, 257, 3), (3, 1000, 2)] {
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    let a = if ta { [k, m] } else { [m, k] };
                    let b = if tb { [n, k] } else { [k, n] };
                    cases.push(
                        OpCase::new("MatMul")
                            .input_tensor(rng.floats(&a, -1.0, 1.0))
                            .input_tensor(rng.floats(&b, -1.0, 1.0))
                            .attr_bool("transpose_a", ta)
                            .attr_bool("transpose_b", tb),
                    );
                }
            }
        }
        "Sum" | "Mean" | "Max" => {
            let layouts: [(&[usize], &[i32]); 9] = [
                (&[1031], &[0]),
                (&[37, 41], &[0]),
                (&[37, 41], &[1]),
                (&[37, 41], &[0, 1]),
                (&[37, 41], &[]),
                (&[3, 5, 7, 11], &[1, 3]),
                (&[3, 5, 7, 11], &[-1]),
                (&[3, 5, 7, 11], &[0, 2]),
                (&[2, 2049], &[1]),
            ];
            for (dims, axes) in layouts {
                for keep_dims in [false, true] {
                    cases.push(
                        OpCase::new(op)
                            .input_tensor(rng.floats(dims, -4.0, 4.0))
                            .input(&[axes.len()], axes)
                            .attr_bool("keep_dims", keep_dims),
                    );
                }
            }
            // Int64 axes, and NaN and infinities in the reduced values; a row of -infinity
            // (whose Max is -infinity, not the lowest finite float).
            for axis in [0i64, 1] {
                cases.push(
                    OpCase::new(op)
                        .input(&[3, 4], &SPECIALS)
                        .input(&[1], &[axis])
                        .attr_bool("keep_dims", false),
                );
            }
            let ninf = f32::NEG_INFINITY;
            cases.push(
                OpCase::new(op)
                    .input(&[2, 3], &[ninf, ninf, ninf, 1., ninf, -2.])
                    .input(&[1], &[1])
                    .attr_bool("keep_dims", true),
            );
        }
        "BiasAdd" => {
            for (dims, format) in [
                (&[33, 17][..], "NHWC"),
                (&[2, 5, 7, 13], "NHWC"),
                (&[2, 13, 5, 7], "NCHW"),
                (&[3, 5, 2], "NCHW"),
            ] {
                let c = if format == "NCHW" { dims[1] } else { dims[dims.len() - 1] };
                cases.push(
                    OpCase::new("BiasAdd")
                        .input_tensor(rng.floats(dims, -8.0, 8.0))
                        .input_tensor(rng.floats(&[c], -8.0, 8.0))
                        .attr_str("data_format", format),
                );
            }
        }
        "Softmax" => {
            for dims in [&[1, 1][..], &[7, 1025], &[3, 4, 37], &[5]] {
                cases.push(OpCase::new("Softmax").input_tensor(rng.floats(dims, -20.0, 20.0)));
            }
            cases.push(OpCase::new("Softmax").input(&[2, 3], &[0f32, 80., -80., 1e30, 1., 2.]));
        }
        "BatchMatMulV2" => {
            // Batch dims broadcast; adjoints (real: transposes) on either side.
            let shapes: [(&[usize], &[usize], bool, bool); 4] = [
                (&[3, 17, 33], &[3, 33, 9], false, false),
                (&[2, 1, 5, 65], &[4, 7, 65], false, true),
                (&[1, 129, 3], &[6, 129, 2], true, false),
                (&[1, 1], &[1, 1], true, true),
            ];
            for (a, b, adj_x, adj_y) in shapes {
                cases.push(
                    OpCase::new(op)
                        .input_tensor(rng.floats(a, -1.0, 1.0))
                        .input_tensor(rng.floats(b, -1.0, 1.0))
                        .attr_bool("adj_x", adj_x)
                        .attr_bool("adj_y", adj_y),
                );
            }
        }
        "Conv2D" | "DepthwiseConv2dNative" => {
            // (input NHWC, filter height and width, out channels or multiplier, strides,
            // dilation, padding): odd sizes, SAME padding on uneven edges, dilations.
            let layouts: [ConvLayout; 5] = [
                ([1, 9, 11, 3], [3, 3, 5], 1, 1, "SAME"),
                ([2, 13, 7, 17], [3, 2, 9], 2, 1, "SAME"),
                ([1, 15, 15, 4], [5, 5, 3], 3, 1, "VALID"),
                ([3, 10, 9, 2], [3, 3, 2], 1, 2, "VALID"),
                ([1, 8, 8, 33], [1, 1, 2], 1, 1, "SAME"),
            ];
            for (x, [kh, kw, out], stride, dilation, padding) in layouts {
                let filter = [kh, kw, x[3], out];
                cases.push(
                    OpCase::new(op)
                        .input_tensor(rng.floats(&x, -1.0, 1.0))
                        .input_tensor(rng.floats(&filter, -1.0, 1.0))
                        .attr_ints("strides", &[1, stride as i64, stride as i64, 1])
                        .attr_ints("dilations", &[1, dilation as i64, dilation as i64, 1])
                        .attr_str("padding", padding),
                );
            }
        }
        "MaxPool" | "AvgPool" => {
            let layouts: [([usize; 4], usize, usize, &str); 4] = [
                ([1, 9, 11, 3], 3, 2, "SAME"),
                ([2, 13, 7, 17], 2, 2, "VALID"),
                ([1, 15, 15, 4], 3, 1, "SAME"),
                ([3, 10, 9, 2], 5, 3, "VALID"),
            ];
            for (x, k, stride, padding) in layouts {
                cases.push(
                    OpCase::new(op)
                        .input_tensor(rng.floats(&x, -4.0, 4.0))
                        .attr_ints("ksize", &[1, k as i64, k as i64, 1])
                        .attr_ints("strides", &[1, stride as i64, stride as i64, 1])
                        .attr_str("padding", padding),
                );
            }
        }
        // New shapes over the same buffer (the shape or axis input stays in host memory).
        "Reshape" => {
            for shape in [&[4i32, -1][..], &[24], &[3, 2, 4], &[-1, 1, 6]] {
                let x = rng.floats(&[2, 3, 4], -8.0, 8.0);
                cases.push(OpCase::new(op).input_tensor(x).input(&[shape.len()], shape));
            }
        }
        "ExpandDims" => {
            for axis in [0i32, 1, 3, -1, -4] {
                let x = rng.floats(&[2, 3, 5], -8.0, 8.0);
                cases.push(OpCase::new(op).input_tensor(x).input(&[], &[axis]));
            }
        }
        "Squeeze" => {
            for axes in [&[][..], &[0], &[2, -1], &[-5]] {
                let x = rng.floats(&[1, 3, 1, 4, 1], -8.0, 8.0);
                cases.push(OpCase::new(op).input_tensor(x).attr_ints("squeeze_dims", axes));
            }
        }
        // Data movement, in every dtype the device holds: bit for bit.
        "Identity" | "Const" => {
            for dtype in DType::FLAT {
                let n = 1 + (rng.next() * 300.0) as usize;
                let v: Vec<f64> = (0..n).map(|_| (rng.next() * 200.0 - 100.0).round()).collect();
                let t = tensor_of(dtype, &[n], &v);
                cases.push(if op == "Const" {
                    OpCase::new("Const")
                        .attr_type("dtype", dtype)
                        .attr("value", sessionflow::core::AttrValue::Tensor(t))
                } else {
                    OpCase::new("Identity").input_tensor(t)
                });
            }
        }
        _ => return None,
    }
    Some(cases)
}

/// The ops with cases here besides the elementwise ones: the Vulkan device's, and those
/// whose Vulkan kernels are being written (their cases run on the CPU until they exist).
const OTHERS: [&str; 16] = [
    "MatMul",
    "BatchMatMulV2",
    "Sum",
    "Mean",
    "Max",
    "BiasAdd",
    "Softmax",
    "Conv2D",
    "DepthwiseConv2dNative",
    "MaxPool",
    "AvgPool",
    "Identity",
    "Const",
    "Reshape",
    "ExpandDims",
    "Squeeze",
];

/// Every op with cases here.
fn covered_ops() -> impl Iterator<Item = &'static str> {
    BINARY.into_iter().chain(UNARY).chain(OTHERS)
}

/// The ops that have at least one Vulkan kernel.
fn vulkan_ops() -> Vec<&'static str> {
    OpRegistry::global()
        .op_names()
        .into_iter()
        .filter(|op| kernel_registry().has_op(op, DeviceType::VULKAN))
        .collect()
}

/// Ops with Vulkan kernels whose random cases are below, rather than here: NoOp computes
/// nothing and has its own test.
const NOT_HERE: [&str; 1] = ["NoOp"];

#[test]
fn every_op_with_a_vulkan_kernel_has_random_cases_here() {
    let ops = vulkan_ops();
    assert!(ops.contains(&"MatMul"), "the Vulkan kernels are registered: {ops:?}");
    let missing: Vec<&str> = ops
        .into_iter()
        .filter(|op| !NOT_HERE.contains(op) && cases(op, &mut Rng::new(1)).is_none())
        .collect();
    assert!(missing.is_empty(), "Vulkan ops without random cases in this file: {missing:?}");
}

#[test]
fn every_vulkan_kernel_matches_the_cpu_on_random_inputs() {
    let vulkan = vulkan_available();
    let mut cpu_only = Vec::new();
    for (seed, op) in covered_ops().enumerate() {
        let on_vulkan = vulkan && kernel_registry().has_op(op, DeviceType::VULKAN);
        if !on_vulkan {
            cpu_only.push(op);
        }
        let cases = cases(op, &mut Rng::new(seed as u64 + 1)).expect("covered ops have cases");
        for case in cases {
            // Each case of a Vulkan op must reach the device: its dtype is one Vulkan takes.
            assert!(
                !on_vulkan || has_kernel(&case),
                "{op}: a case the Vulkan kernels do not take: {case:?}"
            );
            // On the CPU and, where it has a kernel, on Vulkan, comparing (panics on a
            // disagreement or an error). Without one the case still checks itself on the CPU.
            case.outputs();
        }
    }
    if vulkan && !cpu_only.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "vulkan_random: no Vulkan kernels yet for {cpu_only:?}: their cases ran on the CPU only"
        );
    }
}

#[test]
fn no_op_runs_on_the_vulkan_device_as_a_target() {
    if !vulkan_available() {
        return;
    }
    let graph = Arc::new(RwLock::new(Graph::new()));
    let node = graph
        .write()
        .expect("the test owns the graph")
        .add_node(NodeSpec {
            op: "NoOp".into(),
            name: "nothing".into(),
            device: "/device:VULKAN:0".into(),
            ..Default::default()
        })
        .unwrap();
    let session = open_session(graph, &SessionConfig::default()).unwrap();
    let options = RunOptions { trace: true, ..Default::default() };
    let (values, meta) = session.run_with_options(vec![], &[], &[node], &options).unwrap();
    assert!(values.is_empty());
    let placed: Vec<(&str, &str)> =
        meta.step_stats.iter().map(|s| (s.node.as_str(), s.device.as_str())).collect();
    assert_eq!(placed, [("nothing", VULKAN_DEVICE)]);
}
