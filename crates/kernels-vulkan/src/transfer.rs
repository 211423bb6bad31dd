//! Copies between host tensors and tensors on the device: plain copies through the mapping
//! where tensor memory is host-visible (lavapipe), else through the staging buffer in chunks.

use crate::context::VulkanContext;
use crate::regions::Span;
use sessionflow_core::{Allocator, MemoryKind, Result, Status, Tensor};
use std::sync::Arc;

/// The most bytes one staged copy moves; larger transfers take several submissions, so the
/// staging buffer stays small.
const STAGING_CHUNK: u64 = 16 << 20;

/// How bytes reach device memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Through the host mapping (only where tensor memory is mapped).
    Mapped,
    /// Through the staging buffer and a copy on the device.
    Staged,
}

impl VulkanContext {
    /// A copy of host tensor `host` in device memory from `allocator` (a Vulkan device's):
    /// [`Tensor::to_device`], which writes through the allocator's regions.
    pub fn upload(&self, allocator: &Arc<dyn Allocator>, host: &Tensor) -> Result<Tensor> {
        if host.memory_kind() != MemoryKind::Host || allocator.memory_kind() != MemoryKind::Device {
            return Err(Status::internal(format!("an upload of {host:?} to {}", allocator.name())));
        }
        host.to_device(allocator)
    }

    /// A copy of device tensor `device` in host memory from `host_allocator`:
    /// [`Tensor::to_host`], which reads through the tensor's allocator.
    pub fn download(&self, device: &Tensor, host_allocator: &Arc<dyn Allocator>) -> Result<Tensor> {
        device.to_host(host_allocator)
    }

    /// The route transfers take on this device.
    pub(crate) fn route(&self) -> Route {
        if self.memory.tensor_mapped { Route::Mapped } else { Route::Staged }
    }

    /// Writes `bytes` to the start of `span`.
    pub(crate) fn write(&self, span: Span, bytes: &[u8], route: Route) -> Result<()> {
        check_len(span, bytes.len())?;
        match (route, span.mapped) {
            (Route::Mapped, Some(host)) => {
                // SAFETY: the span is a live tensor's memory, mapped and coherent, that no
                // pending submission uses (each is waited for) and that the caller owns.
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), host.at(0), bytes.len()) };
                Ok(())
            }
            (Route::Mapped, None) => Err(Status::internal("a mapped write to unmapped memory")),
            (Route::Staged, _) => {
                let mut submitter = self.lock_submitter()?;
                for (i, chunk) in bytes.chunks(STAGING_CHUNK as usize).enumerate() {
                    let offset = i as u64 * STAGING_CHUNK;
                    let mut r = crate::submit::Recorder::begin(self, &mut submitter, "an upload")?;
                    let staging = r.staging(chunk.len() as u64)?;
                    // SAFETY: the staging buffer is mapped, at least this long, and idle.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            chunk.as_ptr(),
                            staging.mapped.at(0),
                            chunk.len(),
                        )
                    };
                    r.copy(
                        staging.buffer,
                        0,
                        span.buffer,
                        span.offset + offset,
                        chunk.len() as u64,
                    );
                    r.finish()?;
                }
                Ok(())
            }
        }
    }

    /// Reads the first `out.len()` bytes of `span`.
    pub(crate) fn read(&self, span: Span, out: &mut [u8], route: Route) -> Result<()> {
        check_len(span, out.len())?;
        match (route, span.mapped) {
            (Route::Mapped, Some(host)) => {
                // SAFETY: as in write: live, mapped, coherent memory with no pending writer.
                unsafe { std::ptr::copy_nonoverlapping(host.at(0), out.as_mut_ptr(), out.len()) };
                Ok(())
            }
            (Route::Mapped, None) => Err(Status::internal("a mapped read of unmapped memory")),
            (Route::Staged, _) => {
                let mut submitter = self.lock_submitter()?;
                for (i, chunk) in out.chunks_mut(STAGING_CHUNK as usize).enumerate() {
                    let offset = i as u64 * STAGING_CHUNK;
                    let mut r = crate::submit::Recorder::begin(self, &mut submitter, "a download")?;
                    let staging = r.staging(chunk.len() as u64)?;
                    r.copy(
                        span.buffer,
                        span.offset + offset,
                        staging.buffer,
                        0,
                        chunk.len() as u64,
                    );
                    r.finish()?;
                    // SAFETY: the copy completed (finish waited) and its writes were made
                    // visible to the host by the barrier after it.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            staging.mapped.at(0),
                            chunk.as_mut_ptr(),
                            chunk.len(),
                        )
                    };
                }
                Ok(())
            }
        }
    }
}

fn check_len(span: Span, len: usize) -> Result<()> {
    if len as u64 > span.len {
        return Err(Status::internal(format!("{len} bytes do not fit a span of {}", span.len)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, gpu, host};
    use sessionflow_core::{Code, DType, TensorShape};

    #[test]
    fn tensors_of_every_flat_dtype_go_to_the_device_and_back() {
        let Some(g) = gpu() else { return };
        let ints =
            Tensor::from_slice(host(), TensorShape::new([2, 2]), &[1i64, -2, 3, i64::MAX]).unwrap();
        let bools =
            Tensor::from_slice(host(), TensorShape::new([3]), &[true, false, true]).unwrap();
        for t in [ints, bools] {
            let on_device = g.ctx.upload(&g.alloc, &t).unwrap();
            assert_eq!(on_device.memory_kind(), MemoryKind::Device);
            let back = g.ctx.download(&on_device, host()).unwrap();
            assert_eq!((back.dtype(), back.shape()), (t.dtype(), t.shape()));
            assert_eq!(back.as_bytes().unwrap(), t.as_bytes().unwrap());
        }
        let strings = Tensor::from_strings(TensorShape::new([1]), vec![b"x".to_vec()]).unwrap();
        assert_eq!(g.ctx.upload(&g.alloc, &strings).unwrap_err().code, Code::Unimplemented);
        let empty = g.f32(&[0, 4], &[]);
        assert_eq!(g.read(&empty), (vec![0, 4], vec![]));
    }

    #[test]
    fn staged_copies_carry_every_byte_across_chunks() {
        let Some(g) = gpu() else { return };
        // The staging route is what GPUs without host-visible tensor memory take; lavapipe
        // maps its memory, so it is exercised here explicitly, over more than one chunk.
        let n = (STAGING_CHUNK as usize / 4) * 2 + 12345;
        let values = Rng::new(7).uniform(n, -1.0, 1.0);
        let t = Tensor::for_overwrite(&g.alloc, DType::Float32, TensorShape::new([n])).unwrap();
        let span = g.ctx.resolve_tensor(&t).unwrap();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        g.ctx.write(span, &bytes, Route::Staged).unwrap();
        let mut staged = vec![0u8; bytes.len()];
        g.ctx.read(span, &mut staged, Route::Staged).unwrap();
        assert!(staged == bytes, "staged round trip");
        let mut direct = vec![0u8; bytes.len()];
        g.ctx.read(span, &mut direct, g.ctx.route()).unwrap();
        assert!(direct == bytes, "what the staged write put there is what the device holds");
        assert_eq!(
            g.ctx.write(span, &vec![0; bytes.len() + 4], Route::Staged).unwrap_err().code,
            Code::Internal
        );
    }
}
