//! Buffer forwarding, kernel by kernel: an input nothing else holds becomes the output's memory
//! (same address, no allocation) and the values are right when computed in place; an input
//! that is shared, borrowed from outside the engine, of another dtype or of another size is
//! never written. Expected values are worked out by hand.

use sessionflow::kernel_registry;
use sessionflow_op_tests::core::{
    Allocator, AllocatorStats, AttrMap, AttrValue, Buffer, DType, DeviceType, Element,
    KernelContext, NodeView, Result, Tensor, TensorShape,
};
use sessionflow_op_tests::{assert_close, assert_values};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The host allocator, counting the allocations made through it.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Allocator>,
    allocs: AtomicU64,
}

impl Allocator for Counting {
    fn name(&self) -> &str {
        "counting"
    }

    fn allocate(&self, bytes: usize) -> Result<NonNull<u8>> {
        self.allocs.fetch_add(1, Ordering::Relaxed);
        self.inner.allocate(bytes)
    }

    fn allocate_unzeroed(&self, bytes: usize) -> Result<NonNull<u8>> {
        self.allocs.fetch_add(1, Ordering::Relaxed);
        self.inner.allocate_unzeroed(bytes)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
        // SAFETY: forwarded from our caller; the pointer came from `inner`.
        unsafe { self.inner.deallocate(ptr, bytes) }
    }

    fn stats(&self) -> AllocatorStats {
        AllocatorStats { num_allocs: self.allocs.load(Ordering::Relaxed), ..Default::default() }
    }
}

struct Harness {
    allocator: Arc<dyn Allocator>,
}

/// What one kernel call gave.
struct Ran {
    outputs: Vec<Tensor>,
    /// Allocations the kernel made.
    allocs: u64,
}

impl Harness {
    fn new() -> Self {
        let inner = Arc::clone(sessionflow::host_allocator());
        Harness { allocator: Arc::new(Counting { inner, allocs: AtomicU64::new(0) }) }
    }

    fn tensor<T: Element>(&self, dims: &[usize], data: &[T]) -> Tensor {
        Tensor::from_slice(&self.allocator, TensorShape::new(dims), data).unwrap()
    }

    /// Runs `op`'s CPU kernel for `dtype` directly on `inputs` (moved in, as the executor does
    /// on a value's last read).
    fn run(&self, op: &str, dtype: DType, attrs: AttrMap, inputs: Vec<Tensor>) -> Ran {
        let input_types: Vec<DType> = inputs.iter().map(Tensor::dtype).collect();
        let node = NodeView {
            name: "node",
            op,
            attrs: &attrs,
            input_types: &input_types,
            output_types: &[dtype],
        };
        let factory = kernel_registry()
            .find(op, DeviceType::CPU, Some(dtype))
            .unwrap_or_else(|| panic!("no CPU kernel for {op} on {dtype}"));
        let kernel = factory(&node).unwrap_or_else(|e| panic!("{op}: {e}"));
        let before = self.allocator.stats().num_allocs;
        let mut ctx = KernelContext::new(inputs, 1, &self.allocator);
        kernel.compute(&mut ctx).unwrap_or_else(|e| panic!("{op}: {e}"));
        let outputs = ctx.into_outputs().unwrap();
        Ran { outputs, allocs: self.allocator.stats().num_allocs - before }
    }

    fn run1(&self, op: &str, dtype: DType, inputs: Vec<Tensor>) -> Ran {
        self.run(op, dtype, AttrMap::new(), inputs)
    }
}

fn address(t: &Tensor) -> *const u8 {
    t.as_bytes().unwrap().as_ptr()
}

impl Ran {
    fn output(&self) -> &Tensor {
        &self.outputs[0]
    }

    /// Asserts the output is the memory at `at`, and nothing was allocated.
    #[track_caller]
    fn assert_forwarded(&self, at: *const u8) {
        assert_eq!(address(self.output()), at, "the output is the input's memory");
        assert_eq!(self.allocs, 0, "nothing allocated");
    }

    /// Asserts the output is fresh memory, not `at`.
    #[track_caller]
    fn assert_fresh(&self, at: *const u8) {
        assert_ne!(address(self.output()), at, "the input was not written");
        assert_eq!(self.allocs, 1, "one output allocated");
    }
}

const XS: [f32; 6] = [-2., -0.5, 0., 0.5, 1., 3.];

