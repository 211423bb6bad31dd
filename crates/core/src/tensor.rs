use crate::{
    Allocator, Buffer, DType, DeviceBuffer, Element, MemoryKind, Result, Status, TensorShape,
};
use std::fmt;
use std::sync::Arc;

mod transfer;

/// A value flowing through a graph: a dtype, a shape and shared storage.
///
/// Cloning is cheap (storage is reference-counted). A kernel may write into a tensor only
/// while it is the sole owner of the storage, which is how inputs get forwarded in place.
#[derive(Clone)]
pub struct Tensor {
    dtype: DType,
    shape: TensorShape,
    storage: Storage,
}

/// Numbers and bools live flat in an aligned buffer, in host memory or in a device's;
/// strings (byte strings, as in TensorFlow) are a vector of owned elements, always on the host.
#[derive(Clone)]
enum Storage {
    Flat(Arc<Buffer>),
    Device(Arc<DeviceBuffer>),
    Strings(Arc<Vec<Vec<u8>>>),
}

impl Tensor {
    /// A zero-filled tensor (empty strings for `string`), in host or device memory as
    /// `allocator`'s [`memory_kind`](Allocator::memory_kind) says.
    pub fn zeros(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
    ) -> Result<Tensor> {
        if dtype == DType::String {
            let n = shape.num_elements()?;
            return Tensor::from_strings(shape, vec![Vec::new(); n]);
        }
        let bytes = byte_len(dtype, &shape)?;
        let oom = |s| oom_context(s, dtype, &shape);
        let storage = match allocator.memory_kind() {
            MemoryKind::Host => {
                Storage::Flat(Arc::new(Buffer::new(allocator, bytes).map_err(oom)?))
            }
            MemoryKind::Device => {
                Storage::Device(Arc::new(DeviceBuffer::new(allocator, bytes).map_err(oom)?))
            }
        };
        Ok(Tensor { dtype, shape, storage })
    }

    /// A tensor for a kernel to overwrite entirely: its memory may still hold the bytes of an
    /// earlier tensor instead of zeros, which saves the zero fill of large outputs. Use
    /// [`zeros`](Tensor::zeros) wherever a kernel accumulates into its output or leaves any
    /// element unwritten.
    ///
    /// `bool` tensors come zeroed (a stale byte need not be a valid bool) and strings empty.
    /// Debug builds fill host memory with `0xFF` bytes (NaN for floats, −1 for signed
    /// integers), so that a kernel leaving an element unwritten fails its value tests. With a
    /// device allocator the tensor lives in device memory, unfilled.
    pub fn for_overwrite(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
    ) -> Result<Tensor> {
        if matches!(dtype, DType::String | DType::Bool) {
            return Tensor::zeros(allocator, dtype, shape);
        }
        let bytes = byte_len(dtype, &shape)?;
        let oom = |s| oom_context(s, dtype, &shape);
        if allocator.memory_kind() == MemoryKind::Device {
            let buffer = DeviceBuffer::new_unzeroed(allocator, bytes).map_err(oom)?;
            return Ok(Tensor { dtype, shape, storage: Storage::Device(Arc::new(buffer)) });
        }
        #[allow(unused_mut)] // written only in debug builds
        let mut buffer = Buffer::new_unzeroed(allocator, bytes).map_err(oom)?;
        #[cfg(debug_assertions)]
        if let Some(b) = buffer.as_bytes_mut() {
            b.fill(0xFF);
        }
        Ok(Tensor { dtype, shape, storage: Storage::Flat(Arc::new(buffer)) })
    }

    /// A `string` tensor; `values` has one byte string per element.
    pub fn from_strings(shape: TensorShape, values: Vec<Vec<u8>>) -> Result<Tensor> {
        if shape.num_elements()? != values.len() {
            return Err(Status::invalid_argument(format!(
                "{} strings given for a tensor of shape {shape}",
                values.len()
            )));
        }
        let storage = Storage::Strings(Arc::new(values));
        Ok(Tensor { dtype: DType::String, shape, storage })
    }

    /// A `resource` tensor: one encoded [`ResourceHandle`](crate::ResourceHandle) per element,
    /// kept in the storage string tensors use (so [`Tensor::as_strings`] reads the encodings).
    pub fn from_resource_handles(shape: TensorShape, handles: Vec<Vec<u8>>) -> Result<Tensor> {
        let mut t = Tensor::from_strings(shape, handles)?;
        t.dtype = DType::Resource;
        Ok(t)
    }

    /// A tensor holding a copy of `data`, whose length must match `shape`.
    pub fn from_slice<T: Element>(
        allocator: &Arc<dyn Allocator>,
        shape: TensorShape,
        data: &[T],
    ) -> Result<Tensor> {
        let mut t = Tensor::zeros(allocator, T::DTYPE, shape)?;
        let dst = t.as_mut_slice::<T>()?;
        if dst.len() != data.len() {
            return Err(Status::invalid_argument(format!(
                "{} values given for a tensor of shape {}",
                data.len(),
                t.shape
            )));
        }
        dst.copy_from_slice(data);
        Ok(t)
    }

