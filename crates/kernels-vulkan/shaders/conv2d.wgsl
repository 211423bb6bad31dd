// Conv2D over NHWC float32 as an implicit GEMM: C[m, oc] = P[m, k] · F[k, oc], with
// m = (image, out row, out col), k = (filter row, filter col, in channel), P the input's
// patches (never materialised: each tile of P is gathered from the input as it is staged)
// and F the filter, [kh, kw, ic, oc] being already row-major [k, oc]. C is the NHWC output.
// Grouped convolutions run one group per workgroup layer z: group g reads input channels
// [g·fd, (g + 1)·fd) and computes output channels [g·n, (g + 1)·n) (n = oc / groups). Rows
// start at row_base, so outputs past the dispatch limit on y take more than one dispatch.
//
// The tiling is matmul.wgsl's: 16×16 invocations compute a 64×64 tile of C, 4×4 each, over
// slices of 16 along k staged in workgroup memory. Padding reads as zero.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    h: u32,
    w: u32,
    ic: u32,
    fd: u32,
    oc: u32,
    oh: u32,
    ow: u32,
    kw: u32,
    stride_h: u32,
    stride_w: u32,
    dilation_h: u32,
    dilation_w: u32,
    pad_top: u32,
    pad_left: u32,
    row_base: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
var<immediate> p: Params;

const TILE: u32 = 64u;
const SLICE: u32 = 16u;
var<workgroup> a_tile: array<f32, 1024>;
var<workgroup> b_tile: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) flat: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = p.row_base + wid.y * TILE;
    let col0 = wid.x * TILE;
    let in_channel0 = wid.z * p.fd;
    let out_channel0 = wid.z * p.n;
    // Each invocation stages the same four patch rows (flat / 16 + 16l) at the same k offset
    // (flat % 16) in every slice: where those rows' windows start is worked out once.
    let ak = flat % SLICE;
    var image: array<u32, 4>;
    var top: array<i32, 4>;
    var left: array<i32, 4>;
    var live: array<bool, 4>;
    for (var l = 0u; l < 4u; l++) {
        let gi = row0 + flat / SLICE + 16u * l;
        live[l] = gi < p.m;
        let ox = gi % p.ow;
        let t = gi / p.ow;
        let oy = t % p.oh;
        image[l] = t / p.oh;
        top[l] = i32(oy * p.stride_h) - i32(p.pad_top);
        left[l] = i32(ox * p.stride_w) - i32(p.pad_left);
    }
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < p.k; k0 += SLICE) {
        let gk = k0 + ak;
        let ci = in_channel0 + gk % p.fd;
        let tap = gk / p.fd;
        let dy = i32((tap / p.kw) * p.dilation_h);
        let dx = i32((tap % p.kw) * p.dilation_w);
        for (var l = 0u; l < 4u; l++) {
            let am = flat / SLICE + 16u * l;
            let iy = top[l] + dy;
            let ix = left[l] + dx;
            var av = 0.0;
            if (live[l] && gk < p.k && iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
                av = input[((image[l] * p.h + u32(iy)) * p.w + u32(ix)) * p.ic + ci];
            }
            a_tile[ak * TILE + am] = av;
            // Filter slice: oc fastest, along the filter's rows.
            let e = flat + l * 256u;
            let bk = e / TILE;
            let bn = e % TILE;
            let gj = col0 + bn;
            let gk2 = k0 + bk;
            var bv = 0.0;
            if (gj < p.n && gk2 < p.k) {
                bv = weights[gk2 * p.oc + out_channel0 + gj];
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
    let col = col0 + lid.x;
    store_row(row0 + lid.y, out_channel0, col, acc0);
    store_row(row0 + lid.y + 16u, out_channel0, col, acc1);
    store_row(row0 + lid.y + 32u, out_channel0, col, acc2);
    store_row(row0 + lid.y + 48u, out_channel0, col, acc3);
}

// Row `i` of the 4×4 block: the group's output channels j, j + 16, j + 32, j + 48, where
// they exist, at `first` + those in the output.
fn store_row(i: u32, first: u32, j: u32, v: vec4<f32>) {
    if (i >= p.m) {
        return;
    }
    let row = i * p.oc + first;
    for (var t = 0u; t < 4u; t++) {
        let col = j + 16u * t;
        if (col < p.n) {
            c[row + col] = v[t];
        }
    }
}
