//! Gradients of image resizing (TensorFlow's `image_grad.py`). The resize gradient ops are
//! linear maps whose adjoints are the resizes themselves, so second derivatives are resizes.

use super::grad;
use crate::{Endpoint, GradContext, OpRegistry};
use sessionflow_core::{AttrMap, Result};

pub(super) fn register(r: &mut OpRegistry) {
    grad(r, "ResizeBilinear", |c| {
        let (image, g) = (c.input(0), c.grad(0)?);
        let dx = c.op("ResizeBilinearGrad", &[g, image], resize_attrs(c))?;
        Ok(vec![Some(dx), None])
    });
    grad(r, "ResizeNearestNeighbor", |c| {
        let (image, g) = (c.input(0), c.grad(0)?);
        let size = spatial_size(c, image)?;
        let dx = c.op("ResizeNearestNeighborGrad", &[g, size], resize_attrs(c))?;
        Ok(vec![Some(dx), None])
    });
    grad(r, "ResizeBilinearGrad", |c| {
        let (grads, g) = (c.input(0), c.grad(0)?);
        let size = spatial_size(c, grads)?;
        let dgrads = c.op("ResizeBilinear", &[g, size], resize_attrs(c))?;
        Ok(vec![Some(dgrads), None])
    });
    grad(r, "ResizeNearestNeighborGrad", |c| {
        let (grads, g) = (c.input(0), c.grad(0)?);
        let size = spatial_size(c, grads)?;
        let dgrads = c.op("ResizeNearestNeighbor", &[g, size], resize_attrs(c))?;
        Ok(vec![Some(dgrads), None])
    });
}

fn resize_attrs(c: &GradContext<'_>) -> AttrMap {
    ["align_corners", "half_pixel_centers"]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), c.attrs().get(name)?.clone())))
        .collect()
}

/// The `[height, width]` of the NHWC tensor `e`: a constant when statically known, as
/// TensorFlow's gradient does, else a slice of its run-time shape.
fn spatial_size(c: &mut GradContext<'_>, e: Endpoint) -> Result<Endpoint> {
    if let Some(dims) = c.shape(e).dims()
        && let [_, Some(h), Some(w), _] = dims
    {
        let (h, w) = (*h as i64, *w as i64);
        return c.ints(&[h, w]);
    }
    let shape = c.shape_of(e)?;
    let (begin, size) = (c.ints(&[1])?, c.ints(&[2])?);
    c.op("Slice", &[shape, begin, size], AttrMap::new())
}
