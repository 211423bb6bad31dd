//! Shape, ShapeN, Size, Rank and Cast.

use super::{FLAT, any_tensor, assert_any, strings};
use half::{bf16, f16};
use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{OpCase, assert_values, string_tensor, tensor, tensor_of};

#[test]
fn shape_size_and_rank_of_every_dtype() {
    for dtype in FLAT.into_iter().chain([DType::String]) {
        let x = || any_tensor(dtype, &[2, 3], &[0.; 6]);
        assert_values(&OpCase::new("Shape").input_tensor(x()).output(), &[2], &[2i32, 3]);
        let t = OpCase::new("Shape").input_tensor(x()).attr_type("out_type", DType::Int64).output();
        assert_values(&t, &[2], &[2i64, 3]);
        assert_values(&OpCase::new("Size").input_tensor(x()).output(), &[], &[6i32]);
        let t = OpCase::new("Size").input_tensor(x()).attr_type("out_type", DType::Int64).output();
        assert_values(&t, &[], &[6i64]);
        assert_values(&OpCase::new("Rank").input_tensor(x()).output(), &[], &[2i32]);
    }
    let scalar = || tensor(&[], &[1f32]);
    assert_values::<i32>(&OpCase::new("Shape").input_tensor(scalar()).output(), &[0], &[]);
    assert_values(&OpCase::new("Rank").input_tensor(scalar()).output(), &[], &[0i32]);
    assert_values(&OpCase::new("Size").input(&[4, 0], &[] as &[u8]).output(), &[], &[0i32]);
}

#[test]
fn shape_n_gives_one_shape_per_input() {
    let out = OpCase::new("ShapeN")
        .input(&[2, 3], &[0f32; 6])
        .input(&[], &[1f32])
        .input(&[4], &[0f32; 4])
        .attr_type("out_type", DType::Int64)
        .outputs();
    assert_eq!(out.len(), 3);
    assert_values(&out[0], &[2], &[2i64, 3]);
    assert_values::<i64>(&out[1], &[0], &[]);
    assert_values(&out[2], &[1], &[4i64]);
    OpCase::new("ShapeN").expect_error(Code::InvalidArgument, "");
}

#[test]
fn int32_shapes_must_fit() {
    // An empty tensor may have a dimension past int32.
    let x = || tensor::<f32>(&[3_000_000_000, 0], &[]);
    OpCase::new("Shape").input_tensor(x()).expect_error(
        Code::InvalidArgument,
        "Shape output type is 32-bit  but dim 0 is 3000000000",
    );
    let t = OpCase::new("Shape").input_tensor(x()).attr_type("out_type", DType::Int64).output();
    assert_values(&t, &[2], &[3_000_000_000i64, 0]);
    OpCase::new("Shape")
        .input_tensor(x())
        .attr_type("out_type", DType::Float32)
        .expect_error(Code::InvalidArgument, "out_type");
}

fn cast(x: sessionflow_op_tests::core::Tensor, dst: DType) -> OpCase {
    OpCase::new("Cast").input_tensor(x).attr_type("DstT", dst)
}

#[test]
fn cast_between_every_pair_of_dtypes() {
    for src in FLAT {
        for dst in FLAT {
            // 0, 1, 3, 100 fit every dtype; bools hold 0, 1, 1, 1 and give them back.
            let x = tensor_of(src, &[4], &[0., 1., 3., 100.]);
            let want: &[f64] = if src == DType::Bool || dst == DType::Bool {
                &[0., 1., 1., 1.]
            } else {
                &[0., 1., 3., 100.]
            };
            assert_any(&cast(x, dst).output(), dst, &[4], want);
        }
        let empty = tensor_of(src, &[0, 2], &[]);
        assert_any(&cast(empty, DType::Float32).output(), DType::Float32, &[0, 2], &[]);
    }
}

