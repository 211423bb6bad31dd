//! Convolutions, pooling and batch normalisation. Expected values were computed with
//! TensorFlow 2.21 on CPU (oneDNN off) from the same inputs and are written here as literals;
//! NCHW expectations are TensorFlow's NHWC results transposed by numpy. Larger cases compare
//! with a direct-loop reference written in this file.

#[path = "nn_conv/batch_norm.rs"]
mod batch_norm;
#[path = "nn_conv/conv2d.rs"]
mod conv2d;
#[path = "nn_conv/depthwise.rs"]
mod depthwise;
#[path = "nn_conv/pooling.rs"]
mod pooling;
#[path = "nn_conv/shapes.rs"]
mod shapes;

use sessionflow::graph::{Endpoint, Graph, NodeSpec};
use sessionflow_op_tests::core::{AttrMap, AttrValue, Code, DType, PartialShape, Status, Tensor};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor_of, tolerance, values_f64};

const FLOATS: [DType; 4] = [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16];

/// `((i·a) mod m − ⌊m/2⌋)·scale` for i in 0..n: small values, exact in every float dtype.
fn ramp(n: usize, a: usize, m: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|i| ((i * a) % m) as f64 - (m / 2) as f64).map(|v| v * scale).collect()
}

/// An NHWC array's values in NCHW order.
fn to_nchw(data: &[f64], [n, h, w, c]: [usize; 4]) -> Vec<f64> {
    let mut out = Vec::with_capacity(data.len());
    for b in 0..n {
        for ch in 0..c {
            for p in 0..h * w {
                out.push(data[(b * h * w + p) * c + ch]);
            }
        }
    }
    out
}

fn conv(op: &str, dtype: DType, x: (&[usize], &[f64]), f: (&[usize], &[f64])) -> OpCase {
    OpCase::new(op)
        .input_tensor(tensor_of(dtype, x.0, x.1))
        .input_tensor(tensor_of(dtype, f.0, f.1))
}

fn conv2d(dtype: DType, x: (&[usize], &[f64]), f: (&[usize], &[f64])) -> OpCase {
    conv("Conv2D", dtype, x, f)
}
