//! Attribute reading and sliding-window geometry shared by the convolution and pooling shape
//! functions (TensorFlow's `GetWindowedOutputSizeFromDimsV2` and `CheckValidPadding`).

use sessionflow_core::{AttrMap, AttrValue, Code, PartialShape, Result, Status};

/// A `list(int)` attr (present: defaults were filled in and kinds checked before inference).
pub(super) fn ints<'a>(attrs: &'a AttrMap, name: &str) -> Result<&'a [i64]> {
    match attrs.get(name) {
        Some(AttrValue::ListInt(v)) => Ok(v),
        _ => Err(Status::invalid_argument(format!("attr '{name}' should be a list(int)"))),
    }
}

/// A `float` attr.
pub(super) fn float(attrs: &AttrMap, name: &str) -> Result<f32> {
    match attrs.get(name) {
        Some(AttrValue::Float(v)) => Ok(*v),
        _ => Err(Status::invalid_argument(format!("attr '{name}' should be a float"))),
    }
}

/// A `string` attr that must be one of `allowed`, as the op definition's `allowed_values`.
pub(super) fn one_of<'a>(attrs: &'a AttrMap, name: &str, allowed: &[&str]) -> Result<&'a str> {
    let value = match attrs.get(name) {
        Some(AttrValue::String(s)) => s.as_str(),
        _ => return Err(Status::invalid_argument(format!("attr '{name}' should be a string"))),
    };
    if allowed.contains(&value) {
        return Ok(value);
    }
    let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
    Err(Status::invalid_argument(format!(
        "Value for attr '{name}' of \"{value}\" is not in the list of allowed values: {}",
        list.join(", ")
    )))
}

/// Fails like the op definition's `has_minimum` for list attrs.
pub(super) fn min_len(list: &[i64], name: &str, op: &str, min: usize) -> Result<()> {
    if list.len() < min {
        return Err(Status::invalid_argument(format!(
            "Attr '{name}' of '{op}' Op passed list of length {} less than minimum {min}.",
            list.len()
        )));
    }
    Ok(())
}

/// A 4-D image layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Nhwc,
    Nchw,
}

impl Format {
    /// `NHWC` or `NCHW` (callers check the name first with [`one_of`]).
    pub(super) fn from_name(name: &str) -> Format {
        if name == "NCHW" { Format::Nchw } else { Format::Nhwc }
    }

    /// Positions of the batch, height, width and channel dimensions.
    pub(super) fn nhwc(self) -> [usize; 4] {
        match self {
            Format::Nhwc => [0, 1, 2, 3],
            Format::Nchw => [0, 2, 3, 1],
        }
    }

    /// The (batch, height, width, channels) entries of a 4-value attr or static shape.
    pub(super) fn pick<T: Copy>(self, values: &[T]) -> [T; 4] {
        self.nhwc().map(|i| values[i])
    }

    /// A shape in this layout from its batch, height, width and channel dimensions.
    pub(super) fn make(self, [n, h, w, c]: [Option<usize>; 4]) -> PartialShape {
        PartialShape::new(match self {
            Format::Nhwc => vec![n, h, w, c],
            Format::Nchw => vec![n, c, h, w],
        })
    }
}

/// The dimensions of a rank-4 static shape (all unknown when the rank is unknown).
pub(super) fn dims4(shape: &PartialShape) -> [Option<usize>; 4] {
    match shape.dims() {
        Some(d) if d.len() == 4 => [d[0], d[1], d[2], d[3]],
        _ => [None; 4],
    }
}

/// The padding algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Padding {
    Same,
    Valid,
    Explicit,
}

impl Padding {
    /// Reads the `padding` attr, allowing `EXPLICIT` only where the op does.
    pub(super) fn from_attrs(attrs: &AttrMap, explicit: bool) -> Result<Padding> {
        let allowed: &[&str] =
            if explicit { &["SAME", "VALID", "EXPLICIT"] } else { &["SAME", "VALID"] };
        Ok(match one_of(attrs, "padding", allowed)? {
            "SAME" => Padding::Same,
            "VALID" => Padding::Valid,
            _ => Padding::Explicit,
        })
    }
}

