// Reduces the middle dim of x viewed as [outer, len, inner] (reduced dims not innermost), in
// chunks: out[o, c, i] = scale · COMBINE over k in [c·chunk, min((c+1)·chunk, len)) of
// x[o, k, i]. One invocation per output, neighbours reading neighbouring words. Long runs take
// several passes, the host feeding each pass's chunk results to the next; chunking spreads a
// long run over many invocations and keeps every loop under 65536 iterations, the most
// llvmpipe (lavapipe) runs before it ends a loop early.

struct Params {
    outer: u32,
    len: u32,
    inner: u32,
    chunk: u32,
    chunks: u32,
    scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
var<immediate> p: Params;

fn sum_of(u: f32, v: f32) -> f32 { return u + v; }
fn max_of(u: f32, v: f32) -> f32 { return select(u, v, is_nan(v) || (!is_nan(u) && v > u)); }

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let per_outer = p.chunks * p.inner;
    let n = p.outer * per_outer;
    let stride = grid_stride(groups, WORKGROUP);
    for (var t = gid.x; t < n; t += stride) {
        let o = t / per_outer;
        let c = (t % per_outer) / p.inner;
        let i = t % p.inner;
        let start = c * p.chunk;
        let end = min(start + p.chunk, p.len);
        let base = o * p.len * p.inner + i;
        var acc: f32 = {{IDENTITY}};
        for (var k = start; k < end; k++) {
            acc = {{COMBINE}}(acc, x[base + k * p.inner]);
        }
        out[t] = acc * p.scale;
    }
}
