//! The op test harness. An [`OpCase`] names an op, its inputs and attrs; running it builds a
//! one-node graph three ways and runs each in a session:
//!
//! 1. inputs as `Const` nodes: shape functions see static shapes and constant values;
//! 2. inputs as `Placeholder`s with their full static shape, fed at run time;
//! 3. inputs as `Placeholder`s of unknown rank, fed at run time: kernels must validate;
//! 4. as 3, but each fed tensor a copy handed over to the session, so kernels may take their
//!    inputs' memory for their outputs (forwarding) and compute in place.
//!
//! The four must agree (same outputs, or the same error code), and every output must fit the
//! dtype and static shape the graph inferred. Tests then compare outputs with values worked out
//! independently.
//!
//! When the process has a Vulkan device and the Vulkan kernels include one for the case's op
//! and dtype, each case also runs in every mode with the op node pinned to
//! `/device:VULKAN:0` (see [`vulkan`]); its results must match the CPU's within the
//! tolerances of [`agreement`], or fail with the same error code. Without a device the Vulkan
//! runs skip, saying why once.

use half::{bf16, f16};
use sessionflow::core::{
    AttrMap, AttrValue, Code, DType, Element, PartialShape, Status, Tensor, TensorShape,
};
use sessionflow::graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow::{RunOptions, host_allocator, open_session};
use std::sync::{Arc, RwLock};

pub mod agreement;
pub mod vulkan;

pub use sessionflow::core;
pub use vulkan::{Device, vulkan_available};

/// One op invocation to test.
#[derive(Clone, Debug)]
pub struct OpCase {
    op: String,
    attrs: AttrMap,
    inputs: Vec<Tensor>,
}

/// How a case's inputs enter the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputMode {
    Const,
    FedKnownShape,
    FedUnknownShape,
    /// Fed copies nothing else holds, which kernels may forward to their outputs.
    FedOwned,
}

const MODES: [InputMode; 4] =
    [InputMode::Const, InputMode::FedKnownShape, InputMode::FedUnknownShape, InputMode::FedOwned];

/// The values a run feeds, by placeholder.
type Feeds = Vec<(Endpoint, Tensor)>;

/// A host tensor with these dims and values (panics on a length mismatch: a bug in the test).
pub fn tensor<T: Element>(dims: &[usize], data: &[T]) -> Tensor {
    Tensor::from_slice(host_allocator(), TensorShape::new(dims), data)
        .unwrap_or_else(|e| panic!("bad test tensor: {e}"))
}

/// A host string tensor.
pub fn string_tensor(dims: &[usize], data: &[&str]) -> Tensor {
    let values = data.iter().map(|s| s.as_bytes().to_vec()).collect();
    Tensor::from_strings(TensorShape::new(dims), values)
        .unwrap_or_else(|e| panic!("bad test tensor: {e}"))
}

impl OpCase {
    /// A case for op `op` (TensorFlow's name) with no inputs or attrs yet.
    pub fn new(op: &str) -> Self {
        OpCase { op: op.to_owned(), attrs: AttrMap::new(), inputs: Vec::new() }
    }

    /// Adds an input with these dims and values.
    pub fn input<T: Element>(self, dims: &[usize], data: &[T]) -> Self {
        self.input_tensor(tensor(dims, data))
    }

    /// Adds an input tensor.
    pub fn input_tensor(mut self, t: Tensor) -> Self {
        self.inputs.push(t);
        self
    }

    /// Sets an attr.
    pub fn attr(mut self, name: &str, value: AttrValue) -> Self {
        self.attrs.insert(name.to_owned(), value);
        self
    }

    /// Sets an int attr.
    pub fn attr_int(self, name: &str, v: i64) -> Self {
        self.attr(name, AttrValue::Int(v))
    }

    /// Sets a float attr.
    pub fn attr_float(self, name: &str, v: f32) -> Self {
        self.attr(name, AttrValue::Float(v))
    }

    /// Sets a bool attr.
    pub fn attr_bool(self, name: &str, v: bool) -> Self {
        self.attr(name, AttrValue::Bool(v))
    }

