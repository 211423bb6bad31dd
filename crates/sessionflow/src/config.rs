//! How a session is configured: the part of TensorFlow's `ConfigProto` the engine honours, and
//! how its memory options become allocator settings per device.

use crate::graph_options::GraphOptions;
use sessionflow_alloc::BfcOptions;
use sessionflow_core::{Result, Status};
use std::collections::HashMap;
use std::time::Duration;

/// How to open a session (the subset of TensorFlow's `ConfigProto` honoured so far).
#[derive(Clone, Debug, Default)]
pub struct SessionConfig {
    /// Threads inside one kernel; 0 shares the process-wide pool.
    pub intra_op_threads: usize,
    /// Threads running independent nodes concurrently: 0 shares the process-wide pool, 1 runs
    /// on the calling thread.
    pub inter_op_threads: usize,
    /// Timeout of runs that set none (TF's `operation_timeout_in_ms`).
    pub operation_timeout: Option<Duration>,
    /// How many devices of each type to create at most (TF's `device_count`, e.g. `CPU: 2`);
    /// types not listed get their default (one CPU; every accelerator found).
    pub device_count: HashMap<String, usize>,
    /// Run a node whose requested device cannot run it on one that can.
    pub allow_soft_placement: bool,
    /// Print each node's device to stderr when a plan is built.
    pub log_device_placement: bool,
    /// Most bytes each CPU device may hold at once; `None` means physical memory.
    pub cpu_memory_limit: Option<u64>,
    /// Memory options of accelerator devices (CUDA, Vulkan).
    pub gpu_options: GpuOptions,
    /// Which plan-time graph rewrites run (all by default).
    pub graph_options: GraphOptions,
}

/// TensorFlow's `GPUOptions`, for every accelerator device (CUDA and Vulkan alike).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GpuOptions {
    /// Obtain device memory as it is needed rather than all of it when the session opens.
    pub allow_growth: bool,
    /// The fraction of each device's memory the session may use (TF's
    /// `per_process_gpu_memory_fraction`); `None` for TensorFlow's default.
    pub per_process_gpu_memory_fraction: Option<f64>,
}

/// What TensorFlow reserves of a GPU when no fraction is given: all but a margin the driver
/// and other contexts need. We keep 5%, a common margin, and at least 256 MiB.
const DEFAULT_RESERVE_FRACTION: f64 = 0.95;
const MIN_HEADROOM_BYTES: u64 = 256 << 20;

impl GpuOptions {
    /// InvalidArgument for a fraction outside (0, 1].
    pub fn validate(&self) -> Result<()> {
        if let Some(f) = self.per_process_gpu_memory_fraction
            && !(f > 0.0 && f <= 1.0)
        {
            return Err(Status::invalid_argument(format!(
                "gpuOptions.perProcessGpuMemoryFraction must be in (0, 1], got {f}"
            )));
        }
        Ok(())
    }

    /// Allocator settings for an accelerator with `free_bytes` of memory available: the
    /// session's share of it as the limit, reserved at once unless growth is allowed.
    pub fn allocator_options(&self, free_bytes: u64, initial_region_bytes: usize) -> BfcOptions {
        let limit = match self.per_process_gpu_memory_fraction {
            Some(fraction) => (free_bytes as f64 * fraction) as u64,
            None => ((free_bytes as f64 * DEFAULT_RESERVE_FRACTION) as u64)
                .min(free_bytes.saturating_sub(MIN_HEADROOM_BYTES)),
        };
        BfcOptions {
            memory_limit: Some(usize::try_from(limit).unwrap_or(usize::MAX)),
            allow_growth: self.allow_growth,
            initial_region_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fraction_caps_the_device_and_growth_decides_when_memory_is_taken() {
        let gib = 1u64 << 30;
        let half = GpuOptions { allow_growth: false, per_process_gpu_memory_fraction: Some(0.5) };
        let o = half.allocator_options(8 * gib, 1 << 20);
        assert_eq!(o.memory_limit, Some(4 << 30));
        assert!(!o.allow_growth);
        let growing = GpuOptions { allow_growth: true, per_process_gpu_memory_fraction: None };
        let o = growing.allocator_options(8 * gib, 1 << 20);
        assert!(o.allow_growth);
        // 95% of 8 GiB leaves more than 256 MiB free, so the fraction decides.
        assert_eq!(o.memory_limit, Some((8.0 * gib as f64 * 0.95) as usize));
        // On a small device the 256 MiB headroom decides.
        let o = growing.allocator_options(gib, 1 << 20);
        assert_eq!(o.memory_limit, Some((gib - (256 << 20)) as usize));
    }

    #[test]
    fn fractions_outside_zero_to_one_are_refused() {
        for bad in [0.0, -0.5, 1.5, f64::NAN] {
            let o = GpuOptions { allow_growth: false, per_process_gpu_memory_fraction: Some(bad) };
            assert!(o.validate().is_err(), "{bad}");
        }
        let o = GpuOptions { allow_growth: false, per_process_gpu_memory_fraction: Some(1.0) };
        assert!(o.validate().is_ok());
    }
}
