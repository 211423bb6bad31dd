// Reduces rows that are contiguous in memory (the reduced dims innermost), in chunks:
// out[r, c] = scale · COMBINE over x[r·len + c·chunk ..][..chunk] (the last chunk shorter).
// One workgroup per (row, chunk) item (items beyond the grid are taken in turn): each
// invocation folds a strided share of the chunk, then a tree in workgroup memory. Long rows
// take several passes, the host feeding each pass's chunk results to the next; chunking also
// keeps every loop under 65536 iterations, the most llvmpipe (lavapipe) runs before it ends a
// loop early.

struct Params {
    rows: u32,
    len: u32,
    chunk: u32,
    chunks: u32,
    scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
var<immediate> p: Params;

fn sum_of(u: f32, v: f32) -> f32 { return u + v; }
// NaN wins, as in TensorFlow's CPU Max.
fn max_of(u: f32, v: f32) -> f32 { return select(u, v, is_nan(v) || (!is_nan(u) && v > u)); }

const WORKGROUP: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lane: u32,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let items = p.rows * p.chunks;
    for (var item = wid.x; item < items; item += groups.x) {
        let row = item / p.chunks;
        let start = (item % p.chunks) * p.chunk;
        let end = min(start + p.chunk, p.len);
        let base = row * p.len;
        var acc: f32 = {{IDENTITY}};
        for (var i = start + lane; i < end; i += WORKGROUP) {
            acc = {{COMBINE}}(acc, x[base + i]);
        }
        partial[lane] = acc;
        workgroupBarrier();
        for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
            if (lane < half) {
                partial[lane] = {{COMBINE}}(partial[lane], partial[lane + half]);
            }
            workgroupBarrier();
        }
        if (lane == 0u) {
            out[item] = partial[0] * p.scale;
        }
        // Lane 0 reads partial[0] before the next item overwrites it.
        workgroupBarrier();
    }
}