    /// Sets a string attr.
    pub fn attr_str(self, name: &str, v: &str) -> Self {
        self.attr(name, AttrValue::String(v.to_owned()))
    }

    /// Sets a type attr.
    pub fn attr_type(self, name: &str, v: DType) -> Self {
        self.attr(name, AttrValue::Type(v))
    }

    /// Sets a list(int) attr.
    pub fn attr_ints(self, name: &str, v: &[i64]) -> Self {
        self.attr(name, AttrValue::ListInt(v.to_vec()))
    }

    /// Sets a shape attr (-1 for unknown dimensions).
    pub fn attr_shape(self, name: &str, dims: &[i64]) -> Self {
        let shape = PartialShape::from_i64(dims).unwrap_or_else(|e| panic!("bad test shape: {e}"));
        self.attr(name, AttrValue::Shape(shape))
    }

    /// The op's name.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// Runs the case in one input mode on the CPU.
    pub fn run_mode(&self, mode: InputMode) -> Result<Vec<Tensor>, Status> {
        self.run_mode_on(mode, Device::Cpu)
    }

    /// The case's graph in one input mode, the op node requesting `device` (its inputs request
    /// none): the graph, the op node and the feeds.
    fn build(
        &self,
        mode: InputMode,
        device: Device,
    ) -> Result<(Arc<RwLock<Graph>>, NodeId, Feeds), Status> {
        let graph = Arc::new(RwLock::new(Graph::new()));
        let mut feeds = Vec::new();
        let node = {
            let mut g = graph.write().expect("the test owns the graph");
            let mut inputs = Vec::new();
            for (i, t) in self.inputs.iter().enumerate() {
                let mut attrs = AttrMap::new();
                attrs.insert("dtype".into(), AttrValue::Type(t.dtype()));
                let op = match mode {
                    InputMode::Const => {
                        attrs.insert("value".into(), AttrValue::Tensor(t.clone()));
                        "Const"
                    }
                    InputMode::FedKnownShape => {
                        attrs.insert("shape".into(), AttrValue::Shape(t.shape().into()));
                        "Placeholder"
                    }
                    InputMode::FedUnknownShape | InputMode::FedOwned => "Placeholder",
                };
                let id = g.add_node(NodeSpec {
                    op: op.into(),
                    name: format!("input{i}"),
                    attrs,
                    ..Default::default()
                })?;
                match mode {
                    InputMode::Const => {}
                    InputMode::FedOwned => feeds.push((Endpoint::new(id, 0), owned_copy(t))),
                    _ => feeds.push((Endpoint::new(id, 0), t.clone())),
                }
                inputs.push(Endpoint::new(id, 0));
            }
            g.add_node(NodeSpec {
                op: self.op.clone(),
                name: "op".into(),
                inputs,
                attrs: self.attrs.clone(),
                device: device.request().into(),
                ..Default::default()
            })?
        };
        Ok((graph, node, feeds))
    }

    /// Runs the case in one input mode with the op node on `device`. On Vulkan, constant
    /// folding is off (it would compute the node on the CPU while building the plan) and the
    /// run is traced to check that the node ran on the device.
    pub fn run_mode_on(&self, mode: InputMode, device: Device) -> Result<Vec<Tensor>, Status> {
        let (graph, node, feeds) = self.build(mode, device)?;
        let (num_outputs, static_types, static_shapes) = {
            let g = graph.read().expect("the test owns the graph");
            let n = g.node(node)?;
            (n.num_outputs(), n.output_types.clone(), n.output_shapes.clone())
        };
        let session = open_session(Arc::clone(&graph), &device.session_config())?;
        let fetches: Vec<Endpoint> =
            (0..num_outputs as u32).map(|i| Endpoint::new(node, i)).collect();
        let trace = device != Device::Cpu;
        let options = RunOptions { trace, ..Default::default() };
        let (outputs, metadata) = session.run_with_options(feeds, &fetches, &[], &options)?;
        if trace {
            vulkan::assert_ran_on(device, &self.op, mode, &metadata.step_stats, &outputs);
        }
        for (i, t) in outputs.iter().enumerate() {
            assert_eq!(
                t.dtype(),
                static_types[i],
                "{}: output {i} dtype ({mode:?}, {device:?})",
                self.op
            );
            assert!(
                static_shapes[i].is_compatible_with(t.shape()),
                "{}: output {i} has shape {} but the graph inferred {} ({mode:?}, {device:?})",
                self.op,
                t.shape(),
                static_shapes[i]
            );
        }
        Ok(outputs)
    }