/// Each unary op with its value on `XS`, by hand.
fn unary_cases() -> Vec<(&'static str, AttrMap, Vec<f64>)> {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let xs = XS.map(f64::from);
    let map = |f: &dyn Fn(f64) -> f64| xs.iter().map(|&x| f(x)).collect::<Vec<_>>();
    let mut leaky = AttrMap::new();
    leaky.insert("alpha".into(), AttrValue::Float(0.25));
    vec![
        ("Neg", AttrMap::new(), map(&|x| -x)),
        ("Square", AttrMap::new(), map(&|x| x * x)),
        ("Exp", AttrMap::new(), map(&f64::exp)),
        ("Tanh", AttrMap::new(), map(&f64::tanh)),
        ("Sigmoid", AttrMap::new(), map(&sigmoid)),
        ("Relu", AttrMap::new(), vec![0., 0., 0., 0.5, 1., 3.]),
        ("Relu6", AttrMap::new(), vec![0., 0., 0., 0.5, 1., 3.]),
        ("Elu", AttrMap::new(), map(&|x| if x < 0.0 { x.exp() - 1.0 } else { x })),
        ("LeakyRelu", leaky, vec![-0.5, -0.125, 0., 0.5, 1., 3.]),
        ("Softplus", AttrMap::new(), map(&|x| x.exp().ln_1p())),
    ]
}

#[test]
fn unary_ops_and_activations_compute_in_place_over_an_exclusive_input() {
    let h = Harness::new();
    for (op, attrs, expected) in unary_cases() {
        let x = h.tensor(&[2, 3], &XS);
        let at = address(&x);
        let ran = h.run(op, DType::Float32, attrs, vec![x]);
        ran.assert_forwarded(at);
        assert_close(ran.output(), DType::Float32, &[2, 3], &expected, 1e-6);
    }
}

#[test]
fn a_shared_input_is_read_and_left_intact() {
    let h = Harness::new();
    for (op, attrs, expected) in unary_cases() {
        let x = h.tensor(&[6], &XS);
        let held = x.clone();
        let ran = h.run(op, DType::Float32, attrs, vec![x]);
        ran.assert_fresh(address(&held));
        assert_close(ran.output(), DType::Float32, &[6], &expected, 1e-6);
        assert_values(&held, &[6], &XS);
    }
}

#[test]
fn memory_from_outside_the_engine_is_never_written() {
    let h = Harness::new();
    // The owner keeps one reference to the values; the test reads them through another.
    let data = Arc::new(XS);
    let ptr = NonNull::new(data.as_ptr().cast_mut().cast::<u8>()).unwrap();
    // SAFETY: the array lives as long as the Arc the buffer keeps, and nobody writes it.
    let buffer = unsafe { Buffer::from_external(ptr, 24, Box::new(Arc::clone(&data))) };
    let x = Tensor::from_buffer(DType::Float32, TensorShape::new([6]), buffer).unwrap();
    let ran = h.run1("Neg", DType::Float32, vec![x]);
    ran.assert_fresh(ptr.as_ptr());
    assert_values(ran.output(), &[6], &[2f32, 0.5, -0., -0.5, -1., -3.]);
    assert_eq!(*data, XS);
}

