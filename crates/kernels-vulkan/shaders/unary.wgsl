// out = OP(x), elementwise over float32. `x` and `out` may be the same memory (an input
// forwarded in place): each element is read before it is written, by one invocation.

struct Params {
    n: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
var<immediate> p: Params;

// max(x, 0) keeping NaN and -0, as TensorFlow's CPU kernel (`x < 0 ? 0 : x`).
fn op_relu(v: f32) -> f32 { return select(v, 0.0, v < 0.0); }
// min(max(x, 0), 6), NaN kept.
fn op_relu6(v: f32) -> f32 { return select(select(v, 0.0, v < 0.0), 6.0, v > 6.0); }
fn op_neg(v: f32) -> f32 { return -v; }
fn op_exp(v: f32) -> f32 { return exp(v); }
// SPIR-V leaves log undefined for x <= 0: TensorFlow's values are spelled out.
fn op_log(v: f32) -> f32 {
    if (is_nan(v) || v < 0.0) {
        return nan();
    }
    if (v == 0.0) {
        return neg_infinity();
    }
    return log(v);
}
// tanh through e^(-2|x|), which cannot overflow (a driver's tanh may compute inf/inf = NaN
// for large |x|); below 2^-4 a short series keeps the relative precision the difference
// 1 - e^(-2|x|) would lose.
fn op_tanh(v: f32) -> f32 {
    let a = abs(v);
    if (a < 0.0625) {
        let s = v * v;
        return v * (1.0 + s * (-1.0 / 3.0 + s * (2.0 / 15.0 + s * (-17.0 / 315.0))));
    }
    let e = exp(-2.0 * a);
    let t = (1.0 - e) / (1.0 + e);
    return select(t, -t, v < 0.0);
}
// 1 / (1 + e^-x) through e^-|x|, which cannot overflow.
fn op_sigmoid(v: f32) -> f32 {
    let e = exp(-abs(v));
    let s = 1.0 / (1.0 + e);
    return select(e * s, s, v >= 0.0);
}

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = grid_stride(groups, WORKGROUP);
    for (var i = gid.x; i < p.n; i += stride) {
        out[i] = {{OP}}(x[i]);
    }
}
