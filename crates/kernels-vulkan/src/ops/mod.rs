//! The Vulkan kernels as the executor runs them: `OpKernel`s registered for
//! `DeviceType::VULKAN`, each a thin adapter from a `KernelContext` to a function of
//! [`kernels`](crate::kernels) (plus forwarding of inputs in place where it applies).

mod conv;
mod math;
mod nn;
mod reshape;
mod structural;

use crate::VulkanContext;
use sessionflow_core::{KernelRegistry, Result};
use std::sync::Arc;

/// Registers every Vulkan kernel. Harmless without Vulkan: kernels are only built for nodes
/// placed on a Vulkan device, and there is none then.
pub fn register_kernels(registry: &mut KernelRegistry) {
    structural::register(registry);
    math::register(registry);
    nn::register(registry);
    conv::register(registry);
}

/// The context a kernel computes on (the process's).
fn context() -> Result<Arc<VulkanContext>> {
    VulkanContext::shared()
}
