use crate::Allocator;
use std::fmt;
use std::sync::Arc;

/// The kind of a device, as kernels are registered for it (`CPU`, `GPU`, `VULKAN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceType(&'static str);

impl DeviceType {
    /// The host CPU.
    pub const CPU: DeviceType = DeviceType("CPU");
    /// An NVIDIA GPU through CUDA (TensorFlow's name for it).
    pub const GPU: DeviceType = DeviceType("GPU");
    /// A Vulkan compute device.
    pub const VULKAN: DeviceType = DeviceType("VULKAN");

    /// The type's name.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for DeviceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// What a session reports about a device (TensorFlow's `DeviceAttributes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAttributes {
    /// Full name, e.g. `/job:localhost/replica:0/task:0/device:CPU:0`.
    pub name: String,
    pub device_type: DeviceType,
    /// Bytes the device can hold.
    pub memory_limit: u64,
}

/// A place where kernels run and tensors live. The executor knows devices only through this
/// trait and the kernel registry.
pub trait Device: Send + Sync {
    /// Name, type and memory limit.
    fn attributes(&self) -> &DeviceAttributes;

    /// The allocator for tensors that live on this device.
    fn allocator(&self) -> &Arc<dyn Allocator>;

    /// The device's type, used to pick kernels.
    fn device_type(&self) -> DeviceType {
        self.attributes().device_type
    }
}