#[test]
fn binary_ops_compute_into_the_operand_as_large_as_the_output() {
    let h = Harness::new();
    // [2,3] + [3]: the left operand holds the result.
    let x = h.tensor(&[2, 3], &[1f32, 2., 3., 4., 5., 6.]);
    let at = address(&x);
    let ran = h.run1("AddV2", DType::Float32, vec![x, h.tensor(&[3], &[10f32, 20., 30.])]);
    ran.assert_forwarded(at);
    assert_values(ran.output(), &[2, 3], &[11f32, 22., 33., 14., 25., 36.]);

    // [2,1] - [2,3]: the right operand holds the result, and the order is kept.
    let y = h.tensor(&[2, 3], &[1f32, 2., 3., 4., 5., 6.]);
    let at = address(&y);
    let ran = h.run1("Sub", DType::Float32, vec![h.tensor(&[2, 1], &[10f32, 100.]), y]);
    ran.assert_forwarded(at);
    assert_values(ran.output(), &[2, 3], &[9f32, 8., 7., 96., 95., 94.]);

    // Division by a scalar; then a right operand of the output's size but another rank ([3]
    // for [1,3]), forwarded because the left one is shared.
    let x = h.tensor(&[3], &[3f64, 6., 9.]);
    let at = address(&x);
    let ran = h.run1("RealDiv", DType::Float64, vec![x, h.tensor(&[], &[3f64])]);
    ran.assert_forwarded(at);
    assert_values(ran.output(), &[3], &[1f64, 2., 3.]);
    let x = h.tensor(&[1, 3], &[2i32, 3, 4]);
    let held = x.clone();
    let y = h.tensor(&[3], &[1i32, 2, 3]);
    let at = address(&y);
    let ran = h.run1("Mul", DType::Int32, vec![x, y]);
    ran.assert_forwarded(at);
    assert_values(ran.output(), &[1, 3], &[2i32, 6, 12]);
    assert_values(&held, &[1, 3], &[2i32, 3, 4]);

    // A middle-dimension broadcast in place: [2,3,2] * [3,1].
    let x = h.tensor(&[2, 3, 2], &[1i64, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    let at = address(&x);
    let ran = h.run1("Mul", DType::Int64, vec![x, h.tensor(&[3, 1], &[1i64, 10, 100])]);
    ran.assert_forwarded(at);
    let expected = [1i64, 2, 30, 40, 500, 600, 7, 8, 90, 100, 1100, 1200];
    assert_values(ran.output(), &[2, 3, 2], &expected);
}

#[test]
fn binary_ops_never_forward_a_smaller_shared_or_differently_typed_operand() {
    let h = Harness::new();
    // Both operands broadcast: [2,1] + [1,3] is [2,3], larger than either.
    let x = h.tensor(&[2, 1], &[1f32, 2.]);
    let (at, ran) = (
        address(&x),
        h.run1("AddV2", DType::Float32, vec![x, h.tensor(&[1, 3], &[10f32, 20., 30.])]),
    );
    ran.assert_fresh(at);
    assert_values(ran.output(), &[2, 3], &[11f32, 21., 31., 12., 22., 32.]);

    // The same tensor twice: two holders, so neither may be written.
    let x = h.tensor(&[3], &[1f32, 2., 3.]);
    let at = address(&x);
    let ran = h.run1("Mul", DType::Float32, vec![x.clone(), x]);
    ran.assert_fresh(at);
    assert_values(ran.output(), &[3], &[1f32, 4., 9.]);

    // A comparison's bool output cannot live in float memory.
    let x = h.tensor(&[3], &[1f32, 2., 3.]);
    let at = address(&x);
    let ran = h.run1("Less", DType::Float32, vec![x, h.tensor(&[], &[2f32])]);
    ran.assert_fresh(at);
    assert_values(ran.output(), &[3], &[true, false, false]);
}

#[test]
fn bias_add_adds_in_place_in_both_layouts() {
    let h = Harness::new();
    for (format, expected) in
        [("NHWC", [11f32, 22., 13., 24., 15., 26.]), ("NCHW", [11f32, 12., 13., 24., 25., 26.])]
    {
        let mut attrs = AttrMap::new();
        attrs.insert("data_format".into(), AttrValue::String(format.into()));
        // NHWC: [3 rows, 2 channels]; NCHW: [1, 2 channels, 3].
        let dims: &[usize] = if format == "NHWC" { &[3, 2] } else { &[1, 2, 3] };
        let x = h.tensor(dims, &[1f32, 2., 3., 4., 5., 6.]);
        let at = address(&x);
        let ran = h.run("BiasAdd", DType::Float32, attrs, vec![x, h.tensor(&[2], &[10f32, 20.])]);
        ran.assert_forwarded(at);
        assert_values(ran.output(), dims, &expected);
    }
}

#[test]
fn add_n_builds_on_input_zero_or_one_and_keeps_the_left_to_right_rounding() {
    let h = Harness::new();
    // (1e8 + −1e8) + 1 = 1 in float32; adding −1e8 + 1 first would round to 0.
    let (a, b, c) = ([1e8f32], [-1e8f32], [1f32]);
    let x0 = h.tensor(&[1], &a);
    let held = x0.clone();
    let x1 = h.tensor(&[1], &b);
    let at = address(&x1);
    let ran = h.run1("AddN", DType::Float32, vec![x0, x1, h.tensor(&[1], &c)]);
    ran.assert_forwarded(at);
    assert_values(ran.output(), &[1], &[1f32]);
    assert_values(&held, &[1], &a);

    let x0 = h.tensor(&[2], &[1i32, 2]);
    let at = address(&x0);
    let ran = h.run1("AddN", DType::Int32, vec![x0, h.tensor(&[2], &[10i32, 20])]);
    ran.assert_forwarded(at);
    assert_values(ran.output(), &[2], &[11i32, 22]);
}

#[test]
fn softmax_and_log_softmax_compute_rows_in_place() {
    let h = Harness::new();
    // Rows [0, ln 3] and [ln 2, ln 2]: softmax [1/4, 3/4] and [1/2, 1/2].
    let (l2, l3) = (2f64.ln(), 3f64.ln());
    for (op, expected) in [
        ("Softmax", [0.25, 0.75, 0.5, 0.5]),
        ("LogSoftmax", [0.25f64.ln(), 0.75f64.ln(), 0.5f64.ln(), 0.5f64.ln()]),
    ] {
        let x = h.tensor(&[2, 2], &[0., l3, l2, l2]);
        let at = address(&x);
        let ran = h.run1(op, DType::Float64, vec![x]);
        ran.assert_forwarded(at);
        assert_close(ran.output(), DType::Float64, &[2, 2], &expected, 1e-12);
    }
}

#[test]
fn shape_only_ops_and_same_type_casts_share_the_input_without_copying() {
    let h = Harness::new();
    let x = || h.tensor(&[2, 3], &[1f32, 2., 3., 4., 5., 6.]);
    let shape =
        Tensor::from_slice(sessionflow::host_allocator(), TensorShape::new([2]), &[3i32, 2])
            .unwrap();
    let axis = Tensor::scalar(sessionflow::host_allocator(), 0i32).unwrap();
    let mut squeeze = AttrMap::new();
    squeeze.insert("squeeze_dims".into(), AttrValue::ListInt(vec![]));
    let mut cast = AttrMap::new();
    cast.insert("DstT".into(), AttrValue::Type(DType::Float32));
    cast.insert("Truncate".into(), AttrValue::Bool(false));
    let cases: Vec<(&str, AttrMap, Vec<Tensor>, &[usize])> = vec![
        ("Identity", AttrMap::new(), vec![], &[2, 3]),
        ("Reshape", AttrMap::new(), vec![shape], &[3, 2]),
        ("ExpandDims", AttrMap::new(), vec![axis], &[1, 2, 3]),
        ("Squeeze", squeeze, vec![], &[2, 3]),
        ("Cast", cast, vec![], &[2, 3]),
    ];
    for (op, attrs, rest, dims) in cases {
        let x = x();
        let at = address(&x);
        let inputs = std::iter::once(x).chain(rest).collect();
        let ran = h.run(op, DType::Float32, attrs, inputs);
        ran.assert_forwarded(at);
        assert_values(ran.output(), dims, &[1f32, 2., 3., 4., 5., 6.]);
    }
    // A cast to another type of the same width still converts into fresh memory.
    let mut cast = AttrMap::new();
    cast.insert("DstT".into(), AttrValue::Type(DType::Int32));
    cast.insert("Truncate".into(), AttrValue::Bool(false));
    let x = h.tensor(&[2], &[1.5f32, -2.5]);
    let at = address(&x);
    let ran = h.run("Cast", DType::Float32, cast, vec![x]);
    ran.assert_fresh(at);
    assert_values(ran.output(), &[2], &[1i32, -2]);
}

#[test]
fn activation_gradients_compute_into_exclusive_gradients_and_leave_shared_ones_intact() {
    let h = Harness::new();
    let grads = [1f32, 2., 3., 4., 5., 6.];
    // By hand on XS = [-2, -0.5, 0, 0.5, 1, 3]: ReluGrad passes g where x > 0; EluGrad gives
    // g·(y + 1) where y < 0, else g.
    for (op, expected) in
        [("ReluGrad", [0., 0., 0., 4., 5., 6.]), ("EluGrad", [-1., 1., 3., 4., 5., 6.])]
    {
        let g = h.tensor(&[2, 3], &grads);
        let at = address(&g);
        let ran = h.run1(op, DType::Float32, vec![g, h.tensor(&[2, 3], &XS)]);
        ran.assert_forwarded(at);
        assert_close(ran.output(), DType::Float32, &[2, 3], &expected, 0.0);

        let g = h.tensor(&[2, 3], &grads);
        let held = g.clone();
        let ran = h.run1(op, DType::Float32, vec![g, h.tensor(&[2, 3], &XS)]);
        ran.assert_fresh(address(&held));
        assert_close(ran.output(), DType::Float32, &[2, 3], &expected, 0.0);
        assert_values(&held, &[2, 3], &grads);
    }
}
