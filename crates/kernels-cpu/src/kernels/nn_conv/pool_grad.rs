//! The pooling gradients: `MaxPoolGrad` (each output's gradient to the first maximum of its
//! window), `MaxPoolGradGrad` (each output takes the gradient at that maximum) and
//! `AvgPoolGrad` (each output's gradient shared equally by the window's cells inside the
//! input). Computed per image in NHWC in the compute type; NCHW is transposed to NHWC and back.

use super::layout::{nhwc, transpose};
use super::params::{Axis, Format, Padding, checked_elements, ints, spatial_pair};
use super::widen::Widen;
use crate::kernels::numeric::Numeric;
use crate::kernels::util::read_ints;
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::marker::PhantomData;

/// The attrs of a pooling gradient, read once.
#[derive(Clone, Copy, Debug)]
struct PoolAttrs {
    format: Format,
    padding: Padding,
    ksize: [i64; 2],
    strides: [i64; 2],
}

impl PoolAttrs {
    fn from_node(node: &NodeView<'_>) -> Result<PoolAttrs> {
        let format = Format::from_attrs(node.attrs)?;
        let ksize = spatial_pair(ints(node.attrs, "ksize")?, "ksize", format)?;
        let strides = spatial_pair(ints(node.attrs, "strides")?, "strides", format)?;
        if ksize.iter().any(|&k| k <= 0) {
            return Err(Status::invalid_argument("Sliding window ksize must be positive"));
        }
        Ok(PoolAttrs { format, padding: Padding::from_attrs(node.attrs, format)?, ksize, strides })
    }

    /// The pooling of an input of (batch, height, width, channels) `dims`.
    fn geometry(&self, dims: [usize; 4]) -> Result<Geometry> {
        let [n, h, w, c] = dims;
        let rows = Axis::new(h, self.ksize[0] as usize, self.strides[0], 1, self.padding, 0)?;
        let cols = Axis::new(w, self.ksize[1] as usize, self.strides[1], 1, self.padding, 1)?;
        checked_elements(&[n, h, w, c])?;
        Ok(Geometry { batch: n, rows, cols, channels: c })
    }
}

/// The sizes of one pooling, in NHWC terms.
struct Geometry {
    batch: usize,
    rows: Axis,
    cols: Axis,
    channels: usize,
}

impl Geometry {
    fn in_image(&self) -> usize {
        self.rows.input * self.cols.input * self.channels
    }

    fn out_image(&self) -> usize {
        self.rows.output * self.cols.output * self.channels
    }

    /// Whether no input cell lies in two windows: strides at least the window on both axes.
    fn windows_are_disjoint(&self) -> bool {
        self.rows.stride >= self.rows.window && self.cols.stride >= self.cols.window
    }

    fn output_shape(&self, format: Format) -> TensorShape {
        format.shape([self.batch, self.rows.output, self.cols.output, self.channels])
    }

    /// Calls `f(out_pixel, taps)` for each output pixel of an image with the input pixel
    /// offsets (of channel 0) of its window's cells inside the input, in row-major order.
    fn for_each_window(&self, mut f: impl FnMut(usize, &[usize])) {
        let mut taps = Vec::with_capacity(self.rows.window * self.cols.window);
        for y in 0..self.rows.output {
            for x in 0..self.cols.output {
                taps.clear();
                for ky in self.rows.valid_taps(y) {
                    let iy = y * self.rows.stride + ky - self.rows.pad;
                    for kx in self.cols.valid_taps(x) {
                        let ix = x * self.cols.stride + kx - self.cols.pad;
                        taps.push((iy * self.cols.input + ix) * self.channels);
                    }
                }
                f((y * self.cols.output + x) * self.channels, &taps);
            }
        }
    }
}

/// Calls `f(out_pixel, cells)` for each output pixel of `image` with, per channel, the cell
/// holding its window's first maximum (TF's choice on ties). Windows with no cell inside the
/// input are skipped.
fn for_each_argmax<W: Numeric>(g: &Geometry, image: &[W], mut f: impl FnMut(usize, &[usize])) {
    let c = g.channels;
    let (mut best, mut cells) = (vec![W::ZERO; c], vec![0usize; c]);
    g.for_each_window(|o, taps| {
        let Some((&first, rest)) = taps.split_first() else { return };
        best.copy_from_slice(&image[first..first + c]);
        for (ch, cell) in cells.iter_mut().enumerate() {
            *cell = first + ch;
        }
        for &t in rest {
            // Channels are contiguous: one comparison per channel, in a loop that vectorises.
            for (ch, ((b, cell), &v)) in
                best.iter_mut().zip(&mut cells).zip(&image[t..t + c]).enumerate()
            {
                if v > *b {
                    *b = v;
                    *cell = t + ch;
                }
            }
        }
        f(o, &cells);
    });
}

/// MaxPoolGrad of one image: each output's gradient added to its window's first maximum,
/// found per channel and scattered by index (windows may overlap).
fn route_by_index<W: Numeric>(g: &Geometry, image: &[W], dy: &[W], image_grad: &mut [W]) {
    let c = g.channels;
    for_each_argmax(g, image, |o, cells| {
        for (&cell, &d) in cells.iter().zip(&dy[o..o + c]) {
            image_grad[cell] = image_grad[cell].add(d);
        }
    });
}

