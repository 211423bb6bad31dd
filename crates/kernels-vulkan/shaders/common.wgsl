// Put in front of every shader by build.rs.
//
// NaN and infinity are made and tested through their bits: drivers may compile float
// comparisons without preserving NaN (`x != x` can fold to false), but never integer ones.

fn is_nan(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

fn neg_infinity() -> f32 {
    return bitcast<f32>(0xff800000u);
}

// The most negative finite f32: what TensorFlow's MaxPool starts from (a window of -inf or NaN
// gives it; its Max reduction starts from -inf instead).
const LOWEST: f32 = -3.40282347e+38;

// Workgroups along x of a 1-D dispatch are capped at 65535 (the least every device allows);
// larger problems loop over their elements with the whole grid's stride.
fn grid_stride(num_workgroups: vec3<u32>, workgroup_size: u32) -> u32 {
    return num_workgroups.x * workgroup_size;
}
