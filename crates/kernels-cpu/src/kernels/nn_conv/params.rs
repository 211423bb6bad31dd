//! Attribute reading and sliding-window geometry shared by the convolution and pooling kernels.
//! The graph's shape functions check the same rules at build time; kernels check again because
//! their inputs may have had unknown shapes then.

use sessionflow_core::{AttrMap, AttrValue, Result, Status, Tensor, TensorShape};

/// The four dimensions of a convolution filter; InvalidArgument naming `op` for another rank.
pub(super) fn filter_dims(filter: &Tensor, op: &str) -> Result<[usize; 4]> {
    match *filter.shape().dims() {
        [h, w, i, o] => Ok([h, w, i, o]),
        _ => Err(Status::invalid_argument(format!(
            "{op}: filter must be 4-dimensional: {}",
            filter.shape()
        ))),
    }
}

/// A `list(int)` attr.
pub(crate) fn ints<'a>(attrs: &'a AttrMap, name: &str) -> Result<&'a [i64]> {
    match attrs.get(name) {
        Some(AttrValue::ListInt(v)) => Ok(v),
        _ => Err(Status::invalid_argument(format!("attr '{name}' should be a list(int)"))),
    }
}

/// A `string` attr.
pub(crate) fn string<'a>(attrs: &'a AttrMap, name: &str) -> Result<&'a str> {
    match attrs.get(name) {
        Some(AttrValue::String(s)) => Ok(s),
        _ => Err(Status::invalid_argument(format!("attr '{name}' should be a string"))),
    }
}

/// A `float` attr.
pub(crate) fn float(attrs: &AttrMap, name: &str) -> Result<f32> {
    match attrs.get(name) {
        Some(AttrValue::Float(v)) => Ok(*v),
        _ => Err(Status::invalid_argument(format!("attr '{name}' should be a float"))),
    }
}

/// A 4-D image layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Nhwc,
    Nchw,
}

impl Format {
    /// Reads `data_format`: `NHWC` or `NCHW`.
    pub(crate) fn from_attrs(attrs: &AttrMap) -> Result<Format> {
        match string(attrs, "data_format")? {
            "NHWC" => Ok(Format::Nhwc),
            "NCHW" => Ok(Format::Nchw),
            other => Err(Status::invalid_argument(format!("Invalid data format: {other}"))),
        }
    }

    /// The (batch, height, width, channel) entries of a 4-value attr or shape.
    pub(crate) fn pick<T: Copy>(self, v: &[T]) -> [T; 4] {
        match self {
            Format::Nhwc => [v[0], v[1], v[2], v[3]],
            Format::Nchw => [v[0], v[2], v[3], v[1]],
        }
    }

    /// A shape in this layout from (batch, height, width, channels).
    pub(crate) fn shape(self, [n, h, w, c]: [usize; 4]) -> TensorShape {
        match self {
            Format::Nhwc => TensorShape::new([n, h, w, c]),
            Format::Nchw => TensorShape::new([n, c, h, w]),
        }
    }
}

/// The padding algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Padding {
    Same,
    Valid,
    /// (before, after) padding of the height and width dimensions.
    Explicit([(usize, usize); 2]),
}

impl Padding {
    /// Reads `padding` and `explicit_paddings` (validated as TensorFlow's `CheckValidPadding`).
    pub(crate) fn from_attrs(attrs: &AttrMap, format: Format) -> Result<Padding> {
        let pads = match attrs.get("explicit_paddings") {
            Some(AttrValue::ListInt(v)) => v.as_slice(),
            _ => &[],
        };
        let name = string(attrs, "padding")?;
        if name != "EXPLICIT" && !pads.is_empty() {
            return Err(Status::invalid_argument(
                "explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT",
            ));
        }
        match name {
            "SAME" => return Ok(Padding::Same),
            "VALID" => return Ok(Padding::Valid),
            "EXPLICIT" => {}
            other => {
                return Err(Status::invalid_argument(format!("Invalid padding: {other}")));
            }
        }
        if pads.len() != 8 {
            return Err(Status::invalid_argument(format!(
                "explicit_paddings attribute must contain 8 values, but got: {}",
                pads.len()
            )));
        }
        let mut pairs = [(0usize, 0usize); 4];
        for (i, pair) in pairs.iter_mut().enumerate() {
            let (Ok(b), Ok(a)) = (usize::try_from(pads[2 * i]), usize::try_from(pads[2 * i + 1]))
            else {
                return Err(Status::invalid_argument(
                    "All elements of explicit_paddings must be nonnegative",
                ));
            };
            *pair = (b, a);
        }
        let [n, h, w, c] = format.pick(&pairs);
        if n != (0, 0) || c != (0, 0) {
            return Err(Status::invalid_argument(
                "Nonzero explicit padding in the batch or depth dimensions is not supported",
            ));
        }
        Ok(Padding::Explicit([h, w]))
    }
}