/// MaxPoolGrad of one image whose windows do not overlap (the usual 2×2, stride 2): each
/// input cell is in at most one window, so its gradient is assigned rather than added, and
/// the first maximum is found with per-channel comparisons that vectorise, where
/// [`route_by_index`] scatters one channel at a time (about 9× the forward pooling's time).
/// The same cell as there: the maximum is the running `>` maximum from the first tap, and the
/// first tap equal to it (NaN equal to NaN) takes the gradient. `image_grad` starts zeroed.
fn route_disjoint<W: Numeric>(g: &Geometry, image: &[W], dy: &[W], image_grad: &mut [W]) {
    let c = g.channels;
    let (mut best, mut taken) = (vec![W::ZERO; c], vec![false; c]);
    g.for_each_window(|o, taps| {
        let Some((&first, rest)) = taps.split_first() else { return };
        best.copy_from_slice(&image[first..first + c]);
        for &t in rest {
            for (b, &v) in best.iter_mut().zip(&image[t..t + c]) {
                if v > *b {
                    *b = v;
                }
            }
        }
        taken.fill(false);
        let d = &dy[o..o + c];
        for &t in taps {
            let cells = image_grad[t..t + c].iter_mut().zip(&image[t..t + c]);
            for (((cell, &v), (&b, &d)), done) in cells.zip(best.iter().zip(d)).zip(&mut taken) {
                #[allow(clippy::eq_op)] // v != v: NaN, without a float bound on W
                let take = !*done && (v == b || (v != v && b != b));
                *cell = if take { d } else { W::ZERO };
                *done |= take;
            }
        }
    });
}

/// Runs `f` on a zeroed NHWC compute-type buffer standing for `out` (in `format`, `pixels` per
/// channel plane), then stores it into `out`.
fn produce<T: Widen>(
    format: Format,
    out: &mut [T],
    channels: usize,
    pixels: usize,
    f: impl FnOnce(&mut [T::Wide]),
) {
    match format {
        Format::Nhwc => T::with_wide_out(out, f),
        Format::Nchw => {
            let mut wide = vec![T::Wide::ZERO; out.len()];
            f(&mut wide);
            transpose(&wide, out, pixels, channels, T::narrow);
        }
    }
}

/// Which pooling gradient a [`PoolGradKernel`] computes.
#[derive(Clone, Copy)]
enum Kind {
    Max,
    MaxGradGrad,
}

struct PoolGradKernel<T> {
    attrs: PoolAttrs,
    kind: Kind,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for PoolGradKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (x, y, grad) = (ctx.input(0), ctx.input(1), ctx.input(2));
        let format = self.attrs.format;
        if x.shape().rank() != 4 {
            return Err(Status::invalid_argument(format!(
                "orig_input must be 4-dimensional, got {}",
                x.shape()
            )));
        }
        let g = self.attrs.geometry(format.pick(x.shape().dims()))?;
        let out_shape = g.output_shape(format);
        if y.shape() != &out_shape {
            return Err(Status::invalid_argument(format!(
                "orig_output has shape {} but the pooling gives {out_shape}",
                y.shape()
            )));
        }
        let (grad_shape, result_shape) = match self.kind {
            Kind::Max => (out_shape, x.shape().clone()),
            Kind::MaxGradGrad => (x.shape().clone(), out_shape),
        };
        if grad.shape() != &grad_shape {
            return Err(Status::invalid_argument(format!(
                "grad has shape {} but must have shape {grad_shape}",
                grad.shape()
            )));
        }
        let in_pixels = g.rows.input * g.cols.input;
        let out_pixels = g.rows.output * g.cols.output;
        let c = g.channels;
        let xs = nhwc(format, x.as_slice::<T>()?, c, in_pixels);
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, result_shape)?;
        let (in_image, out_image) = (g.in_image(), g.out_image());
        match self.kind {
            Kind::Max => {
                let gs = nhwc(format, grad.as_slice::<T>()?, c, out_pixels);
                produce::<T>(format, out.as_mut_slice()?, c, in_pixels, |din| {
                    if in_image == 0 {
                        return;
                    }
                    din.par_chunks_mut(in_image).enumerate().for_each(|(n, image_grad)| {
                        let dy = &gs[n * out_image..][..out_image];
                        let image = &xs[n * in_image..][..in_image];
                        if g.windows_are_disjoint() {
                            route_disjoint(&g, image, dy, image_grad);
                        } else {
                            route_by_index(&g, image, dy, image_grad);
                        }
                    });
                });
            }
            Kind::MaxGradGrad => {
                let gs = nhwc(format, grad.as_slice::<T>()?, c, in_pixels);
                produce::<T>(format, out.as_mut_slice()?, c, out_pixels, |dout| {
                    if out_image == 0 {
                        return;
                    }
                    dout.par_chunks_mut(out_image).enumerate().for_each(|(n, pooled)| {
                        let dx = &gs[n * in_image..][..in_image];
                        for_each_argmax(&g, &xs[n * in_image..][..in_image], |o, cells| {
                            for (p, &cell) in pooled[o..o + c].iter_mut().zip(cells) {
                                *p = dx[cell];
                            }
                        });
                    });
                });
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

struct AvgPoolGrad<T> {
    attrs: PoolAttrs,
    _t: PhantomData<T>,
}

impl<T: Widen> OpKernel for AvgPoolGrad<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (shape_t, grad) = (ctx.input(0), ctx.input(1));
        let dims = read_ints(shape_t, "orig_input_shape")?;
        let dims: Option<Vec<usize>> = dims.iter().map(|&d| usize::try_from(d).ok()).collect();
        let Some(&[a, b, cc, d]) = dims.as_deref() else {
            return Err(Status::invalid_argument(
                "orig_input_shape must be a vector of 4 non-negative sizes",
            ));
        };
        let format = self.attrs.format;
        let input_dims = format.pick(&[a, b, cc, d]);
        let g = self.attrs.geometry(input_dims)?;
        let out_shape = g.output_shape(format);
        if grad.shape() != &out_shape {
            return Err(Status::invalid_argument(format!(
                "grad has shape {} but must have shape {out_shape}",
                grad.shape()
            )));
        }
        let (in_pixels, out_pixels) = (g.rows.input * g.cols.input, g.rows.output * g.cols.output);
        let c = g.channels;
        let gs = nhwc(format, grad.as_slice::<T>()?, c, out_pixels);
        let (in_image, out_image) = (g.in_image(), g.out_image());
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, format.shape(input_dims))?;
        produce::<T>(format, out.as_mut_slice()?, c, in_pixels, |din| {
            if in_image == 0 {
                return;
            }
            din.par_chunks_mut(in_image).enumerate().for_each(|(n, image_grad)| {
                let dy = &gs[n * out_image..][..out_image];
                g.for_each_window(|o, taps| {
                    let share = <T::Wide as Numeric>::from_f64(1.0 / taps.len().max(1) as f64);
                    for &t in taps {
                        for (d, &v) in image_grad[t..t + c].iter_mut().zip(&dy[o..o + c]) {
                            *d = d.add(v.mul(share));
                        }
                    }
                });
            });
        });
        ctx.set_output(0, out);
        Ok(())
    }
}

