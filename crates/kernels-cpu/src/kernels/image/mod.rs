//! Image resizing kernels: `ResizeBilinear`, `ResizeNearestNeighbor` and their gradients, with
//! TensorFlow's pixel mapping (`image_resizer_state.h`).

mod coords;
mod resize_bilinear;
mod resize_grad;
mod resize_nearest;

use sessionflow_core::KernelRegistry;

pub(super) fn register(r: &mut KernelRegistry) {
    resize_bilinear::register(r);
    resize_nearest::register(r);
    resize_grad::register(r);
}
