//! Opening the Vulkan loader at run time, so that nothing of Vulkan is linked into the addon.

use sessionflow_core::{Result, Status};

/// Set to `0`, `off`, `false` or `no` to keep sessions off Vulkan entirely (the loader is then
/// never opened), e.g. to compare with the CPU or to rule out a driver.
pub const DISABLE_VAR: &str = "SESSIONFLOW_VULKAN";

/// A file name or path to open instead of the platform's Vulkan loader (`libvulkan.so.1`,
/// `libvulkan.1.dylib`, `vulkan-1.dll`).
pub const LOADER_VAR: &str = "SESSIONFLOW_VULKAN_LOADER";

/// Whether [`DISABLE_VAR`] turns Vulkan off.
pub(crate) fn disabled_by_env() -> bool {
    std::env::var(DISABLE_VAR).is_ok_and(|v| disables(&v))
}

/// Whether `value` of [`DISABLE_VAR`] means off.
fn disables(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "0" | "off" | "false" | "no")
}

/// The Vulkan entry points, from the loader [`LOADER_VAR`] names or the platform's;
/// Unavailable, saying why, when Vulkan is disabled or the loader cannot be opened.
pub(crate) fn load() -> Result<ash::Entry> {
    if disabled_by_env() {
        return Err(Status::unavailable(format!("Vulkan is disabled by {DISABLE_VAR}")));
    }
    match std::env::var_os(LOADER_VAR) {
        Some(path) => load_from(&path.to_string_lossy()),
        None => {
            // SAFETY: opening the system's Vulkan loader runs its initialisers; the loader is
            // a well-known system library that expects to be opened this way.
            unsafe { ash::Entry::load() }
                .map_err(|e| Status::unavailable(format!("no Vulkan loader could be opened ({e})")))
        }
    }
}

/// The entry points of the loader at `path` (a file name searched as `dlopen` does, or a path).
pub(crate) fn load_from(path: &str) -> Result<ash::Entry> {
    // SAFETY: as in `load`: the caller names a Vulkan loader, opened for its entry points.
    unsafe { ash::Entry::load_from(path) }.map_err(|e| {
        Status::unavailable(format!("the Vulkan loader {path} could not be opened ({e})"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionflow_core::Code;

    #[test]
    fn only_explicit_offs_disable_vulkan() {
        for off in ["0", "off", "OFF", " false ", "no"] {
            assert!(disables(off), "{off:?}");
        }
        for on in ["1", "on", "", "yes", "lavapipe"] {
            assert!(!disables(on), "{on:?}");
        }
    }

    #[test]
    fn a_missing_loader_is_unavailable_not_a_crash() {
        let status = load_from("libsessionflow-no-such-vulkan.so.1").err().expect("no such file");
        assert_eq!(status.code, Code::Unavailable);
        assert!(
            status.message.contains("libsessionflow-no-such-vulkan.so.1"),
            "{}",
            status.message
        );
    }
}
