//! Sliding-window geometry shared by the convolutions and the poolings: output sizes and
//! leading padding exactly as TensorFlow computes them (`GetWindowedOutputSize`), for NHWC.

use sessionflow_core::{Result, Status};

/// TensorFlow's `padding` attr (EXPLICIT is not supported on Vulkan).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output `ceil(in / stride)`, the padding split evenly with the odd element after.
    Same,
    /// No padding: the window must fit.
    Valid,
}

/// The windowing of a 2-D op over NHWC images: strides and dilations of (height, width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub padding: Padding,
    pub strides: [usize; 2],
    pub dilations: [usize; 2],
}

/// One spatial dimension of a sliding window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    pub input: usize,
    pub window: usize,
    pub stride: usize,
    pub dilation: usize,
    pub output: usize,
    /// Padding before the first input element: output `o`'s window starts at
    /// `o·stride − pad`.
    pub pad: usize,
}

impl Window {
    /// The (height, width) axes for an input of `[h, w]` and a window of `[kh, kw]`.
    pub fn axes(&self, [h, w]: [usize; 2], [kh, kw]: [usize; 2]) -> Result<[Axis; 2]> {
        Ok([
            axis(h, kh, self.strides[0], self.dilations[0], self.padding)?,
            axis(w, kw, self.strides[1], self.dilations[1], self.padding)?,
        ])
    }
}

/// TensorFlow's `GetWindowedOutputSizeVerbose` for one dimension.
fn axis(
    input: usize,
    window: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
) -> Result<Axis> {
    if stride == 0 {
        return Err(Status::invalid_argument("Stride must be > 0, but got 0"));
    }
    if dilation == 0 {
        return Err(Status::invalid_argument("Dilation rate must be >= 1, but got 0"));
    }
    let too_large = || Status::invalid_argument("Windowed dimension sizes are too large");
    let effective = match window.checked_sub(1) {
        Some(w) => w.checked_mul(dilation).and_then(|w| w.checked_add(1)).ok_or_else(too_large)?,
        None => 0,
    };
    let (output, pad) = match padding {
        Padding::Same => {
            let output = input.div_ceil(stride);
            let needed = output
                .saturating_sub(1)
                .checked_mul(stride)
                .and_then(|v| v.checked_add(effective))
                .ok_or_else(too_large)?
                .saturating_sub(input);
            (output, needed / 2)
        }
        Padding::Valid => {
            if input < effective {
                return Err(Status::invalid_argument(format!(
                    "Negative dimension size caused by subtracting {effective} from {input}"
                )));
            }
            ((input - effective) / stride + 1, 0)
        }
    };
    Ok(Axis { input, window, stride, dilation, output, pad })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionflow_core::Code;

    fn one(input: usize, window: usize, stride: usize, dilation: usize, p: Padding) -> Axis {
        axis(input, window, stride, dilation, p).unwrap()
    }

    #[test]
    fn output_sizes_and_padding_are_tensorflows() {
        // SAME: out = ceil(5 / 2) = 3, needed = (3 − 1)·2 + 3 − 5 = 2, 1 before.
        let a = one(5, 3, 2, 1, Padding::Same);
        assert_eq!((a.output, a.pad), (3, 1));
        // SAME, even split impossible: in 4, window 2, stride 1: needed 1, 0 before.
        let a = one(4, 2, 1, 1, Padding::Same);
        assert_eq!((a.output, a.pad), (4, 0));
        // SAME with dilation 2: effective window 5; in 6, stride 1: needed 4, 2 before.
        let a = one(6, 3, 1, 2, Padding::Same);
        assert_eq!((a.output, a.pad), (6, 2));
        // VALID: (7 − 3) / 2 + 1 = 3; dilated: effective 5, (7 − 5) / 1 + 1 = 3.
        assert_eq!(one(7, 3, 2, 1, Padding::Valid).output, 3);
        assert_eq!(one(7, 3, 1, 2, Padding::Valid).output, 3);
        // SAME with a stride past the window: no padding is needed.
        let a = one(5, 1, 3, 1, Padding::Same);
        assert_eq!((a.output, a.pad), (2, 0));
    }

    #[test]
    fn a_window_that_does_not_fit_is_tensorflows_error() {
        let e = axis(2, 3, 1, 1, Padding::Valid).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Negative dimension size caused by subtracting 3 from 2")
        );
        assert_eq!(axis(2, 3, 0, 1, Padding::Same).unwrap_err().code, Code::InvalidArgument);
    }
}
