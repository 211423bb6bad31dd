//! Reductions and scans: Sum, Mean, Max, Min, Prod, All, Any, ArgMax, ArgMin, Cumsum, TopKV2.

use crate::ops::array::unchanged_shape;
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

const INDEX_TYPES: [DType; 2] = [DType::Int32, DType::Int64];
const SMALL_INDEX_TYPES: [DType; 3] = [DType::Int16, DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    // TensorFlow allows every number type for Sum/Mean/Prod and every real one for Max/Min;
    // of ours those are the same list.
    for op in ["Sum", "Mean", "Max", "Min", "Prod"] {
        r.register(
            OpDef::new(op)
                .input("input: T")
                .input("reduction_indices: Tidx")
                .output("output: T")
                .attr("keep_dims: bool = false")
                .type_attr("T", &DType::NUMERIC)
                .attr("Tidx: type = int32")
                .shape(reduction_shape)
                .allow_types("Tidx", &INDEX_TYPES),
        );
    }
    for op in ["All", "Any"] {
        r.register(
            OpDef::new(op)
                .input("input: bool")
                .input("reduction_indices: Tidx")
                .output("output: bool")
                .attr("keep_dims: bool = false")
                .attr("Tidx: type = int32")
                .shape(reduction_shape)
                .allow_types("Tidx", &INDEX_TYPES),
        );
    }
    const ARG_TYPES: [DType; 10] = DType::FLAT;
    // ArgMax accepts int16 dimensions and outputs; ArgMin only int32/int64 (as TensorFlow).
    for (op, types) in [("ArgMax", &SMALL_INDEX_TYPES[..]), ("ArgMin", &INDEX_TYPES[..])] {
        r.register(
            OpDef::new(op)
                .input("input: T")
                .input("dimension: Tidx")
                .output("output: output_type")
                .type_attr("T", &ARG_TYPES)
                .attr("Tidx: type = int32")
                .attr("output_type: type = int64")
                .shape(arg_shape)
                .allow_types("Tidx", types)
                .allow_types("output_type", types),
        );
    }
    r.register(
        OpDef::new("Cumsum")
            .input("x: T")
            .input("axis: Tidx")
            .output("out: T")
            .attr("exclusive: bool = false")
            .attr("reverse: bool = false")
            .type_attr("T", &DType::NUMERIC)
            .attr("Tidx: type = int32")
            // As TensorFlow: the axis is checked by the kernel only.
            .shape(unchanged_shape)
            .allow_types("Tidx", &INDEX_TYPES),
    );
    r.register(
        OpDef::new("TopKV2")
            .input("input: T")
            .input("k: Tk")
            .output("values: T")
            .output("indices: index_type")
            .attr("sorted: bool = true")
            .type_attr("T", &DType::NUMERIC)
            .attr("Tk: type = int32")
            .attr("index_type: type = int32")
            .shape(top_k_shape)
            .allow_types("Tk", &SMALL_INDEX_TYPES)
            .allow_types("index_type", &SMALL_INDEX_TYPES),
    );
}

/// TensorFlow's `ReductionShape`: exact when the axes are constant and the rank known.
fn reduction_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    if let Some(r) = c.input(1).rank()
        && r > 1
    {
        return Err(Status::invalid_argument(format!(
            "Shape must be at most rank 1 but is rank {r}"
        )));
    }
    let keep_dims = c.attr_bool("keep_dims")?;
    let axes = c.input_ints(1);
    let input = c.input(0).clone();
    let (Some(dims), Some(axes)) = (input.dims(), axes) else {
        let out = match input.rank() {
            Some(r) if keep_dims => PartialShape::unknown_of_rank(r),
            _ => PartialShape::unknown(),
        };
        c.set_output(0, out);
        return Ok(());
    };
    let rank = dims.len() as i64;
    let mut reduced = vec![false; dims.len()];
    for &a in &axes {
        if a < -rank || a >= rank {
            return Err(Status::invalid_argument(format!(
                "Invalid reduction dimension {a} for input with {rank} dimensions."
            )));
        }
        reduced[if a < 0 { a + rank } else { a } as usize] = true;
    }
    let out = dims
        .iter()
        .zip(&reduced)
        .filter_map(|(&d, &r)| match (r, keep_dims) {
            (false, _) => Some(d),
            (true, true) => Some(Some(1)),
            (true, false) => None,
        })
        .collect();
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// TensorFlow's `ArgOpShape`: the input's shape without the reduced dimension.
fn arg_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(1, 0)?;
    let Some(dims) = c.input(0).dims().map(<[_]>::to_vec) else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let rank = dims.len() as i64;
    // Reducing a scalar or a vector gives a scalar; the kernel checks the dimension.
    if rank <= 1 {
        c.set_output(0, PartialShape::scalar());
        return Ok(());
    }
    let Some(dim) = c.input_ints(1).and_then(|v| v.first().copied()) else {
        c.set_output(0, PartialShape::unknown_of_rank(dims.len() - 1));
        return Ok(());
    };
    if dim < -rank || dim >= rank {
        return Err(Status::invalid_argument(format!(
            "Dimension ({dim}) must be in the range [{}, {rank}), where {rank} is the number of dimensions in the input.",
            -rank
        )));
    }
    let dim = if dim < 0 { dim + rank } else { dim } as usize;
    let out = dims.iter().enumerate().filter(|&(i, _)| i != dim).map(|(_, &d)| d).collect();
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// TensorFlow's `TopKShapeFn`: the last dimension becomes `k`.
fn top_k_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank_at_least(0, 1)?;
    if let Some(r) = c.input(1).rank()
        && r != 0
    {
        return Err(Status::invalid_argument(format!("Input must be scalar but has rank {r}")));
    }
    let k = c.input_ints(1).and_then(|v| v.first().copied());
    if let Some(k) = k
        && k < 0
    {
        return Err(Status::invalid_argument(format!(
            "Dimension size, given by scalar input 1, must be non-negative but is {k}"
        )));
    }
    let k = k.map(|k| k as usize);
    let out = match c.input(0).dims() {
        None => PartialShape::unknown(),
        Some(dims) => {
            let (last, batch) = dims.split_last().expect("rank checked to be at least 1");
            if let (Some(n), Some(k)) = (*last, k)
                && n < k
            {
                return Err(Status::invalid_argument(format!(
                    "input must have last dimension >= k = {k} but is {n}"
                )));
            }
            let mut out = batch.to_vec();
            out.push(k);
            PartialShape::new(out)
        }
    };
    c.set_output(0, out.clone());
    c.set_output(1, out);
    Ok(())
}
