// Softmax over the innermost axis: out[r, j] = e^(x[r, j] - m) / Σ_j e^(x[r, j] - m), m the
// row's maximum, as TensorFlow computes it. One workgroup per row (rows beyond the grid are
// taken in turn): a tree for the maximum, one for the sum, then the quotients.

struct Params {
    rows: u32,
    len: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
var<immediate> p: Params;

const WORKGROUP: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

fn max_nan(u: f32, v: f32) -> f32 { return select(u, v, is_nan(v) || (!is_nan(u) && v > u)); }

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lane: u32,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    for (var row = wid.x; row < p.rows; row += groups.x) {
        let base = row * p.len;
        var m = neg_infinity();
        for (var i = lane; i < p.len; i += WORKGROUP) {
            m = max_nan(m, x[base + i]);
        }
        partial[lane] = m;
        workgroupBarrier();
        for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
            if (lane < half) {
                partial[lane] = max_nan(partial[lane], partial[lane + half]);
            }
            workgroupBarrier();
        }
        let row_max = partial[0];
        workgroupBarrier();
        var s = 0.0;
        for (var i = lane; i < p.len; i += WORKGROUP) {
            s += exp(x[base + i] - row_max);
        }
        partial[lane] = s;
        workgroupBarrier();
        for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
            if (lane < half) {
                partial[lane] += partial[lane + half];
            }
            workgroupBarrier();
        }
        let total = partial[0];
        for (var i = lane; i < p.len; i += WORKGROUP) {
            out[base + i] = exp(x[base + i] - row_max) / total;
        }
        workgroupBarrier();
    }
}
