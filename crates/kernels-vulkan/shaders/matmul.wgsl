// C[batch] = A[batch] · B[batch], float32, tiled through workgroup memory.
//
// A workgroup of 16×16 invocations computes a 64×64 tile of C; each invocation accumulates a
// 4×4 block, at rows ty + 16i and columns tx + 16j (spread so neighbouring invocations read
// neighbouring words of the tiles). K is walked in slices of 16: the workgroup stages a 64×16
// slice of A and a 16×64 slice of B, then every invocation reads them from workgroup memory.
//
// A and B are addressed through strides, so transposed operands need no copy: element (i, k)
// of A is a[a_off + batch·a_batch + i·a_row + k·a_col]. C is dense, row-major, from c_off.
// The offsets let BatchMatMul address one slab of broadcast batches per dispatch.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    a_row: u32,
    a_col: u32,
    b_row: u32,
    b_col: u32,
    a_batch: u32,
    b_batch: u32,
    c_batch: u32,
    a_off: u32,
    b_off: u32,
    c_off: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
var<immediate> p: Params;

const TILE: u32 = 64u;
const SLICE: u32 = 16u;
// Stored [k][m] and [k][n]: the inner loop reads one row of each per k.
var<workgroup> a_tile: array<f32, 1024>;
var<workgroup> b_tile: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) flat: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    let a_base = p.a_off + wid.z * p.a_batch;
    let b_base = p.b_off + wid.z * p.b_batch;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < p.k; k0 += SLICE) {
        // 1024 elements per tile, 256 invocations: four loads each.
        for (var l = 0u; l < 4u; l++) {
            let e = flat + l * 256u;
            // A slice: k fastest, so a row-major A is read along its rows.
            let am = e / SLICE;
            let ak = e % SLICE;
            let gi = row0 + am;
            let gk = k0 + ak;
            var av = 0.0;
            if (gi < p.m && gk < p.k) {
                av = a[a_base + gi * p.a_row + gk * p.a_col];
            }
            a_tile[ak * TILE + am] = av;
            // B slice: n fastest, so a row-major B is read along its rows.
            let bk = e / TILE;
            let bn = e % TILE;
            let gj = col0 + bn;
            let gk2 = k0 + bk;
            var bv = 0.0;
            if (gj < p.n && gk2 < p.k) {
                bv = b[b_base + gk2 * p.b_row + gj * p.b_col];
            }
            b_tile[bk * TILE + bn] = bv;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < SLICE; kk++) {
            let ar = kk * TILE + lid.y;
            let br = kk * TILE + lid.x;
            let bv = vec4<f32>(b_tile[br], b_tile[br + 16u], b_tile[br + 32u], b_tile[br + 48u]);
            acc0 += a_tile[ar] * bv;
            acc1 += a_tile[ar + 16u] * bv;
            acc2 += a_tile[ar + 32u] * bv;
            acc3 += a_tile[ar + 48u] * bv;
        }
        workgroupBarrier();
    }
    let c_base = p.c_off + wid.z * p.c_batch;
    store_row(c_base, row0 + lid.y, col0 + lid.x, acc0);
    store_row(c_base, row0 + lid.y + 16u, col0 + lid.x, acc1);
    store_row(c_base, row0 + lid.y + 32u, col0 + lid.x, acc2);
    store_row(c_base, row0 + lid.y + 48u, col0 + lid.x, acc3);
}

// Row `i` of the 4×4 block: columns j, j + 16, j + 32, j + 48, where they exist.
fn store_row(base: u32, i: u32, j: u32, v: vec4<f32>) {
    if (i >= p.m) {
        return;
    }
    let row = base + i * p.n;
    for (var t = 0u; t < 4u; t++) {
        let col = j + 16u * t;
        if (col < p.n) {
            c[row + col] = v[t];
        }
    }
}
