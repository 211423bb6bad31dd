//! How output pixels map onto input pixels (TensorFlow's `ImageResizerState`, its scalers and
//! its argument checks), shared by the resizes and their gradients.

use sessionflow_core::{AttrsExt, NodeView, Result, Status, Tensor};

/// The `align_corners` and `half_pixel_centers` attrs, checked as TensorFlow's kernels do.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mapping {
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

impl Mapping {
    pub(super) fn from_node(node: &NodeView<'_>) -> Result<Mapping> {
        let mapping = Mapping {
            align_corners: node.attrs.get_bool("align_corners")?,
            half_pixel_centers: node.attrs.get_bool("half_pixel_centers")?,
        };
        if mapping.align_corners && mapping.half_pixel_centers {
            return Err(Status::invalid_argument(
                "If half_pixel_centers is True, align_corners must be False.",
            ));
        }
        Ok(mapping)
    }

    /// TensorFlow's `CalculateResizeScale`: input pixels per output pixel, in f32.
    pub(super) fn scale(&self, input: usize, output: usize) -> f32 {
        if self.align_corners && output > 1 {
            (input - 1) as f32 / (output - 1) as f32
        } else {
            input as f32 / output as f32
        }
    }

    /// The bilinear source of each of `output` pixels along one axis of `input` pixels:
    /// TensorFlow's `compute_interpolation_weights` (`HalfPixelScaler`: `(x + ½)·s − ½`, or
    /// `LegacyScaler`: `x·s`).
    pub(super) fn bilinear_axis(&self, input: usize, output: usize) -> Vec<Lerp> {
        let scale = self.scale(input, output);
        (0..output)
            .map(|o| {
                let at = if self.half_pixel_centers {
                    (o as f32 + 0.5) * scale - 0.5
                } else {
                    o as f32 * scale
                };
                let floor = at.floor();
                Lerp {
                    lower: (floor as i64).max(0) as usize,
                    upper: (at.ceil() as i64).min(input as i64 - 1).max(0) as usize,
                    lerp: at - floor,
                }
            })
            .collect()
    }

    /// The nearest source of each of `output` pixels along one axis of `input` pixels:
    /// `HalfPixelScalerForNN` (`(x + ½)·s`, floored and clamped at 0) or `LegacyScaler`
    /// (`x·s`, rounded with `align_corners`, else floored), clamped to the last pixel.
    pub(super) fn nearest_axis(&self, input: usize, output: usize) -> Vec<usize> {
        let scale = self.scale(input, output);
        (0..output)
            .map(|o| {
                let at = if self.half_pixel_centers {
                    (o as f32 + 0.5) * scale
                } else {
                    o as f32 * scale
                };
                // f32::round rounds halves away from zero, as C's roundf.
                let i = if self.align_corners { at.round() } else { at.floor() } as i64;
                i.min(input as i64 - 1).max(0) as usize
            })
            .collect()
    }
}

/// One output coordinate's two source pixels and the weight of the upper one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Lerp {
    pub lower: usize,
    pub upper: usize,
    pub lerp: f32,
}

/// `[batch, height, width, channels]` of a 4-D `images` input.
pub(super) fn image_dims(images: &Tensor, what: &str) -> Result<[usize; 4]> {
    match images.shape().dims() {
        &[n, h, w, c] => Ok([n, h, w, c]),
        _ => {
            Err(Status::invalid_argument(format!("{what} must be 4-dimensional{}", images.shape())))
        }
    }
}

/// The output `[height, width]` from a `size` input: a 2-element int32 vector of positive
/// sizes (TensorFlow's `ValidateAndCalculateOutputSize`).
pub(super) fn output_size(size: &Tensor) -> Result<[usize; 2]> {
    if size.shape().rank() != 1 {
        return Err(Status::invalid_argument(format!(
            "shape_t must be 1-dimensional{}",
            size.shape()
        )));
    }
    let values = size.as_slice::<i32>()?;
    let &[h, w] = values else {
        return Err(Status::invalid_argument(format!(
            "shape_t must have two elements{}",
            size.shape()
        )));
    };
    if h <= 0 || w <= 0 {
        return Err(Status::invalid_argument("output dimensions must be positive"));
    }
    Ok([h as usize, w as usize])
}

/// Element types read as f32 (the bilinear kernels compute in f32, as TensorFlow's do).
pub(super) trait ToF32: Copy + Send + Sync {
    fn to_f32(self) -> f32;
}

macro_rules! to_f32 {
    ($($t:ty),*) => {$(
        impl ToF32 for $t {
            #[inline(always)]
            fn to_f32(self) -> f32 { self as f32 }
        }
    )*};
}

to_f32!(f32, f64, i8, i16, i32, i64, u8);

impl ToF32 for half::f16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        half::f16::to_f32(self)
    }
}

impl ToF32 for half::bf16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        half::bf16::to_f32(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(align_corners: bool, half_pixel_centers: bool) -> Mapping {
        Mapping { align_corners, half_pixel_centers }
    }

    #[test]
    fn bilinear_sources_follow_each_scaler() {
        // 4 → 3, legacy: scale 4/3, sources 0, 1.333, 2.667.
        let l = mapping(false, false).bilinear_axis(4, 3);
        assert_eq!((l[1].lower, l[1].upper), (1, 2));
        assert!((l[1].lerp - 1.0 / 3.0).abs() < 1e-6);
        // 2 → 4, half-pixel: scale 0.5, sources −0.25, 0.25, 0.75, 1.25 (clamped to 1).
        let h = mapping(false, true).bilinear_axis(2, 4);
        assert_eq!((h[0].lower, h[0].upper), (0, 0));
        assert!((h[0].lerp - 0.75).abs() < 1e-6);
        assert_eq!((h[3].lower, h[3].upper), (1, 1));
        // 3 → 5, align corners: scale 0.5, sources 0, 0.5, 1, 1.5, 2.
        let a = mapping(true, false).bilinear_axis(3, 5);
        assert_eq!((a[3].lower, a[3].upper, a[3].lerp), (1, 2, 0.5));
        assert_eq!((a[4].lower, a[4].upper, a[4].lerp), (2, 2, 0.0));
    }

    #[test]
    fn nearest_sources_follow_each_scaler() {
        // 3 → 5: legacy floors 0.6·o; align corners rounds 0.5·o (halves away from zero);
        // half-pixel floors 0.6·(o + ½).
        assert_eq!(mapping(false, false).nearest_axis(3, 5), [0, 0, 1, 1, 2]);
        assert_eq!(mapping(true, false).nearest_axis(3, 5), [0, 1, 1, 2, 2]);
        assert_eq!(mapping(false, true).nearest_axis(3, 5), [0, 0, 1, 2, 2]);
    }
}
