//! Convolutions split over the pool while it is awake (smaller work shared, a single block's
//! product split by columns) give the same values, bit for bit, as when it sleeps, and both
//! agree with a plain sum computed in f64.

use super::epilogue::Plain;
use super::im2col::{ConvGeometry, conv_nhwc};
use super::params::Axis;
use sessionflow_core::{Allocator, PoolAwake};
use std::sync::Arc;

/// A square map of `size` pixels, `window`×`window` taps, stride 1, `SAME` padding.
fn geometry(size: usize, window: usize, in_depth: usize, out_depth: usize) -> ConvGeometry {
    let axis = Axis { input: size, window, stride: 1, dilation: 1, output: size, pad: window / 2 };
    ConvGeometry {
        batch: 1,
        rows: axis,
        cols: axis,
        in_depth,
        filter_depth: in_depth,
        out_depth,
        groups: 1,
    }
}

/// Values in [-1, 1) from a fixed linear congruential sequence.
fn values(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// The convolution as a plain sum over the window, in f64.
fn reference(g: &ConvGeometry, input: &[f32], filter: &[f32]) -> Vec<f64> {
    let (size, window, c, od) = (g.rows.input, g.rows.window, g.in_depth, g.out_depth);
    let mut out = vec![0f64; size * size * od];
    for y in 0..size {
        for x in 0..size {
            for ky in 0..window {
                for kx in 0..window {
                    let (iy, ix) = (
                        (y + ky) as isize - g.rows.pad as isize,
                        (x + kx) as isize - g.cols.pad as isize,
                    );
                    if iy < 0 || ix < 0 || iy >= size as isize || ix >= size as isize {
                        continue;
                    }
                    for ci in 0..c {
                        let v = f64::from(input[(iy as usize * size + ix as usize) * c + ci]);
                        for o in 0..od {
                            let w = f64::from(filter[((ky * window + kx) * c + ci) * od + o]);
                            out[(y * size + x) * od + o] += v * w;
                        }
                    }
                }
            }
        }
    }
    out
}

fn convolve(g: &ConvGeometry, input: &[f32], filter: &[f32]) -> Vec<f32> {
    let allocator: Arc<dyn Allocator> = Arc::new(sessionflow_alloc::CpuAllocator::new(None));
    let mut out = vec![f32::NAN; g.rows.output * g.cols.output * g.out_depth];
    conv_nhwc(g, input, filter, &mut out, &allocator, &Plain).expect("scratch memory");
    out
}

#[test]
fn awake_and_sleeping_pools_give_the_same_values() {
    let cases = [
        // 16 rows (one block) by 256 columns, deeper than the direct kernel takes: the
        // product itself is split.
        geometry(4, 1, 1160, 256),
        // im2col (3·3·136 deep) in blocks of rows, smaller ones when awake.
        geometry(16, 3, 136, 96),
        // The direct kernel, split by rows only when awake (590k multiply-adds).
        geometry(16, 3, 8, 32),
        // ... and with more than 64 output channels (a 1×1 expansion, 74k).
        geometry(8, 1, 8, 144),
    ];
    for (i, g) in cases.iter().enumerate() {
        let window = g.rows.window;
        let input = values(g.rows.input * g.cols.input * g.in_depth, 7 + i as u32);
        let filter = values(window * window * g.in_depth * g.out_depth, 99 + i as u32);
        let asleep = convolve(g, &input, &filter);
        let awake = {
            let _awake = PoolAwake::new();
            convolve(g, &input, &filter)
        };
        let want = reference(g, &input, &filter);
        assert_eq!(
            awake.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            asleep.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "case {i}"
        );
        for (j, (&got, &want)) in awake.iter().zip(&want).enumerate() {
            let tolerance = 1e-5 * (g.in_depth * window * window) as f64;
            assert!(
                (f64::from(got) - want).abs() <= tolerance,
                "case {i}, element {j}: {got} vs {want}"
            );
        }
    }
}
