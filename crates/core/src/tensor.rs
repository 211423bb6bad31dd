use crate::{Allocator, Buffer, DType, Element, Result, Status, TensorShape};
use std::fmt;
use std::sync::Arc;

/// A value flowing through a graph: a dtype, a shape and a shared host buffer.
///
/// Cloning is cheap (the buffer is reference-counted). A kernel may write into a tensor only
/// while it is the sole owner of the buffer, which is how inputs get forwarded in place.
#[derive(Clone)]
pub struct Tensor {
    dtype: DType,
    shape: TensorShape,
    buffer: Arc<Buffer>,
}

impl Tensor {
    /// A zero-filled tensor.
    pub fn zeros(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
    ) -> Result<Tensor> {
        let bytes = byte_len(dtype, &shape)?;
        Ok(Tensor {
            dtype,
            shape,
            buffer: Arc::new(Buffer::new(allocator, bytes)?),
        })
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
        let expected = t.buffer.len();
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

    /// The raw little-endian bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_bytes()
    }

    /// The elements, typed. Internal error if `T` is not this tensor's dtype.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        self.check_type::<T>()?;
        let bytes = self.buffer.as_bytes();
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

    /// True when no other tensor shares this buffer, so it may be written in place.
    pub fn is_exclusive(&self) -> bool {
        Arc::strong_count(&self.buffer) == 1
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
        Ok(Tensor {
            dtype: self.dtype,
            shape,
            buffer: Arc::clone(&self.buffer),
        })
    }

    fn bytes_mut(&mut self) -> Result<&mut [u8]> {
        Arc::get_mut(&mut self.buffer)
            .map(Buffer::as_bytes_mut)
            .ok_or_else(|| Status::failed_precondition("tensor buffer is shared; cannot write"))
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