#[test]
fn cast_edge_values() {
    // Floats truncate toward zero; out of range saturates and NaN gives 0 (TF on x86 gives
    // INT_MIN for NaN and overflow: sessionflow follows Rust's `as` here).
    let x = tensor(&[6], &[1.7f32, -1.7, f32::NAN, 3e9, -3e9, f32::INFINITY]);
    assert_values(&cast(x, DType::Int32).output(), &[6], &[1, -1, 0, i32::MAX, i32::MIN, i32::MAX]);
    let x = tensor(&[4], &[1.7f32, -1.7, 300., 255.9]);
    assert_values(&cast(x, DType::UInt8).output(), &[4], &[1u8, 0, 255, 255]);
    // Integers wrap as C++ static_cast (TF: [44, 127, 127]).
    assert_values(
        &cast(tensor(&[3], &[300i32, -129, 127]), DType::Int8).output(),
        &[3],
        &[44i8, 127, 127],
    );
    assert_values(&cast(tensor(&[2], &[-1i64, 256]), DType::UInt8).output(), &[2], &[255u8, 0]);
    // To bool: x != 0, NaN is true (TF).
    let x = tensor(&[4], &[0f32, -0., f32::NAN, 0.1]);
    assert_values(&cast(x, DType::Bool).output(), &[4], &[false, false, true, true]);
    // TF: int64 [2049, 65520, 100000] to float16 is [2048, inf, inf].
    let t = cast(tensor(&[3], &[2049i64, 65520, 100_000]), DType::Float16).output();
    let inf = f16::INFINITY;
    assert_values(&t, &[3], &[f16::from_f32(2048.), inf, inf]);
    // TF: float64 to float16 rounds through float32: 1 + 2^-11 + 2^-40 gives 1.
    let t = cast(tensor(&[1], &[1.0 + 2f64.powi(-11) + 2f64.powi(-40)]), DType::Float16).output();
    assert_values(&t, &[1], &[f16::ONE]);
    assert_values(
        &cast(tensor(&[2], &[bf16::from_f32(2.5), bf16::from_f32(-2.5)]), DType::Int32).output(),
        &[2],
        &[2, -2],
    );
}

#[test]
fn cast_truncate_rounds_toward_zero_where_tf_does() {
    let trunc = |x, dst| cast(x, dst).attr_bool("Truncate", true).output();
    let x = || tensor(&[3], &[1.0 + 2f32.powi(-8) + 2f32.powi(-9), 1.999_999_9, -1.999_999_9]);
    // TF's bits: truncated [1, 1.9921875, -1.9921875], rounded [1.0078125, 2, -2].
    let bits = |t: &sessionflow_op_tests::core::Tensor| -> Vec<u16> {
        t.as_slice::<bf16>().unwrap().iter().map(|v| v.to_bits()).collect()
    };
    assert_eq!(bits(&trunc(x(), DType::BFloat16)), [0x3f80, 0x3fff, 0xbfff]);
    assert_eq!(bits(&cast(x(), DType::BFloat16).output()), [0x3f81, 0x4000, 0xc000]);
    // TF: [1.9999999, 65519, 1e-7] to float16 truncated is [0x3fff, 0x7bff, 0x0002].
    let t = trunc(tensor(&[3], &[1.999_999_9f32, 65519., 1e-7]), DType::Float16);
    let v: Vec<u16> = t.as_slice::<f16>().unwrap().iter().map(|v| v.to_bits()).collect();
    assert_eq!(v, [0x3fff, 0x7bff, 0x0002]);
    // TF: float64 to float32 truncated: 0.1 gives 0.099999994.
    let t = trunc(tensor(&[2], &[1.999_999_999_99f64, 0.1]), DType::Float32);
    assert_values(&t, &[2], &[1.999_999_9f32, 0.099_999_994]);
    // TF does not truncate float64 to bfloat16: 1.99 still rounds to 0x3fff.
    assert_eq!(bits(&trunc(tensor(&[1], &[1.99f64]), DType::BFloat16)), [0x3fff]);
}

#[test]
fn string_casts() {
    cast(string_tensor(&[1], &["a"]), DType::Float32)
        .expect_error(Code::Unimplemented, "Cast string to float32 is not supported");
    cast(tensor(&[1], &[1f32]), DType::String)
        .expect_error(Code::Unimplemented, "Cast float32 to string is not supported");
    let t = cast(string_tensor(&[2], &["a", "b"]), DType::String).output();
    assert_eq!(strings(&t), ["a", "b"]);
}