    /// A tensor over an existing buffer (e.g. memory fed from JavaScript without a copy).
    /// InvalidArgument when the length does not match, or when the memory is not aligned to
    /// the element size, which typed access relies on.
    pub fn from_buffer(dtype: DType, shape: TensorShape, buffer: Buffer) -> Result<Tensor> {
        let bytes = byte_len(dtype, &shape)?;
        if buffer.len() != bytes {
            return Err(Status::invalid_argument(format!(
                "{} bytes given for a {dtype} tensor of shape {shape}, which needs {bytes}",
                buffer.len()
            )));
        }
        let align = dtype.size().unwrap_or(1).max(1);
        if !(buffer.as_ptr() as usize).is_multiple_of(align) {
            return Err(Status::invalid_argument(format!(
                "memory for a {dtype} tensor must be aligned to {align} bytes"
            )));
        }
        Ok(Tensor { dtype, shape, storage: Storage::Flat(Arc::new(buffer)) })
    }

    /// The buffer of a flat tensor, shared; None for strings. Lets a caller hand the memory to
    /// another owner (a JavaScript `ArrayBuffer`) without copying.
    pub fn buffer(&self) -> Option<&Arc<Buffer>> {
        match &self.storage {
            Storage::Flat(buffer) => Some(buffer),
            Storage::Device(_) | Storage::Strings(_) => None,
        }
    }

    /// The device memory of a tensor that lives on an accelerator; None for host tensors.
    pub fn device_buffer(&self) -> Option<&Arc<DeviceBuffer>> {
        match &self.storage {
            Storage::Device(buffer) => Some(buffer),
            Storage::Flat(_) | Storage::Strings(_) => None,
        }
    }

    /// A tensor over device memory (an upload's destination, a device kernel's output).
    /// InvalidArgument when the length does not match the dtype and shape.
    pub fn from_device_buffer(
        dtype: DType,
        shape: TensorShape,
        buffer: DeviceBuffer,
    ) -> Result<Tensor> {
        let bytes = byte_len(dtype, &shape)?;
        if buffer.len() != bytes {
            return Err(Status::invalid_argument(format!(
                "{} bytes of device memory given for a {dtype} tensor of shape {shape}, which \
                 needs {bytes}",
                buffer.len()
            )));
        }
        Ok(Tensor { dtype, shape, storage: Storage::Device(Arc::new(buffer)) })
    }

    /// Where the elements live: [`MemoryKind::Device`] for a tensor on an accelerator, whose
    /// elements the host cannot read until it is copied back.
    pub fn memory_kind(&self) -> MemoryKind {
        match &self.storage {
            Storage::Device(_) => MemoryKind::Device,
            Storage::Flat(_) | Storage::Strings(_) => MemoryKind::Host,
        }
    }

    /// This tensor, or a copy in `allocator`'s memory when its storage is borrowed from outside
    /// the engine (a fed JavaScript array, valid only during its run): what a kernel must keep
    /// when a value outlives the run, as a variable's assigned value does.
    pub fn owned_by_engine(&self, allocator: &Arc<dyn Allocator>) -> Result<Tensor> {
        match &self.storage {
            Storage::Flat(buffer) if !buffer.is_writable() => {
                Tensor::from_bytes(allocator, self.dtype, self.shape.clone(), buffer.as_bytes())
            }
            _ => Ok(self.clone()),
        }
    }

    /// A rank-0 tensor.
    pub fn scalar<T: Element>(allocator: &Arc<dyn Allocator>, value: T) -> Result<Tensor> {
        Tensor::from_slice(allocator, TensorShape::scalar(), &[value])
    }

