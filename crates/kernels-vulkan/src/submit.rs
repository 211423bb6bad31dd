//! Recording and submitting work: one command buffer, one fence, one descriptor pool, reused
//! for every submission under the context's submitter lock. Each submission is waited for, so
//! a kernel's results are complete (and visible to host reads of mapped memory) when it
//! returns.

use crate::context::VulkanContext;
use crate::error::{VkResultExt, vk_status};
use crate::regions::{HostPtr, Span};
use crate::shaders::Shader;
use ash::vk;
use sessionflow_core::{Result, Status};

/// Descriptor sets one submission may use: one per dispatch. Kernels issue a handful.
const MAX_DISPATCHES: u32 = 64;
/// Storage-buffer descriptors in the pool: enough for every set to bind this many buffers.
const MAX_BINDINGS_PER_DISPATCH: u32 = 8;

/// The queue and the reusable objects submissions are recorded with.
pub(crate) struct Submitter {
    queue: vk::Queue,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    descriptors: vk::DescriptorPool,
    staging_type: u32,
    /// A host-visible buffer for copies to and from memory the host cannot map, grown on
    /// demand.
    staging: Option<Staging>,
}

/// A mapped host-visible buffer.
#[derive(Clone, Copy)]
pub(crate) struct Staging {
    pub buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    pub bytes: u64,
    pub mapped: HostPtr,
}

impl Submitter {
    /// The objects for submitting to queue 0 of `family`. On failure nothing is left behind.
    pub fn new(device: &ash::Device, family: u32, staging_type: u32) -> Result<Submitter> {
        let mut s = Submitter {
            // SAFETY: the device was created with one queue of this family.
            queue: unsafe { device.get_device_queue(family, 0) },
            pool: vk::CommandPool::null(),
            cmd: vk::CommandBuffer::null(),
            fence: vk::Fence::null(),
            descriptors: vk::DescriptorPool::null(),
            staging_type,
            staging: None,
        };
        // SAFETY: objects created on a live device; on error `destroy` frees those made so far
        // (destroying a null handle is a no-op).
        let made = unsafe { s.create(device, family) };
        if let Err(status) = made {
            // SAFETY: as above.
            unsafe { s.destroy(device) };
            return Err(status);
        }
        Ok(s)
    }

    unsafe fn create(&mut self, device: &ash::Device, family: u32) -> Result<()> {
        let pool = vk::CommandPoolCreateInfo::default()
            .queue_family_index(family)
            .flags(vk::CommandPoolCreateFlags::TRANSIENT);
        // SAFETY: the caller's: a live device.
        unsafe {
            self.pool = device.create_command_pool(&pool, None).vk("creating a command pool")?;
            let alloc = vk::CommandBufferAllocateInfo::default()
                .command_pool(self.pool)
                .level(vk::CommandBufferLevel::PRIMARY)
                .command_buffer_count(1);
            self.cmd =
                device.allocate_command_buffers(&alloc).vk("allocating a command buffer")?[0];
            self.fence = device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .vk("creating a fence")?;
            let sizes = [vk::DescriptorPoolSize {
                ty: vk::DescriptorType::STORAGE_BUFFER,
                descriptor_count: MAX_DISPATCHES * MAX_BINDINGS_PER_DISPATCH,
            }];
            let pool =
                vk::DescriptorPoolCreateInfo::default().max_sets(MAX_DISPATCHES).pool_sizes(&sizes);
            self.descriptors =
                device.create_descriptor_pool(&pool, None).vk("creating a descriptor pool")?;
        }
        Ok(())
    }

    /// Frees everything.
    ///
    /// # Safety
    /// No submission may be pending (the device is idle), and the submitter is not used again.
    pub unsafe fn destroy(&self, device: &ash::Device) {
        // SAFETY: the caller's; null handles are ignored by the destroy calls.
        unsafe {
            if let Some(staging) = self.staging {
                device.destroy_buffer(staging.buffer, None);
                device.free_memory(staging.memory, None);
            }
            device.destroy_descriptor_pool(self.descriptors, None);
            device.destroy_fence(self.fence, None);
            device.destroy_command_pool(self.pool, None);
        }
    }

