//! The vocabulary every other sessionflow crate speaks: [`DType`], shapes, [`Tensor`],
//! [`Status`] with TensorFlow's error codes, the [`Device`] and [`Allocator`] seams, the
//! [`KernelRegistry`] keyed by (op type, device type, dtype), and the [`ResourceManager`]
//! through which kernels reach a session's variables.

mod allocator;
mod attr;
mod buffer;
mod device;
mod device_buffer;
mod dtype;
mod element;
mod kernel;
mod pool_awake;
mod resource;
mod shape;
mod status;
pub mod strided_slice;
mod tensor;

pub use allocator::{Allocator, AllocatorStats, MemoryKind, TENSOR_ALIGNMENT};
pub use attr::{AttrMap, AttrValue, AttrsExt};
pub use buffer::Buffer;
pub use device::{Device, DeviceAttributes, DeviceType};
pub use device_buffer::DeviceBuffer;
pub use dtype::DType;
pub use element::Element;
pub use kernel::{Elementwise, KernelContext, KernelFactory, KernelRegistry, NodeView, OpKernel};
pub use pool_awake::{PoolAwake, pool_is_awake};
pub use resource::{
    DEFAULT_CONTAINER, ResourceHandle, ResourceManager, Variable, VariableGuard, lock_variables,
};
pub use shape::{PartialShape, TensorShape};
pub use status::{Code, Status};
pub use tensor::Tensor;

/// `Result` with sessionflow's [`Status`] as the error.
pub type Result<T, E = Status> = std::result::Result<T, E>;
