//! Compute pipelines, built on first use per shader variant and kept for the context's life.

use crate::error::{VkResultExt, vk_status};
use crate::shaders::{Shader, ShaderInfo};
use ash::vk;
use sessionflow_core::{Result, Status};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// A built pipeline: what a dispatch binds.
#[derive(Clone, Copy)]
pub(crate) struct Pipeline {
    pub pipeline: vk::Pipeline,
    pub layout: vk::PipelineLayout,
    pub set_layout: vk::DescriptorSetLayout,
}

/// The pipelines built so far, keyed by shader variant (a template and its specialization,
/// fixed at build time), and the driver's pipeline cache they are built through.
pub(crate) struct Pipelines {
    cache: vk::PipelineCache,
    built: Mutex<HashMap<Shader, Pipeline>>,
}

impl Pipelines {
    pub fn new(device: &ash::Device) -> Result<Pipelines> {
        // SAFETY: an empty cache created on a live device.
        let cache =
            unsafe { device.create_pipeline_cache(&vk::PipelineCacheCreateInfo::default(), None) }
                .vk("creating a pipeline cache")?;
        Ok(Pipelines { cache, built: Mutex::new(HashMap::new()) })
    }

    /// The pipeline of `shader`, built now if it is the first use.
    pub fn get(&self, device: &ash::Device, shader: Shader) -> Result<Pipeline> {
        let mut built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = built.get(&shader) {
            return Ok(*p);
        }
        let p = self.build(device, shader.info())?;
        built.insert(shader, p);
        Ok(p)
    }

    fn build(&self, device: &ash::Device, info: &ShaderInfo) -> Result<Pipeline> {
        let words = spirv_words(info)?;
        let bindings: Vec<vk::DescriptorSetLayoutBinding> = (0..info.bindings)
            .map(|b| {
                vk::DescriptorSetLayoutBinding::default()
                    .binding(b)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                    .descriptor_count(1)
                    .stage_flags(vk::ShaderStageFlags::COMPUTE)
            })
            .collect();
        let push = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::COMPUTE,
            offset: 0,
            size: info.push_bytes,
        }];
        let push: &[vk::PushConstantRange] = if info.push_bytes == 0 { &[] } else { &push };
        let what = |doing: &str| format!("{doing} for {}", info.name);
        // SAFETY: objects created on a live device from valid create infos; every failure
        // destroys what was created before it (null handles are ignored).
        unsafe {
            let set_info = vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings);
            let set_layout = device
                .create_descriptor_set_layout(&set_info, None)
                .vk(&what("creating a descriptor set layout"))?;
            let set_layouts = [set_layout];
            let layout_info = vk::PipelineLayoutCreateInfo::default()
                .set_layouts(&set_layouts)
                .push_constant_ranges(push);
            let layout = match device.create_pipeline_layout(&layout_info, None) {
                Ok(l) => l,
                Err(r) => {
                    device.destroy_descriptor_set_layout(set_layout, None);
                    return Err(vk_status(&what("creating a pipeline layout"), r));
                }
            };
            let cleanup = || {
                device.destroy_pipeline_layout(layout, None);
                device.destroy_descriptor_set_layout(set_layout, None);
            };
            let module_info = vk::ShaderModuleCreateInfo::default().code(&words);
            let module = match device.create_shader_module(&module_info, None) {
                Ok(m) => m,
                Err(r) => {
                    cleanup();
                    return Err(vk_status(&what("creating a shader module"), r));
                }
            };
            let stage = vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::COMPUTE)
                .module(module)
                .name(c"main");
            let create = [vk::ComputePipelineCreateInfo::default().stage(stage).layout(layout)];
            let made = device.create_compute_pipelines(self.cache, &create, None);
            // The module is only needed while the pipeline is built.
            device.destroy_shader_module(module, None);
            match made {
                Ok(p) => Ok(Pipeline { pipeline: p[0], layout, set_layout }),
                Err((_, r)) => {
                    cleanup();
                    Err(vk_status(&what("building a compute pipeline"), r))
                }
            }
        }
    }

    /// Destroys every pipeline and the cache.
    ///
    /// # Safety
    /// No submission using them may be pending, and they are not used again.
    pub unsafe fn destroy(&self, device: &ash::Device) {
        let built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: the caller's.
        unsafe {
            for p in built.values() {
                device.destroy_pipeline(p.pipeline, None);
                device.destroy_pipeline_layout(p.layout, None);
                device.destroy_descriptor_set_layout(p.set_layout, None);
            }
            device.destroy_pipeline_cache(self.cache, None);
        }
    }
}

/// The shader's SPIR-V as aligned words (`include_bytes!` data is byte-aligned).
fn spirv_words(info: &ShaderInfo) -> Result<Vec<u32>> {
    if !info.spirv.len().is_multiple_of(4) {
        return Err(Status::internal(format!(
            "{}: SPIR-V is not a whole number of words",
            info.name
        )));
    }
    Ok(info.spirv.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::context;

    #[test]
    fn a_variant_is_built_once_and_every_variant_builds() {
        let Some(ctx) = context() else { return };
        let first = ctx.pipelines.get(&ctx.device, Shader::SoftmaxF32).unwrap();
        let again = ctx.pipelines.get(&ctx.device, Shader::SoftmaxF32).unwrap();
        assert_eq!(first.pipeline, again.pipeline, "the cache hands out the same pipeline");
        let other = ctx.pipelines.get(&ctx.device, Shader::BinaryAddF32).unwrap();
        assert_ne!(first.pipeline, other.pipeline);
        // Every compiled variant is valid SPIR-V the driver accepts.
        for shader in Shader::ALL {
            ctx.pipelines.get(&ctx.device, *shader).unwrap_or_else(|e| panic!("{shader:?}: {e}"));
        }
    }
}