    /// Runs the case in every input mode, checks they agree, and returns the outputs or the
    /// error.
    pub fn run(&self) -> Result<Vec<Tensor>, Status> {
        let results: Vec<_> = MODES.iter().map(|&m| (m, self.run_mode(m))).collect();
        let (_, first) = &results[0];
        for (mode, result) in &results[1..] {
            match (first, result) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.len(), b.len(), "{}: output count differs in {mode:?}", self.op);
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        assert!(
                            same_tensor(x, y),
                            "{}: output {i} differs between Const inputs ({x:?}) and {mode:?} ({y:?})",
                            self.op
                        );
                    }
                }
                (Err(a), Err(b)) => assert_eq!(
                    a.code, b.code,
                    "{}: error codes differ: Const inputs: {a}; {mode:?}: {b}",
                    self.op
                ),
                (a, b) => panic!(
                    "{}: Const inputs gave {:?} but {mode:?} gave {:?}",
                    self.op,
                    a.as_ref().map(|_| "values").map_err(ToString::to_string),
                    b.as_ref().map(|_| "values").map_err(ToString::to_string)
                ),
            }
        }
        if vulkan::has_kernel(self) {
            vulkan::check_against_cpu(self, &results);
        }
        results.into_iter().next().map(|(_, r)| r).expect("MODES is not empty")
    }

    /// The outputs; panics with the error if the case fails.
    pub fn outputs(&self) -> Vec<Tensor> {
        self.run().unwrap_or_else(|e| panic!("{} failed: {e}", self.op))
    }

    /// The single output; panics unless the case succeeds with exactly one output.
    pub fn output(&self) -> Tensor {
        let mut outputs = self.outputs();
        assert_eq!(outputs.len(), 1, "{} has {} outputs", self.op, outputs.len());
        outputs.remove(0)
    }

    /// Asserts that the case fails (in every mode) with `code` and a message containing
    /// `needle`; returns the error.
    pub fn expect_error(&self, code: Code, needle: &str) -> Status {
        match self.run() {
            Ok(_) => panic!("{} succeeded but should fail with {code}", self.op),
            Err(e) => {
                assert_eq!(e.code, code, "{}: {e}", self.op);
                assert!(
                    e.message.contains(needle),
                    "{}: '{}' lacks '{needle}'",
                    self.op,
                    e.message
                );
                e
            }
        }
    }
}

/// A deep copy of `t` that nothing else shares.
fn owned_copy(t: &Tensor) -> Tensor {
    let copy = match t.dtype() {
        DType::String => {
            t.as_strings().and_then(|v| Tensor::from_strings(t.shape().clone(), v.to_vec()))
        }
        dtype => t
            .as_bytes()
            .and_then(|b| Tensor::from_bytes(host_allocator(), dtype, t.shape().clone(), b)),
    };
    copy.unwrap_or_else(|e| panic!("cannot copy a test tensor: {e}"))
}

fn same_tensor(a: &Tensor, b: &Tensor) -> bool {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    match a.dtype() {
        DType::String => a.as_strings().ok() == b.as_strings().ok(),
        // Bitwise, so NaNs compare equal to themselves: the modes run the same kernel.
        _ => a.as_bytes().ok() == b.as_bytes().ok(),
    }
}

