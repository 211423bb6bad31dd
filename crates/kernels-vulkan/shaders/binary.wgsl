// out = OP(a, b) with NumPy broadcasting. The host collapses the shapes to at most 8 dims
// (innermost last); a stride of 0 repeats an operand along a broadcast dim.

alias T = {{T}};

struct Params {
    n: u32,
    rank: u32,
    dims: array<vec4<u32>, 2>,
    a_strides: array<vec4<u32>, 2>,
    b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<T>;
@group(0) @binding(1) var<storage, read> b: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;
var<immediate> p: Params;

fn op_add(x: T, y: T) -> T { return x + y; }
fn op_sub(x: T, y: T) -> T { return x - y; }
fn op_mul(x: T, y: T) -> T { return x * y; }
fn op_div(x: T, y: T) -> T { return x / y; }
// TensorFlow's Maximum and Minimum: NaN when either operand is NaN, `x` on ties.
fn op_maximum(x: T, y: T) -> T { return select(x, y, is_nan(y) || (!is_nan(x) && y > x)); }
fn op_minimum(x: T, y: T) -> T { return select(x, y, is_nan(y) || (!is_nan(x) && y < x)); }

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = grid_stride(groups, WORKGROUP);
    for (var i = gid.x; i < p.n; i += stride) {
        var rest = i;
        var ia = 0u;
        var ib = 0u;
        for (var d = p.rank; d > 0u; d--) {
            let k = d - 1u;
            let dim = p.dims[k / 4u][k % 4u];
            let coord = rest % dim;
            rest = rest / dim;
            ia += coord * p.a_strides[k / 4u][k % 4u];
            ib += coord * p.b_strides[k / 4u][k % 4u];
        }
        out[i] = {{OP}}(a[ia], b[ib]);
    }
}
