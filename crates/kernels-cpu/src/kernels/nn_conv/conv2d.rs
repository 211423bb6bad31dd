//! `Conv2D`: validation and layout; the arithmetic is in `im2col`. NCHW is transposed to NHWC
//! and back; f16/bf16 are computed in f32.

use super::epilogue::Plain;
use super::im2col::{ConvGeometry, conv_nhwc};
use super::layout::transpose;
use super::params::{Axis, Format, Padding, checked_elements, ints, spatial_pair};
use super::widen::Widen;
use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use sessionflow_core::{
    Allocator, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result,
    Status, Tensor, TensorShape,
};
use std::marker::PhantomData;
use std::sync::Arc;

/// The attrs of a 2-D convolution, read once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvAttrs {
    pub format: Format,
    pub padding: Padding,
    /// (height, width)
    pub strides: [i64; 2],
    pub dilations: [i64; 2],
}

impl ConvAttrs {
    pub(crate) fn from_node(node: &NodeView<'_>) -> Result<ConvAttrs> {
        let format = Format::from_attrs(node.attrs)?;
        Ok(ConvAttrs {
            format,
            padding: Padding::from_attrs(node.attrs, format)?,
            strides: spatial_pair(ints(node.attrs, "strides")?, "strides", format)?,
            dilations: spatial_pair(ints(node.attrs, "dilations")?, "dilations", format)?,
        })
    }

    /// The height and width axes for an input of `[h, w]` and a window of `[kh, kw]`.
    pub(crate) fn axes(&self, [h, w]: [usize; 2], [kh, kw]: [usize; 2]) -> Result<[Axis; 2]> {
        Ok([
            Axis::new(h, kh, self.strides[0], self.dilations[0], self.padding, 0)?,
            Axis::new(w, kw, self.strides[1], self.dilations[1], self.padding, 1)?,
        ])
    }
}

/// The input's (batch, height, width, channels) and the filter's dims, both checked rank 4.
pub(crate) fn conv_inputs(
    format: Format,
    input: &TensorShape,
    filter: &TensorShape,
) -> Result<([usize; 4], [usize; 4])> {
    if input.rank() != 4 {
        return Err(Status::invalid_argument(format!("input must be 4-dimensional{input}")));
    }
    if filter.rank() != 4 {
        return Err(Status::invalid_argument(format!("filter must be 4-dimensional: {filter}")));
    }
    let f = filter.dims();
    Ok((format.pick(input.dims()), [f[0], f[1], f[2], f[3]]))
}

struct Conv2DKernel<T> {
    attrs: ConvAttrs,
    _t: PhantomData<T>,
}

/// The geometry of a `Conv2D` of `input` by `filter`, checked as TensorFlow's kernel checks
/// it, and the output dims in NHWC order.
pub(crate) fn conv_geometry(
    attrs: &ConvAttrs,
    input: &TensorShape,
    filter: &TensorShape,
) -> Result<(ConvGeometry, [usize; 4])> {
    let ([n, h, w, c], [kh, kw, fd, od]) = conv_inputs(attrs.format, input, filter)?;
    if fd == 0 {
        return Err(Status::invalid_argument("filter depth must be stricly positive, got 0"));
    }
    if c % fd != 0 {
        return Err(Status::invalid_argument(format!(
            "input depth must be evenly divisible by filter depth: {c} vs {fd}"
        )));
    }
    let groups = c / fd;
    if groups == 0 {
        return Err(Status::invalid_argument("Number of groups must not be 0"));
    }
    if od % groups != 0 {
        return Err(Status::invalid_argument(format!(
            "output depth must be evenly divisible by number of groups: {od} vs {groups}"
        )));
    }
    let [rows, cols] = attrs.axes([h, w], [kh, kw])?;
    let out_dims = [n, rows.output, cols.output, od];
    let elements = checked_elements(&out_dims)?;
    if elements > 0 && filter.num_elements()? == 0 {
        return Err(Status::invalid_argument(
            "filter must not have zero elements (i.e. all dimensions must be non-zero)",
        ));
    }
    let g =
        ConvGeometry { batch: n, rows, cols, in_depth: c, filter_depth: fd, out_depth: od, groups };
    Ok((g, out_dims))
}

impl<T: Widen> OpKernel for Conv2DKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, filter) = (ctx.input(0), ctx.input(1));
        let format = self.attrs.format;
        let (g, out_dims) = conv_geometry(&self.attrs, input.shape(), filter.shape())?;
        let mut out = Tensor::for_overwrite(ctx.allocator(), T::DTYPE, format.shape(out_dims))?;
        if out.num_elements() > 0 {
            let allocator = ctx.allocator();
            run::<T>(
                &g,
                format,
                input.as_slice()?,
                filter.as_slice()?,
                out.as_mut_slice()?,
                allocator,
            )?;
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

/// Converts to the compute type and NHWC as needed, convolves, and converts back.
fn run<T: Widen>(
    g: &ConvGeometry,
    format: Format,
    input: &[T],
    filter: &[T],
    out: &mut [T],
    allocator: &Arc<dyn Allocator>,
) -> Result<()> {
    let filter = T::widen_slice(filter);
    match format {
        Format::Nhwc => {
            let input = T::widen_slice(input);
            let mut result = Ok(());
            T::with_wide_out(out, |o| result = conv_nhwc(g, &input, &filter, o, allocator, &Plain));
            result
        }
        Format::Nchw => {
            let hw = g.rows.input * g.cols.input;
            let mut nhwc = vec![T::Wide::ZERO; input.len()];
            transpose(input, &mut nhwc, g.in_depth, hw, T::widen);
            let mut result = vec![T::Wide::ZERO; out.len()];
            conv_nhwc(g, &nhwc, &filter, &mut result, allocator, &Plain)?;
            transpose(&result, out, g.rows.output * g.cols.output, g.out_depth, T::narrow);
            Ok(())
        }
    }
}

fn factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(Conv2DKernel::<T> { attrs: ConvAttrs::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("Conv2D", DeviceType::CPU, Some(DType::Float32), factory::<f32>);
    r.register("Conv2D", DeviceType::CPU, Some(DType::Float64), factory::<f64>);
    r.register("Conv2D", DeviceType::CPU, Some(DType::Float16), factory::<f16>);
    r.register("Conv2D", DeviceType::CPU, Some(DType::BFloat16), factory::<bf16>);
    r.register("Conv2D", DeviceType::CPU, Some(DType::Int32), factory::<i32>);
}