/// One spatial dimension of a sliding window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axis {
    pub input: usize,
    pub window: usize,
    pub stride: usize,
    pub dilation: usize,
    pub output: usize,
    /// Padding before the first input element (the window starts at `o·stride − pad`).
    pub pad: usize,
}

impl Axis {
    /// The output size and leading padding of a windowed dimension, as the graph's shape
    /// function computes them: `SAME` gives ceil(in / stride) with the padding split evenly
    /// (the extra element after); `VALID`/`EXPLICIT` fail when the window does not fit.
    pub(crate) fn new(
        input: usize,
        window: usize,
        stride: i64,
        dilation: i64,
        padding: Padding,
        dim: usize,
    ) -> Result<Axis> {
        if stride <= 0 {
            return Err(Status::invalid_argument(format!("Stride must be > 0, but got {stride}")));
        }
        if dilation < 1 {
            return Err(Status::invalid_argument(format!(
                "Dilation rate must be >= 1, but got {dilation}"
            )));
        }
        let too_large = || Status::invalid_argument("Windowed dimension sizes are too large");
        let (stride, dilation) = (stride as usize, dilation as usize);
        // The effective window; TensorFlow's shape function dilates only when dilation > 1.
        let effective = if dilation > 1 {
            match window.checked_sub(1) {
                Some(w) => {
                    w.checked_mul(dilation).and_then(|w| w.checked_add(1)).ok_or_else(too_large)?
                }
                None => return Err(negative(1, 0)),
            }
        } else {
            window
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
            Padding::Valid | Padding::Explicit(_) => {
                let (before, after) = match padding {
                    Padding::Explicit(p) => p[dim],
                    _ => (0, 0),
                };
                let padded = input
                    .checked_add(before)
                    .and_then(|v| v.checked_add(after))
                    .ok_or_else(too_large)?;
                if padded < effective {
                    return Err(negative(effective, padded));
                }
                ((padded - effective) / stride + 1, before)
            }
        };
        Ok(Axis { input, window, stride, dilation, output, pad })
    }

    /// The input index of window tap `k` at output `o`, if it falls inside the input.
    #[inline]
    pub(crate) fn tap(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k * self.dilation).checked_sub(self.pad).filter(|&i| i < self.input)
    }

    /// The taps of the window at output `o` that fall inside the input, as a range of `k`
    /// (for dilation 1).
    #[inline]
    pub(crate) fn valid_taps(&self, o: usize) -> std::ops::Range<usize> {
        let start = o * self.stride;
        let first = self.pad.saturating_sub(start).min(self.window);
        let end = (self.input + self.pad).saturating_sub(start).min(self.window);
        first..end.max(first)
    }
}

fn negative(subtrahend: usize, from: usize) -> Status {
    Status::invalid_argument(format!(
        "Negative dimension size caused by subtracting {subtrahend} from {from}"
    ))
}

/// The (height, width) entries of a 4-value attr, after checking the batch and channel entries
/// are 1 (the graph checked this at build time, with TensorFlow's codes).
pub(crate) fn spatial_pair(values: &[i64], name: &str, format: Format) -> Result<[i64; 2]> {
    if values.len() != 4 {
        return Err(Status::invalid_argument(format!(
            "Sliding window {name} field must specify 4 dimensions"
        )));
    }
    let [n, h, w, c] = format.pick(values);
    if n != 1 || c != 1 {
        return Err(Status::unimplemented(format!(
            "Current implementation does not yet support {name} in the batch and depth dimensions."
        )));
    }
    Ok([h, w])
}

/// Output elements of a computation that would not fit in memory fail early and cleanly.
pub(crate) fn checked_elements(dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Status::invalid_argument("Output has too many elements"))
}
