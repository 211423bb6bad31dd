//! The compiled shaders: the `Shader` enum that build.rs generates, one variant per (template,
//! specialization) pair, with the layout each expects.

/// A shader variant's SPIR-V and the layout the host must match, read by build.rs from the
/// shader itself.
#[derive(Debug)]
pub(crate) struct ShaderInfo {
    /// The variant's name, for messages.
    pub name: &'static str,
    /// SPIR-V words, little-endian (not necessarily 4-byte aligned in the binary).
    pub spirv: &'static [u8],
    /// Storage buffers at bindings 0, 1, … of set 0.
    pub bindings: u32,
    /// Bytes of push constants (0: none).
    pub push_bytes: u32,
    /// The entry point's `@workgroup_size`.
    pub workgroup_size: [u32; 3],
}

include!(concat!(env!("OUT_DIR"), "/shaders.rs"));
