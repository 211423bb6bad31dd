//! Image resizing: `ResizeBilinear` and `ResizeNearestNeighbor` (TensorFlow's `image_ops.cc`),
//! with the gradient ops their gradients use. `align_corners` and `half_pixel_centers` pick
//! how output pixels map onto input pixels; TensorFlow's kernels refuse both at once.

use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

/// `ResizeBilinearGrad`'s `T`.
const FLOATS: [DType; 4] = [DType::Float32, DType::BFloat16, DType::Float16, DType::Float64];
/// `ResizeNearestNeighborGrad`'s `T` (of the dtypes sessionflow has).
const NEAREST_GRAD_T: [DType; 7] = [
    DType::UInt8,
    DType::Int8,
    DType::Int32,
    DType::Float16,
    DType::Float32,
    DType::Float64,
    DType::BFloat16,
];

pub(super) fn register(r: &mut OpRegistry) {
    let resize = |def: OpDef| {
        def.attr("align_corners: bool = false").attr("half_pixel_centers: bool = false")
    };
    r.register(resize(
        OpDef::new("ResizeBilinear")
            .input("images: T")
            .input("size: int32")
            .output("resized_images: float32")
            .type_attr("T", &DType::NUMERIC)
            .shape(resized_shape),
    ));
    r.register(resize(
        OpDef::new("ResizeNearestNeighbor")
            .input("images: T")
            .input("size: int32")
            .output("resized_images: T")
            .type_attr("T", &DType::NUMERIC)
            .shape(resized_shape),
    ));
    r.register(resize(
        OpDef::new("ResizeBilinearGrad")
            .input("grads: float32")
            .input("original_image: T")
            .output("output: T")
            .type_attr("T", &FLOATS)
            .shape(|c| {
                c.with_rank(0, 4)?;
                let image = c.with_rank(1, 4)?.clone();
                c.set_output(0, image);
                Ok(())
            }),
    ));
    r.register(resize(
        OpDef::new("ResizeNearestNeighborGrad")
            .input("grads: T")
            .input("size: int32")
            .output("output: T")
            .type_attr("T", &NEAREST_GRAD_T)
            .shape(resized_shape),
    ));
}

/// TensorFlow's `ResizeShapeFn`: a 4-D `[batch, height, width, channels]` input and a 2-vector
/// `size` give `[batch, size[0], size[1], channels]`.
fn resized_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let images = c.with_rank(0, 4)?.clone();
    let size = c.with_rank(1, 1)?;
    if let Some([Some(n)]) = size.dims()
        && *n != 2
    {
        return Err(Status::invalid_argument(format!("Dimension must be 2 but is {n}")));
    }
    let [height, width] = match c.input_ints(1).as_deref() {
        Some(&[h, w]) => {
            if h < 0 || w < 0 {
                return Err(Status::invalid_argument(format!(
                    "size must be non-negative, got [{h}, {w}]"
                )));
            }
            [Some(h as usize), Some(w as usize)]
        }
        _ => [None, None],
    };
    let (batch, channels) = match images.dims() {
        Some(d) => (d[0], d[3]),
        None => (None, None),
    };
    c.set_output(0, PartialShape::new(vec![batch, height, width, channels]));
    Ok(())
}