    /// A tensor from little-endian element bytes. Bool bytes are normalised to 0/1, which the
    /// [`Element`] contract for `bool` relies on.
    pub fn from_bytes(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
        bytes: &[u8],
    ) -> Result<Tensor> {
        let mut t = Tensor::zeros(allocator, dtype, shape)?;
        let expected = t.as_bytes()?.len();
        if bytes.len() != expected {
            return Err(Status::invalid_argument(format!(
                "{} bytes given for a {} tensor of shape {}, which needs {}",
                bytes.len(),
                dtype,
                t.shape,
                expected
            )));
        }
        let dst = t.bytes_mut()?;
        if dtype == DType::Bool {
            for (d, &s) in dst.iter_mut().zip(bytes) {
                *d = u8::from(s != 0);
            }
        } else {
            dst.copy_from_slice(bytes);
        }
        Ok(t)
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape.
    pub fn shape(&self) -> &TensorShape {
        &self.shape
    }

    /// Number of elements.
    pub fn num_elements(&self) -> usize {
        // The shape was validated when the buffer was allocated, so this cannot overflow.
        self.shape.dims().iter().product()
    }

    /// The raw little-endian bytes; Internal error for `string` tensors, which are not flat.
    pub fn as_bytes(&self) -> Result<&[u8]> {
        match &self.storage {
            Storage::Flat(buffer) => Ok(buffer.as_bytes()),
            Storage::Device(_) => Err(on_device()),
            Storage::Strings(_) => Err(Status::internal("string tensors have no flat bytes")),
        }
    }

    /// The elements of a `string` tensor (or the encoded handles of a `resource` tensor).
    pub fn as_strings(&self) -> Result<&[Vec<u8>]> {
        match &self.storage {
            Storage::Strings(values) => Ok(values),
            Storage::Flat(_) | Storage::Device(_) => {
                Err(Status::internal(format!("tensor of dtype {} accessed as string", self.dtype)))
            }
        }
    }

    /// The elements, typed. Internal error if `T` is not this tensor's dtype.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        self.check_type::<T>()?;
        let bytes = self.as_bytes()?;
        // SAFETY: the buffer is TENSOR_ALIGNMENT-aligned (or empty), holds num_elements
        // values of T (checked dtype), and Element guarantees every stored pattern is valid.
        Ok(unsafe {
            std::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), bytes.len() / size_of::<T>())
        })
    }

    /// The elements, writable; FailedPrecondition unless this tensor is the buffer's only owner.
    pub fn as_mut_slice<T: Element>(&mut self) -> Result<&mut [T]> {
        self.check_type::<T>()?;
        let bytes = self.bytes_mut()?;
        let len = bytes.len() / size_of::<T>();
        // SAFETY: as in as_slice; exclusivity comes from bytes_mut.
        Ok(unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<T>(), len) })
    }

    /// True when no other tensor shares this storage and the engine owns it, so it may be
    /// written in place (an input forwarded to an output).
    pub fn is_exclusive(&self) -> bool {
        match &self.storage {
            Storage::Flat(buffer) => Arc::strong_count(buffer) == 1 && buffer.is_writable(),
            Storage::Device(buffer) => Arc::strong_count(buffer) == 1,
            Storage::Strings(values) => Arc::strong_count(values) == 1,
        }
    }

    /// The same buffer seen with another shape of equal element count.
    pub fn reshaped(&self, shape: TensorShape) -> Result<Tensor> {
        if shape.num_elements()? != self.num_elements() {
            return Err(Status::invalid_argument(format!(
                "cannot reshape a tensor with {} elements to shape {}",
                self.num_elements(),
                shape
            )));
        }
        Ok(Tensor { dtype: self.dtype, shape, storage: self.storage.clone() })
    }

    /// [`reshaped`](Tensor::reshaped), consuming `self`: the result owns the storage alone
    /// when `self` did, so it stays writable (a forwarded input given its output's shape).
    pub fn into_reshaped(self, shape: TensorShape) -> Result<Tensor> {
        if shape.num_elements()? != self.num_elements() {
            return Err(Status::invalid_argument(format!(
                "cannot reshape a tensor with {} elements to shape {}",
                self.num_elements(),
                shape
            )));
        }
        Ok(Tensor { shape, ..self })
    }

    fn bytes_mut(&mut self) -> Result<&mut [u8]> {
        match &mut self.storage {
            Storage::Flat(buffer) => {
                Arc::get_mut(buffer).and_then(Buffer::as_bytes_mut).ok_or_else(|| {
                    Status::failed_precondition(
                        "tensor buffer is shared or read-only; cannot write",
                    )
                })
            }
            Storage::Device(_) => Err(on_device()),
            Storage::Strings(_) => Err(Status::internal("string tensors have no flat bytes")),
        }
    }

    fn check_type<T: Element>(&self) -> Result<()> {
        if T::DTYPE == self.dtype {
            Ok(())
        } else {
            Err(Status::internal(format!(
                "tensor of dtype {} accessed as {}",
                self.dtype,
                T::DTYPE
            )))
        }
    }
}

/// Host code reached for the elements of a tensor in device memory: the placer inserts a
/// copy to the host before every host consumer, so this is an engine bug, not a user error.
fn on_device() -> Status {
    Status::internal("the tensor lives in device memory; copy it to the host to read it")
}

/// Says which tensor an allocator could not fit, as TensorFlow's OOM messages do; the
/// allocator's own message already describes its state, and the executor adds the node.
fn oom_context(status: Status, dtype: DType, shape: &TensorShape) -> Status {
    if status.code != crate::Code::ResourceExhausted {
        return status;
    }
    let dims: Vec<String> = shape.dims().iter().map(ToString::to_string).collect();
    Status::resource_exhausted(format!(
        "OOM when allocating tensor with shape[{}] and type {dtype}: {}",
        dims.join(","),
        status.message
    ))
}

fn byte_len(dtype: DType, shape: &TensorShape) -> Result<usize> {
    let size = dtype
        .size()
        .ok_or_else(|| Status::unimplemented(format!("{dtype} tensors are not stored flat")))?;
    shape.num_elements()?.checked_mul(size).ok_or_else(|| {
        Status::invalid_argument(format!("{dtype} tensor of shape {shape} is too large"))
    })
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}{}>", self.dtype, self.shape)
    }
}
