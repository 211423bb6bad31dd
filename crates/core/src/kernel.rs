use crate::{
    Allocator, AttrMap, DType, DeviceType, Element, MemoryKind, ResourceManager, Result, Status,
    Tensor, TensorShape,
};
use std::collections::HashMap;
use std::sync::Arc;

/// What a kernel factory may read about the node it is built for. Everything derivable from
/// the node is read here, once, at plan time, so that `compute` does no lookups.
#[derive(Clone, Copy, Debug)]
pub struct NodeView<'a> {
    pub name: &'a str,
    pub op: &'a str,
    pub attrs: &'a AttrMap,
    pub input_types: &'a [DType],
    pub output_types: &'a [DType],
}

/// A kernel: the computation of one node on one device.
pub trait OpKernel: Send + Sync {
    /// Reads the inputs from `ctx` and sets every output.
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()>;

    /// Whether running this kernel is worth a thread hand-off (TF's `IsExpensive`). Kernels that
    /// only pass buffers along (constants, identities) say no, and always run inline.
    fn is_expensive(&self) -> bool {
        true
    }

    /// Inputs a kernel of a device with its own memory reads on the host (TensorFlow's
    /// `HostMemory`: reduction axes, shapes); they are brought to host memory for it. Host
    /// kernels read every input on the host anyway.
    fn host_memory_inputs(&self) -> &[usize] {
        &[]
    }

    /// The value this kernel always outputs (its only output), if it is such a kernel (a
    /// constant): untraced runs store it without running the kernel.
    fn constant_output(&self) -> Option<&Tensor> {
        None
    }
}

/// Builds the kernel for a node, validating its attrs.
pub type KernelFactory = fn(&NodeView<'_>) -> Result<Box<dyn OpKernel>>;

/// The inputs and outputs of one kernel invocation.
pub struct KernelContext<'a> {
    /// `None` once a kernel has taken the input as its output's memory.
    inputs: Vec<Option<Tensor>>,
    outputs: Vec<Option<Tensor>>,
    allocator: &'a Arc<dyn Allocator>,
    /// The running session's variables; absent outside a session.
    resources: Option<&'a dyn ResourceManager>,
}

/// The memory of an elementwise kernel with one operand: see
/// [`KernelContext::elementwise_output`].
pub enum Elementwise<'t, T> {
    /// The input was forwarded: the slice holds its values and is to receive the results,
    /// element for element.
    InPlace(&'t mut [T]),
    /// The input is shared: read `input`, write every element of `output` (fresh memory whose
    /// contents are unspecified).
    Apart {
        /// The input's elements.
        input: &'t [T],
        /// The output's elements, as many as the input's.
        output: &'t mut [T],
    },
}

impl<'a> KernelContext<'a> {
    /// A context with these inputs and room for `num_outputs` outputs.
    pub fn new(inputs: Vec<Tensor>, num_outputs: usize, allocator: &'a Arc<dyn Allocator>) -> Self {
        let inputs = inputs.into_iter().map(Some).collect();
        KernelContext { inputs, outputs: vec![None; num_outputs], allocator, resources: None }
    }

    /// The context with the running session's resources (its variables) reachable.
    pub fn with_resources(mut self, resources: &'a dyn ResourceManager) -> Self {
        self.resources = Some(resources);
        self
    }

