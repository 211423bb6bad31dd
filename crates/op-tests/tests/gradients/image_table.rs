//! Gradient cases of image resizing, of the space/batch block moves and of the older batch
//! normalisations (this session's ops).

use super::checker::{Gen, GradCase};
use Gen::Uniform;
use sessionflow_op_tests::core::{AttrValue, DType};

fn u() -> Gen {
    Uniform(-1.0, 1.0)
}

/// A resize case in one pixel mapping: (align_corners, half_pixel_centers).
fn resize(op: &str, label: &str, (align, half): (bool, bool)) -> GradCase {
    GradCase::new(op)
        .label(label)
        .attr("align_corners", AttrValue::Bool(align))
        .attr("half_pixel_centers", AttrValue::Bool(half))
}

const MAPPINGS: [(&str, (bool, bool)); 3] =
    [("legacy", (false, false)), ("align corners", (true, false)), ("half pixel", (false, true))];

fn batch_norm(op: &str, label: &str, training: bool) -> GradCase {
    let case = GradCase::new(op)
        .label(label)
        .dtype(DType::Float32)
        .diff(&[2, 3, 3, 2], Uniform(-2.0, 2.0))
        .diff(&[2], Uniform(0.5, 1.5))
        .diff(&[2], u())
        .attr("is_training", AttrValue::Bool(training))
        .weigh(&[0]);
    if training {
        case.floats(&[0], &[]).floats(&[0], &[])
    } else {
        case.floats(&[2], &[0.3, -0.2]).floats(&[2], &[0.8, 1.7])
    }
}

pub fn cases() -> Vec<GradCase> {
    let mut cases = Vec::new();
    for (label, mapping) in MAPPINGS {
        // The bilinear resize computes in f32 whatever its input, so its differences are f32's.
        cases.push(
            resize("ResizeBilinear", label, mapping)
                .diff(&[1, 3, 4, 2], u())
                .ints(&[2], &[5, 3])
                .precision(1e-2, 1e-3),
        );
        cases.push(
            resize("ResizeNearestNeighbor", label, mapping)
                .diff(&[1, 3, 4, 2], u())
                .ints(&[2], &[5, 7]),
        );
        cases.push(
            resize("ResizeBilinearGrad", label, mapping)
                .dtype(DType::Float32)
                .diff(&[1, 5, 3, 2], u())
                .floats(&[1, 3, 4, 2], &[0.0; 24])
                .precision(1e-2, 1e-3),
        );
        cases.push(
            resize("ResizeNearestNeighborGrad", label, mapping)
                .diff(&[1, 5, 7, 2], u())
                .ints(&[2], &[3, 4]),
        );
    }
    cases.extend([
        GradCase::new("SpaceToBatchND")
            .diff(&[2, 3, 4, 1], u())
            .ints(&[2], &[2, 2])
            .ints(&[2, 2], &[1, 0, 0, 2]),
        GradCase::new("BatchToSpaceND")
            .diff(&[8, 2, 3, 1], u())
            .ints(&[2], &[2, 2])
            .ints(&[2, 2], &[1, 0, 0, 2]),
        batch_norm("FusedBatchNorm", "inference", false),
        batch_norm("FusedBatchNorm", "training", true),
        batch_norm("FusedBatchNormV2", "inference", false),
        batch_norm("FusedBatchNormV2", "training", true),
    ]);
    cases
}
