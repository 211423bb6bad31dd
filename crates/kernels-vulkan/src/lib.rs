//! Vulkan compute for sessionflow: a device whose tensors live in Vulkan memory, and its
//! kernels.
//!
//! # Why `ash`, and why naga at build time
//!
//! The binding is [`ash`] with its `loaded` feature, not `wgpu`:
//! - The loader (`libvulkan.so.1`, `vulkan-1.dll`) is opened with `dlopen` when a session first
//!   asks for the device, so the addon links nothing of Vulkan and loads, with every CPU
//!   feature, on machines without it. (wgpu loads Vulkan the same way; that is not the
//!   difference.)
//! - The backend needs what wgpu abstracts away: the memory heaps (the device's memory limit),
//!   the memory types (device-local for tensors; host-visible and mapped where the device is
//!   the CPU, as lavapipe is), large `VkDeviceMemory` regions that the BFC allocator carves
//!   itself, command buffers submitted with fences, and pipelines cached by shader variant.
//!   With wgpu each tensor would be its own `wgpu::Buffer` behind its own allocator and
//!   validation layer, and a lost device or an out-of-memory shows up as an error callback
//!   rather than a `Result`.
//! - Cost, measured on the project's 2-core build machine (README, "The Vulkan device"): a
//!   one-file program using ash (plus naga at build time) took 30 s of CPU to build from
//!   clean, one using wgpu 113 s (wgpu compiles naga optimised, for run time, and wgpu-core);
//!   stripped, 0.35 MB against 2.8 MB.
//!
//! Shaders are WGSL in `shaders/`, compiled to SPIR-V by naga in `build.rs` (pure Rust: no
//! shaderc or glslang, no C++ toolchain, no nightly, nothing at install time). WGSL rather
//! than checked-in SPIR-V because the source is then the only artefact: nothing can drift
//! from it, and a shader error fails the build with a message pointing into the WGSL. naga
//! is a build dependency only, compiled without optimisation, so it adds build time but no
//! bytes to the addon.
//!
//! # Shape of the crate
//!
//! - [`VulkanContext`]: the instance, the chosen physical device (a compute queue; discrete
//!   GPUs first, lavapipe accepted), the logical device, the pipeline cache, the submission
//!   state and the table of memory regions. One per process ([`VulkanContext::shared`]), like
//!   TensorFlow's GPU devices; sessions share it.
//! - [`VulkanRegions`]: the `RegionProvider` that gives crates/alloc's BFC allocator large
//!   `VkBuffer`s bound to device memory. Their "addresses" are opaque numbers in a private
//!   address space that the context resolves to (buffer, offset); the host never dereferences
//!   them (see `sessionflow_core::DeviceBuffer`).
//! - Execution is synchronous per call: each kernel records its dispatches into one command
//!   buffer, submits it with a fence and waits. That keeps the BFC allocator's reuse of freed
//!   memory and host writes into mapped memory trivially ordered with the device's work.
//! - [`kernels`]: the kernels as plain functions over device tensors; `ops` adapts them to
//!   `OpKernel`s registered for `DeviceType::VULKAN` ([`register_kernels`]).
//! - [`VulkanDevice`]: the `Device` a session gets, named
//!   `/job:localhost/replica:0/task:0/device:VULKAN:0`.
//!
//! Errors are [`Status`](sessionflow_core::Status) values: a missing loader or device is
//! `Unavailable`, device memory exhaustion `ResourceExhausted`, a lost device `Internal`
//! (and every later call on that device fails the same way rather than touching it).

mod context;
mod device;
mod error;
pub mod kernels;
mod loader;
mod memory;
mod ops;
mod pipelines;
mod regions;
mod selection;
mod shaders;
mod submit;
#[cfg(test)]
mod testing;
mod transfer;

pub use context::{DeviceInfo, VulkanContext};
pub use device::VulkanDevice;
pub use loader::{DISABLE_VAR, LOADER_VAR};
pub use ops::register_kernels;
pub use regions::VulkanRegions;