fn max_factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let attrs = PoolAttrs::from_node(node)?;
    Ok(Box::new(PoolGradKernel::<T> { attrs, kind: Kind::Max, _t: PhantomData }))
}

fn max_grad_grad_factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let attrs = PoolAttrs::from_node(node)?;
    Ok(Box::new(PoolGradKernel::<T> { attrs, kind: Kind::MaxGradGrad, _t: PhantomData }))
}

fn avg_factory<T: Widen>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(AvgPoolGrad::<T> { attrs: PoolAttrs::from_node(node)?, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($($t:ty => $d:ident),*) => {$(
            r.register("MaxPoolGrad", DeviceType::CPU, Some(DType::$d), max_factory::<$t>);
            r.register("MaxPoolGradGrad", DeviceType::CPU, Some(DType::$d), max_grad_grad_factory::<$t>);
            r.register("AvgPoolGrad", DeviceType::CPU, Some(DType::$d), avg_factory::<$t>);
        )*};
    }
    reg!(f32 => Float32, f64 => Float64, f16 => Float16, bf16 => BFloat16);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small integers (many ties), some NaN and signed zeros.
    fn image(len: usize, seed: u64) -> Vec<f32> {
        let mut s = seed | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                match s % 11 {
                    0 => f32::NAN,
                    1 => -0.0,
                    r => r as f32 - 5.0,
                }
            })
            .collect()
    }

    #[test]
    fn disjoint_windows_route_exactly_as_the_scatter_does() {
        let shapes = [
            // (height, width, channels, window, stride, padding)
            (4, 4, 3, [2, 2], [2, 2], Padding::Valid),
            (5, 7, 17, [2, 2], [2, 2], Padding::Same),
            (6, 6, 2, [3, 3], [3, 3], Padding::Same),
            (5, 5, 1, [2, 3], [3, 4], Padding::Valid),
        ];
        for (seed, (h, w, c, ksize, strides, padding)) in shapes.into_iter().enumerate() {
            let attrs = PoolAttrs { format: Format::Nhwc, padding, ksize, strides };
            let g = attrs.geometry([1, h, w, c]).unwrap();
            assert!(g.windows_are_disjoint());
            let x = image(g.in_image(), seed as u64 + 7);
            let dy: Vec<f32> = (0..g.out_image()).map(|i| i as f32 + 1.0).collect();
            let (mut fast, mut scatter) = (vec![0.0; g.in_image()], vec![0.0; g.in_image()]);
            route_disjoint(&g, &x, &dy, &mut fast);
            route_by_index(&g, &x, &dy, &mut scatter);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&scatter), "{h}x{w}x{c} window {ksize:?}");
        }
    }
}
