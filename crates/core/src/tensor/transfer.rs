//! Copies of a tensor between host and device memory, through the allocator that made the
//! device memory (so no caller needs to know which device a tensor is on).

use super::{Storage, Tensor};
use crate::{Allocator, DType, MemoryKind, Result, Status};
use std::sync::Arc;

impl Tensor {
    /// This tensor in host memory: itself when it is there already (strings always are), else
    /// a copy read from its device into memory from `host`.
    pub fn to_host(&self, host: &Arc<dyn Allocator>) -> Result<Tensor> {
        let Storage::Device(buffer) = &self.storage else {
            return Ok(self.clone());
        };
        let mut t = Tensor::for_overwrite(host, self.dtype, self.shape.clone())?;
        if t.memory_kind() != MemoryKind::Host {
            return Err(Status::internal(format!("{} is not a host allocator", host.name())));
        }
        let bytes = t.bytes_mut()?;
        buffer.read(bytes)?;
        if self.dtype == DType::Bool {
            // The Element contract for bool wants 0 or 1; device kernels are not trusted to it.
            bytes.iter_mut().for_each(|b| *b = u8::from(*b != 0));
        }
        Ok(t)
    }

    /// This tensor in the device memory `device` hands out: itself when it lives there already
    /// (memory of an allocator of that name), else a copy of its host bytes. Unimplemented for
    /// strings and resources, which live on the host only, and for a tensor on another device
    /// (no two devices exist together yet; such a copy would go through the host).
    pub fn to_device(&self, device: &Arc<dyn Allocator>) -> Result<Tensor> {
        if let Storage::Device(buffer) = &self.storage {
            return match buffer.allocator() {
                Some(a) if a.name() != device.name() => Err(Status::unimplemented(format!(
                    "copying a tensor from {} memory to {} memory",
                    a.name(),
                    device.name()
                ))),
                _ => Ok(self.clone()),
            };
        }
        if self.dtype.size().is_none() {
            return Err(Status::unimplemented(format!(
                "{} tensors live in host memory only",
                self.dtype
            )));
        }
        let Tensor { dtype, shape, storage } =
            Tensor::for_overwrite(device, self.dtype, self.shape.clone())?;
        let Storage::Device(mut buffer) = storage else {
            return Err(Status::internal(format!("{} is not a device allocator", device.name())));
        };
        Arc::get_mut(&mut buffer)
            .ok_or_else(|| Status::internal("a new device buffer is shared"))?
            .write(self.as_bytes()?)?;
        Ok(Tensor { dtype, shape, storage: Storage::Device(buffer) })
    }
}