/// TensorFlow's `CheckValidPadding` on `explicit_paddings` (when the op has it); returns the
/// (before, after) padding of the height and width dimensions, zeros unless `EXPLICIT`.
pub(super) fn explicit_pads(
    attrs: &AttrMap,
    padding: Padding,
    format: Format,
) -> Result<[(i64, i64); 2]> {
    let pads = match attrs.get("explicit_paddings") {
        Some(AttrValue::ListInt(v)) => v.as_slice(),
        _ => &[],
    };
    if padding != Padding::Explicit {
        if !pads.is_empty() {
            return Err(Status::invalid_argument(
                "explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT",
            ));
        }
        return Ok([(0, 0); 2]);
    }
    if pads.len() != 8 {
        return Err(Status::invalid_argument(format!(
            "explicit_paddings attribute must contain 8 values, but got: {}",
            pads.len()
        )));
    }
    if pads.iter().any(|&p| p < 0) {
        return Err(Status::invalid_argument(
            "All elements of explicit_paddings must be nonnegative",
        ));
    }
    let [n, h, w, c] = format.nhwc();
    if pads[2 * n] != 0 || pads[2 * n + 1] != 0 || pads[2 * c] != 0 || pads[2 * c + 1] != 0 {
        return Err(Status::invalid_argument(
            "Nonzero explicit padding in the batch or depth dimensions is not supported",
        ));
    }
    Ok([(pads[2 * h], pads[2 * h + 1]), (pads[2 * w], pads[2 * w + 1])])
}

/// The output size of one windowed dimension, as TensorFlow's
/// `GetWindowedOutputSizeFromDimsV2`: `SAME` gives ceil(in / stride); `VALID` and `EXPLICIT`
/// give (in + pads − effective window) / stride + 1, failing when that is negative.
pub(super) fn windowed(
    input: Option<usize>,
    window: Option<usize>,
    dilation: i64,
    stride: i64,
    padding: Padding,
    (before, after): (i64, i64),
) -> Result<Option<usize>> {
    if stride <= 0 {
        return Err(Status::invalid_argument(format!("Stride must be > 0, but got {stride}")));
    }
    if dilation < 1 {
        return Err(Status::invalid_argument(format!(
            "Dilation rate must be >= 1, but got {dilation}"
        )));
    }
    let (stride, dilation) = (stride as i128, dilation as i128);
    let Some(input) = input else { return Ok(None) };
    let input = input as i128;
    let out = match padding {
        Padding::Same => (input + stride - 1) / stride,
        Padding::Valid | Padding::Explicit => {
            let padded = if padding == Padding::Explicit {
                input + before as i128 + after as i128
            } else {
                input
            };
            let Some(window) = window else { return Ok(None) };
            let mut window = window as i128;
            if dilation > 1 {
                if window == 0 {
                    return Err(negative(1, 0));
                }
                window = (window - 1) * dilation + 1;
            }
            if padded < window {
                return Err(negative(window, padded));
            }
            (padded - window + stride) / stride
        }
    };
    usize::try_from(out).map(Some).map_err(|_| {
        Status::invalid_argument(format!("Output dimension {out} of a windowed op is too large"))
    })
}

fn negative(subtrahend: i128, from: i128) -> Status {
    Status::invalid_argument(format!(
        "Negative dimension size caused by subtracting {subtrahend} from {from}"
    ))
}

/// Fails with `code` and `message` unless the batch and channel entries of a 4-value attr are 1.
pub(super) fn unit_batch_and_depth(
    values: &[i64],
    format: Format,
    code: Code,
    message: &str,
) -> Result<()> {
    let [n, _, _, c] = format.pick(values);
    if n != 1 || c != 1 {
        return Err(Status::new(code, message));
    }
    Ok(())
}
