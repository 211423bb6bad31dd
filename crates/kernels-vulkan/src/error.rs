//! Vulkan result codes as sessionflow statuses.

use ash::vk;
use sessionflow_core::{Code, Status};

/// The status for a failed Vulkan call; `what` says what was being done.
pub(crate) fn vk_status(what: &str, result: vk::Result) -> Status {
    let code = match result {
        vk::Result::ERROR_OUT_OF_HOST_MEMORY
        | vk::Result::ERROR_OUT_OF_DEVICE_MEMORY
        | vk::Result::ERROR_TOO_MANY_OBJECTS
        | vk::Result::ERROR_FRAGMENTED_POOL
        | vk::Result::ERROR_OUT_OF_POOL_MEMORY => Code::ResourceExhausted,
        vk::Result::ERROR_INITIALIZATION_FAILED
        | vk::Result::ERROR_INCOMPATIBLE_DRIVER
        | vk::Result::ERROR_EXTENSION_NOT_PRESENT
        | vk::Result::ERROR_FEATURE_NOT_PRESENT
        | vk::Result::ERROR_LAYER_NOT_PRESENT => Code::Unavailable,
        _ => Code::Internal,
    };
    let detail = match result {
        vk::Result::ERROR_DEVICE_LOST => {
            " (the Vulkan device was lost: a driver reset or a crashed kernel; the device is \
             unusable for the rest of the process)"
        }
        _ => "",
    };
    Status::new(code, format!("Vulkan: {what} failed: {}{detail}", name(result)))
}

/// `Result<T, vk::Result>` → `Result<T, Status>`.
pub(crate) trait VkResultExt<T> {
    fn vk(self, what: &str) -> sessionflow_core::Result<T>;
}

impl<T> VkResultExt<T> for Result<T, vk::Result> {
    fn vk(self, what: &str) -> sessionflow_core::Result<T> {
        self.map_err(|r| vk_status(what, r))
    }
}

/// The name of a result code, as the specification spells it (ash's `Debug` is off).
fn name(result: vk::Result) -> String {
    let known = match result {
        vk::Result::ERROR_OUT_OF_HOST_MEMORY => "VK_ERROR_OUT_OF_HOST_MEMORY",
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => "VK_ERROR_OUT_OF_DEVICE_MEMORY",
        vk::Result::ERROR_INITIALIZATION_FAILED => "VK_ERROR_INITIALIZATION_FAILED",
        vk::Result::ERROR_DEVICE_LOST => "VK_ERROR_DEVICE_LOST",
        vk::Result::ERROR_MEMORY_MAP_FAILED => "VK_ERROR_MEMORY_MAP_FAILED",
        vk::Result::ERROR_LAYER_NOT_PRESENT => "VK_ERROR_LAYER_NOT_PRESENT",
        vk::Result::ERROR_EXTENSION_NOT_PRESENT => "VK_ERROR_EXTENSION_NOT_PRESENT",
        vk::Result::ERROR_FEATURE_NOT_PRESENT => "VK_ERROR_FEATURE_NOT_PRESENT",
        vk::Result::ERROR_INCOMPATIBLE_DRIVER => "VK_ERROR_INCOMPATIBLE_DRIVER",
        vk::Result::ERROR_TOO_MANY_OBJECTS => "VK_ERROR_TOO_MANY_OBJECTS",
        vk::Result::ERROR_FRAGMENTED_POOL => "VK_ERROR_FRAGMENTED_POOL",
        vk::Result::ERROR_OUT_OF_POOL_MEMORY => "VK_ERROR_OUT_OF_POOL_MEMORY",
        vk::Result::TIMEOUT => "VK_TIMEOUT",
        _ => return format!("VkResult {}", result.as_raw()),
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_map_to_tensorflow_codes() {
        let code = |r| vk_status("x", r).code;
        assert_eq!(code(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), Code::ResourceExhausted);
        assert_eq!(code(vk::Result::ERROR_INCOMPATIBLE_DRIVER), Code::Unavailable);
        assert_eq!(code(vk::Result::ERROR_DEVICE_LOST), Code::Internal);
        let lost = vk_status("waiting for a kernel", vk::Result::ERROR_DEVICE_LOST);
        assert!(
            lost.message.starts_with("Vulkan: waiting for a kernel failed: VK_ERROR_DEVICE_LOST")
        );
        assert!(lost.message.contains("was lost"), "{}", lost.message);
        assert_eq!(
            vk_status("x", vk::Result::from_raw(-12345)).message,
            "Vulkan: x failed: VkResult -12345"
        );
    }
}