    /// The running session's resources; FailedPrecondition when the kernel runs outside a
    /// session (stateful kernels need one).
    pub fn resources(&self) -> Result<&'a dyn ResourceManager> {
        self.resources.ok_or_else(|| {
            Status::failed_precondition(
                "this kernel uses session resources but runs without a session",
            )
        })
    }

    /// Input `i`. The executor checked the count against the op definition.
    ///
    /// # Panics
    /// If the kernel already took input `i` with [`forward_input`](Self::forward_input): a
    /// kernel reads what it needs from a forwarded input through the tensor it got back.
    pub fn input(&self, i: usize) -> &Tensor {
        match &self.inputs[i] {
            Some(t) => t,
            None => panic!("kernel bug: input {i} was read after being forwarded to an output"),
        }
    }

    /// Number of inputs.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// The allocator for new outputs.
    pub fn allocator(&self) -> &Arc<dyn Allocator> {
        self.allocator
    }

    /// Whether input `i` could be forwarded to an output of `dtype` and `shape`: nothing else
    /// holds its memory (not another consumer, not a fetch, not a constant or a variable; never
    /// memory borrowed from outside the engine), its dtype is `dtype` and it has as many
    /// elements as `shape`.
    pub fn can_forward_input(&self, i: usize, dtype: DType, shape: &TensorShape) -> bool {
        let Some(Some(t)) = self.inputs.get(i) else {
            return false;
        };
        t.dtype() == dtype
            && shape.num_elements().is_ok_and(|n| n == t.num_elements())
            && t.is_exclusive()
    }

    /// Input `i` taken out of the context to serve as an output of `dtype` and `shape`,
    /// TensorFlow's `forward_input`: when [`can_forward_input`](Self::can_forward_input) says
    /// so, the input's own memory comes back, shaped `shape` and writable, holding the input's
    /// values; the kernel then computes over it in place and must read input `i` only through
    /// it. Otherwise `None`, and the input stays readable.
    pub fn forward_input(&mut self, i: usize, dtype: DType, shape: &TensorShape) -> Option<Tensor> {
        if !self.can_forward_input(i, dtype, shape) {
            return None;
        }
        let t = self.inputs[i].take()?;
        if t.shape() == shape {
            return Some(t);
        }
        // The element counts are equal (checked above), so this reshape cannot fail.
        t.into_reshaped(shape.clone()).ok()
    }

    /// TensorFlow's `forward_input_or_allocate_output`: the first of `candidates` that can be
    /// forwarded to an output of `dtype` and `shape`, and its index; else a fresh tensor from
    /// [`Tensor::for_overwrite`] (the kernel must write every element) and `None`.
    pub fn forward_input_or_allocate(
        &mut self,
        candidates: &[usize],
        dtype: DType,
        shape: &TensorShape,
    ) -> Result<(Tensor, Option<usize>)> {
        for &i in candidates {
            if let Some(t) = self.forward_input(i, dtype, shape) {
                return Ok((t, Some(i)));
            }
        }
        Ok((Tensor::for_overwrite(self.allocator, dtype, shape.clone())?, None))
    }

    /// Sets output `output` to an elementwise function of input `input`, of the same dtype `T`
    /// and shape. `compute` gets [`Elementwise::InPlace`] when the input can be forwarded (no
    /// output memory is allocated), else [`Elementwise::Apart`] with fresh output memory.
    pub fn elementwise_output<T: Element>(
        &mut self,
        input: usize,
        output: usize,
        compute: impl FnOnce(Elementwise<'_, T>) -> Result<()>,
    ) -> Result<()> {
        let shape = self.input(input).shape().clone();
        let out = match self.forward_input(input, T::DTYPE, &shape) {
            Some(mut io) => {
                compute(Elementwise::InPlace(io.as_mut_slice::<T>()?))?;
                io
            }
            None => {
                let mut out = Tensor::for_overwrite(self.allocator, T::DTYPE, shape)?;
                let x = self.input(input).as_slice::<T>()?;
                compute(Elementwise::Apart { input: x, output: out.as_mut_slice::<T>()? })?;
                out
            }
        };
        self.set_output(output, out);
        Ok(())
    }

    /// Moves the inputs to where a kernel reads them before it runs: with `kind` Host (a host
    /// kernel) every input in device memory is copied to the host; with `kind` Device, host
    /// inputs are copied to the device this context allocates from, except `host_inputs`,
    /// which come to (or stay on) the host. Copies go to memory from this context's allocator,
    /// or from `host` for host copies.
    pub fn place_inputs(
        &mut self,
        kind: MemoryKind,
        host_inputs: &[usize],
        host: &Arc<dyn Allocator>,
    ) -> Result<()> {
        for (i, slot) in self.inputs.iter_mut().enumerate() {
            let Some(t) = slot else { continue };
            let on_host = kind == MemoryKind::Host || host_inputs.contains(&i);
            let placed = match (on_host, t.memory_kind()) {
                (true, MemoryKind::Host) => continue,
                (true, MemoryKind::Device) => t.to_host(host)?,
                (false, _) => t.to_device(self.allocator)?,
            };
            *slot = Some(placed);
        }
        Ok(())
    }

    /// Sets output `i`.
    pub fn set_output(&mut self, i: usize, tensor: Tensor) {
        self.outputs[i] = Some(tensor);
    }

    /// The outputs, in order; Internal error if the kernel left one unset.
    pub fn into_outputs(self) -> Result<Vec<Tensor>> {
        self.outputs
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                t.ok_or_else(|| Status::internal(format!("kernel did not set output {i}")))
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct KernelKey {
    op: String,
    device: DeviceType,
    dtype: Option<DType>,
}

/// Kernels by (op type, device type, dtype). A registration with no dtype serves every dtype
/// of that op on that device (Identity, NoOp, …); a dtype-specific one takes precedence.
#[derive(Default)]
pub struct KernelRegistry {
    factories: HashMap<KernelKey, KernelFactory>,
}

impl KernelRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `factory` for `op` on `device`, for one dtype or (with `None`) for all.
    pub fn register(
        &mut self,
        op: &str,
        device: DeviceType,
        dtype: Option<DType>,
        factory: KernelFactory,
    ) {
        self.factories.insert(KernelKey { op: op.to_owned(), device, dtype }, factory);
    }

    /// The factory for `op` on `device` with kernel dtype `dtype`, if any.
    pub fn find(
        &self,
        op: &str,
        device: DeviceType,
        dtype: Option<DType>,
    ) -> Option<KernelFactory> {
        let mut key = KernelKey { op: op.to_owned(), device, dtype };
        if let Some(f) = self.factories.get(&key) {
            return Some(*f);
        }
        key.dtype = None;
        self.factories.get(&key).copied()
    }

    /// Whether any kernel for `op` exists on `device`.
    pub fn has_op(&self, op: &str, device: DeviceType) -> bool {
        self.factories.keys().any(|k| k.op == op && k.device == device)
    }

    /// The dtypes `op` has kernels for on `device` (for error messages).
    pub fn dtypes_for(&self, op: &str, device: DeviceType) -> Vec<DType> {
        let mut v: Vec<DType> = self
            .factories
            .keys()
            .filter(|k| k.op == op && k.device == device)
            .filter_map(|k| k.dtype)
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AllocatorStats, Buffer, TENSOR_ALIGNMENT};
    use std::alloc::Layout;
    use std::ptr::NonNull;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Zeroed host memory that counts allocations.
    #[derive(Debug, Default)]
    struct Counting(AtomicU64);

    impl Allocator for Counting {
        fn name(&self) -> &str {
            "counting"
        }

        fn allocate(&self, bytes: usize) -> Result<NonNull<u8>> {
            self.0.fetch_add(1, Ordering::Relaxed);
            let layout = Layout::from_size_align(bytes, TENSOR_ALIGNMENT).expect("small sizes");
            // SAFETY: the tests never ask for 0 bytes (Buffer handles empty buffers itself).
            NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })
                .ok_or_else(|| Status::resource_exhausted("test allocator"))
        }

        unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
            // SAFETY: ptr came from allocate(bytes) with this layout.
            unsafe {
                let layout = Layout::from_size_align_unchecked(bytes, TENSOR_ALIGNMENT);
                std::alloc::dealloc(ptr.as_ptr(), layout);
            }
        }

        fn stats(&self) -> AllocatorStats {
            AllocatorStats { num_allocs: self.0.load(Ordering::Relaxed), ..Default::default() }
        }
    }

    fn allocator() -> Arc<dyn Allocator> {
        Arc::new(Counting::default())
    }

    fn floats(a: &Arc<dyn Allocator>, dims: &[usize], data: &[f32]) -> Tensor {
        Tensor::from_slice(a, TensorShape::new(dims), data).unwrap()
    }

    fn address(t: &Tensor) -> *const u8 {
        t.as_bytes().unwrap().as_ptr()
    }

    #[test]
    fn an_exclusive_input_is_forwarded_reshaped_and_writable() {
        let a = allocator();
        let x = floats(&a, &[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let at = address(&x);
        let mut ctx = KernelContext::new(vec![x], 1, &a);
        let shape = TensorShape::new([3, 2]);
        assert!(ctx.can_forward_input(0, DType::Float32, &shape));
        let mut out = ctx.forward_input(0, DType::Float32, &shape).unwrap();
        assert_eq!((address(&out), out.shape().dims()), (at, &[3, 2][..]));
        out.as_mut_slice::<f32>().unwrap()[5] = -6.0;
        assert_eq!(out.as_slice::<f32>().unwrap(), &[1., 2., 3., 4., 5., -6.]);
        assert!(!ctx.can_forward_input(0, DType::Float32, &shape), "taken once");
        assert_eq!(a.stats().num_allocs, 1, "only the input was allocated");
    }

    #[test]
    fn shared_external_or_mismatched_inputs_are_not_forwarded() {
        let a = allocator();
        let shape = TensorShape::new([2]);
        let x = floats(&a, &[2], &[1., 2.]);
        let held = x.clone();
        let data = Box::new([7f32, 8.]);
        let ptr = NonNull::new(data.as_ptr().cast_mut().cast::<u8>()).unwrap();
        // SAFETY: the array lives in `data`, which the buffer owns, and is never written.
        let external = unsafe { Buffer::from_external(ptr, 8, data) };
        let external = Tensor::from_buffer(DType::Float32, shape.clone(), external).unwrap();
        let ints = Tensor::from_slice(&a, shape.clone(), &[1i32, 2]).unwrap();
        let longer = floats(&a, &[3], &[1., 2., 3.]);
        let mut ctx = KernelContext::new(vec![x, external, ints, longer], 1, &a);
        for i in 0..4 {
            assert!(ctx.forward_input(i, DType::Float32, &shape).is_none(), "input {i}");
        }
        assert!(ctx.forward_input(4, DType::Float32, &shape).is_none(), "no such input");
        // Every input is still there to read.
        assert_eq!(ctx.input(0).as_slice::<f32>().unwrap(), held.as_slice::<f32>().unwrap());
        assert_eq!(ctx.input(1).as_slice::<f32>().unwrap(), &[7., 8.]);
        drop(held);
        assert!(ctx.forward_input(0, DType::Float32, &shape).is_some(), "exclusive again");
    }

    #[test]
    fn forward_or_allocate_falls_back_to_fresh_memory() {
        let a = allocator();
        let x = floats(&a, &[2], &[1., 2.]);
        let held = x.clone();
        let mut ctx = KernelContext::new(vec![x], 1, &a);
        let shape = TensorShape::new([2]);
        let (out, forwarded) = ctx.forward_input_or_allocate(&[0], DType::Float32, &shape).unwrap();
        assert_eq!(forwarded, None);
        assert_ne!(address(&out), address(&held));
        assert_eq!(a.stats().num_allocs, 2);
    }

    #[test]
    fn elementwise_outputs_run_in_place_or_apart() {
        let a = allocator();
        let negate = |memory: Elementwise<'_, f32>| {
            match memory {
                Elementwise::InPlace(io) => io.iter_mut().for_each(|v| *v = -*v),
                Elementwise::Apart { input, output } => {
                    output.iter_mut().zip(input).for_each(|(o, &v)| *o = -v)
                }
            }
            Ok(())
        };
        let x = floats(&a, &[3], &[1., -2., 3.]);
        let at = address(&x);
        let mut ctx = KernelContext::new(vec![x], 1, &a);
        ctx.elementwise_output::<f32>(0, 0, negate).unwrap();
        let out = ctx.into_outputs().unwrap().remove(0);
        assert_eq!((address(&out), out.as_slice::<f32>().unwrap()), (at, &[-1., 2., -3.][..]));

        let x = floats(&a, &[3], &[1., -2., 3.]);
        let held = x.clone();
        let mut ctx = KernelContext::new(vec![x], 1, &a);
        ctx.elementwise_output::<f32>(0, 0, negate).unwrap();
        let out = ctx.into_outputs().unwrap().remove(0);
        assert_ne!(address(&out), address(&held));
        assert_eq!(out.as_slice::<f32>().unwrap(), &[-1., 2., -3.]);
        assert_eq!(held.as_slice::<f32>().unwrap(), &[1., -2., 3.], "the shared input is intact");
    }

    #[test]
    #[should_panic(expected = "read after being forwarded")]
    fn reading_a_forwarded_input_is_a_kernel_bug() {
        let a = allocator();
        let mut ctx = KernelContext::new(vec![floats(&a, &[1], &[1.])], 1, &a);
        let _out = ctx.forward_input(0, DType::Float32, &TensorShape::new([1]));
        let _ = ctx.input(0);
    }

    #[test]
    fn for_overwrite_memory_is_typed_and_bools_are_zero() {
        let a = allocator();
        let t = Tensor::for_overwrite(&a, DType::Float32, TensorShape::new([4])).unwrap();
        assert_eq!((t.dtype(), t.num_elements()), (DType::Float32, 4));
        assert!(t.is_exclusive());
        let b = Tensor::for_overwrite(&a, DType::Bool, TensorShape::new([3])).unwrap();
        assert_eq!(b.as_slice::<bool>().unwrap(), &[false; 3]);
        let s = Tensor::for_overwrite(&a, DType::String, TensorShape::new([2])).unwrap();
        assert_eq!(s.as_strings().unwrap(), &[Vec::<u8>::new(), Vec::new()]);
    }

    #[test]
    #[cfg(debug_assertions)]
    fn debug_builds_poison_memory_for_overwrite_so_unwritten_elements_show() {
        let a = allocator();
        let t = Tensor::for_overwrite(&a, DType::Float32, TensorShape::new([3])).unwrap();
        assert!(t.as_slice::<f32>().unwrap().iter().all(|v| v.is_nan()));
        let t = Tensor::for_overwrite(&a, DType::Int32, TensorShape::new([2])).unwrap();
        assert_eq!(t.as_slice::<i32>().unwrap(), &[-1, -1]);
    }
}
