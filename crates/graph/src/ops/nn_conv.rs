//! Convolutions, pooling and batch normalisation: `Conv2D`, `DepthwiseConv2dNative`,
//! `MaxPool`, `AvgPool` and `FusedBatchNormV3`, with TensorFlow's shape functions.

mod batch_norm;
mod conv;
mod pool;
mod window;

pub(super) use batch_norm::fused_batch_norm_shape;
pub(super) use conv::{conv2d_shape, depthwise_shape};

use crate::{OpDef, OpRegistry};
use sessionflow_core::DType;

/// Dtypes of TensorFlow's CPU `Conv2D` kernel.
const CONV2D_TYPES: [DType; 5] =
    [DType::Float16, DType::BFloat16, DType::Float32, DType::Float64, DType::Int32];
/// Dtypes of TensorFlow's CPU depthwise-convolution and average-pooling kernels.
const FLOAT_TYPES: [DType; 4] = [DType::Float16, DType::BFloat16, DType::Float32, DType::Float64];
/// Dtypes of TensorFlow's CPU `MaxPool` kernel (of those sessionflow has).
const MAX_POOL_TYPES: [DType; 9] = [
    DType::Float16,
    DType::BFloat16,
    DType::Float32,
    DType::Float64,
    DType::Int32,
    DType::Int64,
    DType::UInt8,
    DType::Int16,
    DType::Int8,
];
/// `FusedBatchNormV3`'s data type `T` and statistics type `U`.
const BATCH_NORM_T: [DType; 3] = [DType::Float16, DType::BFloat16, DType::Float32];
const BATCH_NORM_U: [DType; 2] = [DType::BFloat16, DType::Float32];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Conv2D")
            .input("input: T")
            .input("filter: T")
            .output("output: T")
            .type_attr("T", &CONV2D_TYPES)
            .attr("strides: list(int)")
            .attr("use_cudnn_on_gpu: bool = true")
            .attr("padding: string")
            .attr("explicit_paddings: list(int) = []")
            .attr("data_format: string = 'NHWC'")
            .attr("dilations: list(int) = [1, 1, 1, 1]")
            .shape(conv::conv2d_shape),
    );
    r.register(
        OpDef::new("DepthwiseConv2dNative")
            .input("input: T")
            .input("filter: T")
            .output("output: T")
            .type_attr("T", &FLOAT_TYPES)
            .attr("strides: list(int)")
            .attr("padding: string")
            .attr("explicit_paddings: list(int) = []")
            .attr("data_format: string = 'NHWC'")
            .attr("dilations: list(int) = [1, 1, 1, 1]")
            .shape(conv::depthwise_shape),
    );
    r.register(
        OpDef::new("MaxPool")
            .input("input: T")
            .output("output: T")
            .type_attr("T", &MAX_POOL_TYPES)
            .attr("ksize: list(int)")
            .attr("strides: list(int)")
            .attr("padding: string")
            .attr("explicit_paddings: list(int) = []")
            .attr("data_format: string = 'NHWC'")
            .shape(pool::max_pool_shape),
    );
    r.register(
        OpDef::new("AvgPool")
            .input("value: T")
            .output("output: T")
            .type_attr("T", &FLOAT_TYPES)
            .attr("ksize: list(int)")
            .attr("strides: list(int)")
            .attr("padding: string")
            .attr("data_format: string = 'NHWC'")
            .shape(pool::avg_pool_shape),
    );
    r.register(
        OpDef::new("FusedBatchNormV3")
            .input("x: T")
            .input("scale: U")
            .input("offset: U")
            .input("mean: U")
            .input("variance: U")
            .output("y: T")
            .output("batch_mean: U")
            .output("batch_variance: U")
            .output("reserve_space_1: U")
            .output("reserve_space_2: U")
            .output("reserve_space_3: U")
            .type_attr("T", &BATCH_NORM_T)
            .type_attr("U", &BATCH_NORM_U)
            .attr("epsilon: float = 0.0001")
            .attr("exponential_avg_factor: float = 1.0")
            .attr("data_format: string = 'NHWC'")
            .attr("is_training: bool = true")
            .shape(batch_norm::fused_batch_norm_shape),
    );
}
