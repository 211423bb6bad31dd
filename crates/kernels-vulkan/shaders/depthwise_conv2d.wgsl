// DepthwiseConv2dNative over NHWC float32: output channel c·mult + q of each pixel is input
// channel c's window dotted with weights[·, ·, c, q]; one invocation per output element (the
// window is small and each output reads its own taps). Padding reads as zero.

struct Params {
    total: u32,
    h: u32,
    w: u32,
    ic: u32,
    mult: u32,
    oh: u32,
    ow: u32,
    kh: u32,
    kw: u32,
    stride_h: u32,
    stride_w: u32,
    dilation_h: u32,
    dilation_w: u32,
    pad_top: u32,
    pad_left: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<immediate> p: Params;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = grid_stride(groups, WORKGROUP);
    let oc = p.ic * p.mult;
    for (var i = gid.x; i < p.total; i += stride) {
        let co = i % oc;
        let pixel = i / oc;
        let ox = pixel % p.ow;
        let t = pixel / p.ow;
        let oy = t % p.oh;
        let image = t / p.oh;
        let ci = co / p.mult;
        let top = i32(oy * p.stride_h) - i32(p.pad_top);
        let left = i32(ox * p.stride_w) - i32(p.pad_left);
        var acc = 0.0;
        for (var ky = 0u; ky < p.kh; ky++) {
            let iy = top + i32(ky * p.dilation_h);
            if (iy < 0 || iy >= i32(p.h)) {
                continue;
            }
            for (var kx = 0u; kx < p.kw; kx++) {
                let ix = left + i32(kx * p.dilation_w);
                if (ix < 0 || ix >= i32(p.w)) {
                    continue;
                }
                let x = input[((image * p.h + u32(iy)) * p.w + u32(ix)) * p.ic + ci];
                acc += x * weights[(ky * p.kw + kx) * oc + co];
            }
        }
        out[i] = acc;
    }
}
