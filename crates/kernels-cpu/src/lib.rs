//! The CPU: a [`CpuDevice`] and the kernels registered for it.

mod broadcast;
mod cpu_device;
mod kernels;

pub use broadcast::broadcast_shapes;
pub use cpu_device::CpuDevice;
pub use kernels::register_kernels;