    /// A staging buffer of at least `bytes`, replacing a smaller one.
    pub fn staging(&mut self, device: &ash::Device, bytes: u64) -> Result<Staging> {
        if let Some(s) = self.staging.filter(|s| s.bytes >= bytes) {
            return Ok(s);
        }
        if let Some(old) = self.staging.take() {
            // SAFETY: no submission is pending under the submitter lock, so the old buffer is
            // unused.
            unsafe {
                device.destroy_buffer(old.buffer, None);
                device.free_memory(old.memory, None);
            }
        }
        let bytes = bytes.next_power_of_two().max(1 << 20);
        // SAFETY: a buffer and its memory created, bound and mapped on a live device; each
        // failure frees what was made before it.
        let staging = unsafe {
            let info = vk::BufferCreateInfo::default()
                .size(bytes)
                .usage(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST)
                .sharing_mode(vk::SharingMode::EXCLUSIVE);
            let buffer = device.create_buffer(&info, None).vk("creating a staging buffer")?;
            let req = device.get_buffer_memory_requirements(buffer);
            let alloc = vk::MemoryAllocateInfo::default()
                .allocation_size(req.size)
                .memory_type_index(self.staging_type);
            let memory = match device.allocate_memory(&alloc, None) {
                Ok(m) => m,
                Err(r) => {
                    device.destroy_buffer(buffer, None);
                    return Err(vk_status("allocating staging memory", r));
                }
            };
            let mapped = device.bind_buffer_memory(buffer, memory, 0).and_then(|()| {
                device.map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            });
            match mapped {
                Ok(ptr) => Staging { buffer, memory, bytes, mapped: HostPtr::new(ptr.cast())? },
                Err(r) => {
                    device.destroy_buffer(buffer, None);
                    device.free_memory(memory, None);
                    return Err(vk_status("mapping staging memory", r));
                }
            }
        };
        self.staging = Some(staging);
        Ok(staging)
    }
}

impl VulkanContext {
    /// Records work with `record` and runs it to completion.
    pub(crate) fn run(
        &self,
        what: &str,
        record: impl FnOnce(&mut Recorder<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut submitter = self.lock_submitter()?;
        let mut recorder = Recorder::begin(self, &mut submitter, what)?;
        record(&mut recorder)?;
        recorder.finish()
    }
}

/// One submission being recorded. Dropped without [`finish`](Recorder::finish) (a kernel
/// failed while recording), it discards what it recorded.
pub(crate) struct Recorder<'a> {
    ctx: &'a VulkanContext,
    submitter: &'a mut Submitter,
    what: &'a str,
    dispatches: u32,
    done: bool,
}

