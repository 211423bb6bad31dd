//! Folding a zero `Pad` into the convolution that reads it: the convolution pads explicitly
//! instead (`padding: EXPLICIT`), so the padded copy of its input is never made. Keras writes
//! such pads before its stride-2 convolutions (`ZeroPadding2D`, then `VALID`).

use super::context::{Consumers, RunView};
use super::fusion_patterns::{const_value, sole_reader, string_attr};
use crate::{Endpoint, Graph, Node};
use sessionflow_core::{AttrValue, DType};

/// A pad folded into a convolution.
pub(super) struct FoldedPad<'g> {
    pub node: &'g Node,
    /// What the pad read: the convolution's new input.
    pub input: Endpoint,
    /// The convolution's `explicit_paddings` (NHWC: 4 (before, after) pairs).
    pub explicit_paddings: Vec<i64>,
}

/// The NHWC convolution `conv`'s input pad, when it pads with zeros only the height and
/// width, by constant amounts, and nothing else reads it; `conv` must pad `VALID` or
/// `EXPLICIT` (whose amounts add).
pub(super) fn folded_pad<'g>(
    graph: &'g Graph,
    consumers: &Consumers,
    run: &RunView,
    conv: &Node,
) -> Option<FoldedPad<'g>> {
    let input = conv.inputs[0];
    let pad = graph.node(input.node).ok()?;
    let zero_fill = match pad.op() {
        "Pad" => true,
        "PadV2" => const_value(graph, pad.inputs[2]).is_some_and(is_zero_scalar),
        _ => false,
    };
    let reader = sole_reader(graph, consumers, run, pad.id)?;
    if !zero_fill || reader.id != conv.id || string_attr(conv, "data_format") != Some("NHWC") {
        return None;
    }
    let amounts = const_value(graph, pad.inputs[1])?;
    let amounts: Vec<i64> = match amounts.dtype() {
        DType::Int32 => amounts.as_slice::<i32>().ok()?.iter().map(|&v| i64::from(v)).collect(),
        DType::Int64 => amounts.as_slice::<i64>().ok()?.to_vec(),
        _ => return None,
    };
    if amounts.len() != 8 || amounts[..2] != [0, 0] || amounts[6..] != [0, 0] {
        return None;
    }
    let existing = match (string_attr(conv, "padding")?, conv.attrs.get("explicit_paddings")) {
        ("VALID", _) => vec![0; 8],
        ("EXPLICIT", Some(AttrValue::ListInt(p))) if p.len() == 8 => p.clone(),
        _ => return None,
    };
    let explicit_paddings = amounts.iter().zip(&existing).map(|(a, b)| a + b).collect();
    Some(FoldedPad { node: pad, input: pad.inputs[0], explicit_paddings })
}

fn is_zero_scalar(t: &sessionflow_core::Tensor) -> bool {
    if t.num_elements() != 1 {
        return false;
    }
    match t.dtype() {
        DType::Float32 => t.as_slice::<f32>().is_ok_and(|v| v[0] == 0.0),
        DType::Float64 => t.as_slice::<f64>().is_ok_and(|v| v[0] == 0.0),
        _ => false,
    }
}