/// Any numeric or bool tensor's values widened to f64 (bool as 0/1).
pub fn values_f64(t: &Tensor) -> Vec<f64> {
    fn conv<T: Element>(t: &Tensor, f: impl Fn(T) -> f64) -> Vec<f64> {
        t.as_slice::<T>().unwrap_or_else(|e| panic!("{e}")).iter().map(|&v| f(v)).collect()
    }
    match t.dtype() {
        DType::Float32 => conv::<f32>(t, |v| v as f64),
        DType::Float64 => conv::<f64>(t, |v| v),
        DType::Float16 => conv::<f16>(t, |v| v.to_f64()),
        DType::BFloat16 => conv::<bf16>(t, |v| v.to_f64()),
        DType::Int8 => conv::<i8>(t, |v| v as f64),
        DType::Int16 => conv::<i16>(t, |v| v as f64),
        DType::Int32 => conv::<i32>(t, |v| v as f64),
        DType::Int64 => conv::<i64>(t, |v| v as f64),
        DType::UInt8 => conv::<u8>(t, |v| v as f64),
        DType::Bool => conv::<bool>(t, |v| if v { 1.0 } else { 0.0 }),
        DType::String | DType::Resource => panic!("{} tensors have no numeric values", t.dtype()),
    }
}

/// Asserts `t` has this dtype, these dims and exactly these values.
#[track_caller]
pub fn assert_values<T: Element + PartialEq + std::fmt::Debug>(
    t: &Tensor,
    dims: &[usize],
    data: &[T],
) {
    assert_eq!(t.dtype(), T::DTYPE, "dtype");
    assert_eq!(t.shape().dims(), dims, "shape");
    assert_eq!(t.as_slice::<T>().unwrap_or_else(|e| panic!("{e}")), data, "values");
}

/// Asserts `t` has this dtype and dims and values within `tol` (absolute plus relative to the
/// expected magnitude); NaN matches NaN and infinities must match exactly.
#[track_caller]
pub fn assert_close(t: &Tensor, dtype: DType, dims: &[usize], expected: &[f64], tol: f64) {
    assert_eq!(t.dtype(), dtype, "dtype");
    assert_eq!(t.shape().dims(), dims, "shape");
    let got = values_f64(t);
    assert_eq!(got.len(), expected.len(), "element count");
    for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
        let ok = if e.is_nan() {
            g.is_nan()
        } else if e.is_infinite() {
            g == e
        } else {
            (g - e).abs() <= tol * (1.0 + e.abs())
        };
        assert!(ok, "element {i}: got {g}, expected {e} (tol {tol}); all: {got:?}");
    }
}

/// A tolerance suited to `dtype` for results of a few float operations.
pub fn tolerance(dtype: DType) -> f64 {
    match dtype {
        DType::Float64 => 1e-12,
        DType::Float32 => 1e-5,
        DType::Float16 => 2e-3,
        DType::BFloat16 => 1.6e-2,
        _ => 0.0,
    }
}

/// A tensor of `dtype` with these dims from f64 values (rounded/truncated as `as` does).
pub fn tensor_of(dtype: DType, dims: &[usize], data: &[f64]) -> Tensor {
    match dtype {
        DType::Float32 => tensor(dims, &data.iter().map(|&v| v as f32).collect::<Vec<_>>()),
        DType::Float64 => tensor(dims, data),
        DType::Float16 => tensor(dims, &data.iter().map(|&v| f16::from_f64(v)).collect::<Vec<_>>()),
        DType::BFloat16 => {
            tensor(dims, &data.iter().map(|&v| bf16::from_f64(v)).collect::<Vec<_>>())
        }
        DType::Int8 => tensor(dims, &data.iter().map(|&v| v as i8).collect::<Vec<_>>()),
        DType::Int16 => tensor(dims, &data.iter().map(|&v| v as i16).collect::<Vec<_>>()),
        DType::Int32 => tensor(dims, &data.iter().map(|&v| v as i32).collect::<Vec<_>>()),
        DType::Int64 => tensor(dims, &data.iter().map(|&v| v as i64).collect::<Vec<_>>()),
        DType::UInt8 => tensor(dims, &data.iter().map(|&v| v as u8).collect::<Vec<_>>()),
        DType::Bool => tensor(dims, &data.iter().map(|&v| v != 0.0).collect::<Vec<_>>()),
        DType::String | DType::Resource => panic!("no {dtype} tensor from numbers"),
    }
}
