// MaxPool and AvgPool over NHWC float32, one invocation per output element. Only the window's
// in-bounds elements count: Max starts from the lowest finite value and keeps the larger (so
// NaN never wins, as TensorFlow's CPU kernel), Avg divides by how many there were.

struct Params {
    total: u32,
    h: u32,
    w: u32,
    c: u32,
    oh: u32,
    ow: u32,
    kh: u32,
    kw: u32,
    stride_h: u32,
    stride_w: u32,
    pad_top: u32,
    pad_left: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
var<immediate> p: Params;

const WORKGROUP: u32 = 256u;

fn start_max() -> f32 { return LOWEST; }
fn add_max(acc: f32, v: f32) -> f32 { return select(acc, v, v > acc); }
fn end_max(acc: f32, count: u32) -> f32 { return acc; }
fn start_avg() -> f32 { return 0.0; }
fn add_avg(acc: f32, v: f32) -> f32 { return acc + v; }
fn end_avg(acc: f32, count: u32) -> f32 { return acc / f32(count); }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = grid_stride(groups, WORKGROUP);
    for (var i = gid.x; i < p.total; i += stride) {
        let ch = i % p.c;
        let pixel = i / p.c;
        let ox = pixel % p.ow;
        let t = pixel / p.ow;
        let oy = t % p.oh;
        let image = t / p.oh;
        // The window clipped to the image.
        let top = i32(oy * p.stride_h) - i32(p.pad_top);
        let left = i32(ox * p.stride_w) - i32(p.pad_left);
        let y0 = u32(max(top, 0));
        let y1 = u32(clamp(top + i32(p.kh), 0, i32(p.h)));
        let x0 = u32(max(left, 0));
        let x1 = u32(clamp(left + i32(p.kw), 0, i32(p.w)));
        var acc = start_{{OP}}();
        for (var y = y0; y < y1; y++) {
            for (var x = x0; x < x1; x++) {
                acc = add_{{OP}}(acc, input[((image * p.h + y) * p.w + x) * p.c + ch]);
            }
        }
        let count = select(0u, y1 - y0, y1 > y0) * select(0u, x1 - x0, x1 > x0);
        out[i] = end_{{OP}}(acc, count);
    }
}