impl<'a> Recorder<'a> {
    /// Starts recording into the submitter's command buffer.
    pub fn begin(
        ctx: &'a VulkanContext,
        submitter: &'a mut Submitter,
        what: &'a str,
    ) -> Result<Recorder<'a>> {
        let begin = vk::CommandBufferBeginInfo::default()
            .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
        // SAFETY: the command buffer is idle (every submission is waited for) and ours under
        // the lock.
        unsafe { ctx.device.begin_command_buffer(submitter.cmd, &begin) }
            .vk("beginning a command buffer")?;
        Ok(Recorder { ctx, submitter, what, dispatches: 0, done: false })
    }

    /// Records `shader` over `groups` workgroups with `buffers` at bindings 0, 1, … and `push`
    /// as its push constants, then a barrier so the next command sees its writes.
    pub fn dispatch(
        &mut self,
        shader: Shader,
        buffers: &[Span],
        push: &[u8],
        groups: [u32; 3],
    ) -> Result<()> {
        let info = shader.info();
        if buffers.len() != info.bindings as usize || push.len() != info.push_bytes as usize {
            return Err(Status::internal(format!(
                "{}: {} buffers and {} push-constant bytes given for a shader taking {} and {}",
                info.name,
                buffers.len(),
                push.len(),
                info.bindings,
                info.push_bytes
            )));
        }
        if self.dispatches == MAX_DISPATCHES || info.bindings > MAX_BINDINGS_PER_DISPATCH {
            return Err(Status::internal(format!(
                "{}: too many dispatches in one submission",
                self.what
            )));
        }
        let max = self.ctx.limits.max_compute_work_group_count;
        if groups.iter().zip(max).any(|(&g, m)| g == 0 || g > m) {
            return Err(Status::invalid_argument(format!(
                "{}: {groups:?} workgroups exceed the device's limit of {max:?}",
                info.name
            )));
        }
        if let Some(span) = buffers.iter().find(|s| s.len > self.ctx.info().max_binding_bytes) {
            return Err(Status::resource_exhausted(format!(
                "{}: a tensor of {} bytes exceeds the {} bytes one Vulkan kernel argument may span on {}",
                info.name,
                span.len,
                self.ctx.info().max_binding_bytes,
                self.ctx.info().name
            )));
        }
        let pipeline = self.ctx.pipelines.get(&self.ctx.device, shader)?;
        let device = &self.ctx.device;
        let layouts = [pipeline.set_layout];
        let alloc = vk::DescriptorSetAllocateInfo::default()
            .descriptor_pool(self.submitter.descriptors)
            .set_layouts(&layouts);
        // SAFETY: the pool is reset only after the submission using these sets completed.
        let set = unsafe { device.allocate_descriptor_sets(&alloc) }
            .vk("allocating a descriptor set")?[0];
        let infos: Vec<vk::DescriptorBufferInfo> = buffers
            .iter()
            .map(|s| vk::DescriptorBufferInfo { buffer: s.buffer, offset: s.offset, range: s.len })
            .collect();
        let writes: Vec<vk::WriteDescriptorSet> = infos
            .iter()
            .enumerate()
            .map(|(i, info)| {
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(i as u32)
                    .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
                    .buffer_info(std::slice::from_ref(info))
            })
            .collect();
        let cmd = self.submitter.cmd;
        // SAFETY: handles from this device; the buffers are live regions (resolved from
        // tensors the caller holds until the submission completes).
        unsafe {
            device.update_descriptor_sets(&writes, &[]);
            device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, pipeline.pipeline);
            device.cmd_bind_descriptor_sets(
                cmd,
                vk::PipelineBindPoint::COMPUTE,
                pipeline.layout,
                0,
                &[set],
                &[],
            );
            if !push.is_empty() {
                device.cmd_push_constants(
                    cmd,
                    pipeline.layout,
                    vk::ShaderStageFlags::COMPUTE,
                    0,
                    push,
                );
            }
            device.cmd_dispatch(cmd, groups[0], groups[1], groups[2]);
        }
        self.dispatches += 1;
        self.barrier();
        Ok(())
    }

    /// Fills `bytes` (a multiple of 4) of `span` with the word `value`.
    pub fn fill(&mut self, span: Span, bytes: u64, value: u32) {
        // SAFETY: a live region, recorded into our command buffer.
        unsafe {
            self.ctx.device.cmd_fill_buffer(
                self.submitter.cmd,
                span.buffer,
                span.offset,
                bytes,
                value,
            )
        };
        self.barrier();
    }

    /// Copies `bytes` from `src` at `src_offset` to `dst` at `dst_offset`.
    pub fn copy(
        &mut self,
        src: vk::Buffer,
        src_offset: u64,
        dst: vk::Buffer,
        dst_offset: u64,
        bytes: u64,
    ) {
        let region = vk::BufferCopy { src_offset, dst_offset, size: bytes };
        // SAFETY: live buffers, recorded into our command buffer.
        unsafe { self.ctx.device.cmd_copy_buffer(self.submitter.cmd, src, dst, &[region]) };
        self.barrier();
    }

    /// The staging buffer, at least `bytes` long; valid until the submitter lock is released.
    pub fn staging(&mut self, bytes: u64) -> Result<Staging> {
        self.submitter.staging(&self.ctx.device, bytes)
    }

    /// Makes every earlier shader or transfer write visible to every later shader, transfer or
    /// host access: kernels run strictly one after another.
    fn barrier(&mut self) {
        let all = vk::AccessFlags::SHADER_READ
            | vk::AccessFlags::SHADER_WRITE
            | vk::AccessFlags::TRANSFER_READ
            | vk::AccessFlags::TRANSFER_WRITE;
        let barrier = vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::SHADER_WRITE | vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(all | vk::AccessFlags::HOST_READ);
        let stages = vk::PipelineStageFlags::COMPUTE_SHADER | vk::PipelineStageFlags::TRANSFER;
        // SAFETY: recorded into our command buffer.
        unsafe {
            self.ctx.device.cmd_pipeline_barrier(
                self.submitter.cmd,
                stages,
                stages | vk::PipelineStageFlags::HOST,
                vk::DependencyFlags::empty(),
                &[barrier],
                &[],
                &[],
            );
        }
    }

    /// Submits what was recorded and waits for it. A failed submission or wait (a lost
    /// device) is recorded on the context, so every later call fails at once.
    pub fn finish(mut self) -> Result<()> {
        self.done = true;
        let device = &self.ctx.device;
        let cmd = self.submitter.cmd;
        let result = (|| {
            // SAFETY: our command buffer, fence and pool; the fence is unsignalled (reset after
            // every wait) and the wait covers everything the pools are reset for.
            unsafe {
                device.end_command_buffer(cmd).vk("ending a command buffer")?;
                let cmds = [cmd];
                let submit = vk::SubmitInfo::default().command_buffers(&cmds);
                device
                    .queue_submit(self.submitter.queue, &[submit], self.submitter.fence)
                    .map_err(|r| self.fail("submitting", r))?;
                device
                    .wait_for_fences(&[self.submitter.fence], true, u64::MAX)
                    .map_err(|r| self.fail("waiting for the device", r))?;
                device.reset_fences(&[self.submitter.fence]).vk("resetting a fence")?;
            }
            Ok(())
        })();
        self.reset();
        result
    }

    /// The status for a failed submission or wait, recorded on the context: after either,
    /// whether the device finished (or will touch) the submission's memory is unknown, so the
    /// device is not used again.
    fn fail(&self, doing: &str, r: vk::Result) -> Status {
        let status = vk_status(&format!("{doing} ({})", self.what), r);
        self.ctx.poison(status.clone());
        status
    }

    /// Returns the command and descriptor pools to their initial state.
    fn reset(&mut self) {
        let device = &self.ctx.device;
        // SAFETY: nothing recorded from these pools is pending: the submission was waited for,
        // or never made. Reset errors cannot happen for these pools (the calls return only
        // out-of-memory, which resetting cannot cause); if one did, the next begin would fail.
        unsafe {
            let _ =
                device.reset_command_pool(self.submitter.pool, vk::CommandPoolResetFlags::empty());
            let _ = device.reset_descriptor_pool(
                self.submitter.descriptors,
                vk::DescriptorPoolResetFlags::empty(),
            );
        }
    }
}

impl Drop for Recorder<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Recording failed: discard it. If the submission failed after submitting (a lost
            // device), the context is poisoned and the pools are never used again.
            self.reset();
        }
    }
}
