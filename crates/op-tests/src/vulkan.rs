//! Running a case's op on the Vulkan device and holding it to the CPU's results.
//!
//! A case runs on Vulkan only when the process has a Vulkan device and the Vulkan kernels
//! include one for the op and the node's kernel dtype: the op node is then pinned to
//! `/device:VULKAN:0` without soft placement, so the session cannot quietly run it on the CPU,
//! and the run's trace must show the node on the device besides.

use crate::agreement::{agreement, disagreement};
use crate::{InputMode, OpCase};
use sessionflow::core::{Code, DeviceType, MemoryKind, Status, Tensor};
use sessionflow::{
    GraphOptions, NodeExecStats, OptimizerOptions, SessionConfig, kernel_registry, vulkan_status,
};
use std::io::Write;
use std::sync::LazyLock;

/// The full name of the Vulkan device sessions get.
pub const VULKAN_DEVICE: &str = "/job:localhost/replica:0/task:0/device:VULKAN:0";

/// Where a case's op node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// Wherever the session puts it: the CPU.
    Cpu,
    /// Pinned to `/device:VULKAN:0`.
    Vulkan,
}

impl Device {
    /// The node's device request.
    pub(crate) fn request(self) -> &'static str {
        match self {
            Device::Cpu => "",
            Device::Vulkan => "/device:VULKAN:0",
        }
    }

    /// The session configuration a case runs under on this device.
    pub(crate) fn session_config(self) -> SessionConfig {
        match self {
            Device::Cpu => SessionConfig::default(),
            Device::Vulkan => SessionConfig {
                graph_options: GraphOptions {
                    optimizer_options: OptimizerOptions {
                        do_constant_folding: Some(false),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                ..Default::default()
            },
        }
    }
}

/// Whether this process has a Vulkan device. The first time it has none, says why on stderr
/// (past the test harness's capture, once per process).
pub fn vulkan_available() -> bool {
    static AVAILABLE: LazyLock<bool> = LazyLock::new(|| match vulkan_status() {
        Ok(()) => true,
        Err(status) => {
            let _ = writeln!(
                std::io::stderr(),
                "sessionflow-op-tests: the Vulkan runs of the op cases skip: {status}"
            );
            false
        }
    });
    *AVAILABLE
}

/// Whether `case` runs on Vulkan: a device is present and the Vulkan kernels have one for the
/// op at the node's kernel dtype. A case whose graph cannot be built fails before any kernel,
/// the same on every device, so it does not.
pub fn has_kernel(case: &OpCase) -> bool {
    if !vulkan_available() {
        return false;
    }
    let Ok((graph, node, _)) = case.build(InputMode::FedUnknownShape, Device::Cpu) else {
        return false;
    };
    let g = graph.read().expect("nothing else holds the case's graph");
    let Ok(node) = g.node(node) else { return false };
    kernel_registry().find(node.op(), DeviceType::VULKAN, node.kernel_dtype()).is_some()
}

/// Panics unless the traced run shows the op node on `device` and every fetched output back
/// on the host.
pub(crate) fn assert_ran_on(
    device: Device,
    op: &str,
    mode: InputMode,
    stats: &[NodeExecStats],
    outputs: &[Tensor],
) {
    let want = match device {
        Device::Cpu => return,
        Device::Vulkan => VULKAN_DEVICE,
    };
    let placed = stats.iter().find(|s| s.node == "op").map(|s| s.device.as_str());
    assert_eq!(placed, Some(want), "{op} ({mode:?}) did not run on {want}: {stats:?}");
    for (i, t) in outputs.iter().enumerate() {
        assert_eq!(
            t.memory_kind(),
            MemoryKind::Host,
            "{op}: output {i} was not fetched to the host"
        );
    }
}

/// Runs `case` on Vulkan in every mode and panics where it does not match `cpu`, the CPU's
/// result in the same mode: outputs within [`agreement`]'s tolerance, or the same error code.
pub(crate) fn check_against_cpu(case: &OpCase, cpu: &[(InputMode, Result<Vec<Tensor>, Status>)]) {
    for (mode, want) in cpu {
        let got = case.run_mode_on(*mode, Device::Vulkan);
        let op = case.op();
        // The Vulkan kernel refuses these attrs (NCHW, EXPLICIT padding): a kernel constraint,
        // as if it had none; soft placement runs such nodes on the CPU.
        if matches!(&got, Err(e) if e.code == Code::Unimplemented) {
            return;
        }
        match (want, &got) {
            (Ok(want), Ok(got)) => {
                assert_eq!(want.len(), got.len(), "{op}: output count on Vulkan ({mode:?})");
                for (i, (w, g)) in want.iter().zip(got).enumerate() {
                    let tolerance = agreement(op, &case.attrs, &case.inputs, w);
                    if let Some(why) = disagreement(w, g, tolerance) {
                        panic!("{op}: output {i} on Vulkan differs from the CPU ({mode:?}): {why}");
                    }
                }
            }
            (Err(w), Err(g)) => assert_eq!(
                w.code, g.code,
                "{op}: error codes differ ({mode:?}): CPU: {w}; Vulkan: {g}"
            ),
            (w, g) => panic!(
                "{op} ({mode:?}): the CPU gave {:?} but Vulkan gave {:?}",
                w.as_ref().map(|_| "values").map_err(ToString::to_string),
                g.as_ref().map(|_| "values").map_err(ToString::to_string)
            ),
        }
    }
}
