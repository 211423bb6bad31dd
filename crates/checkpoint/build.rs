//! Compiles proto/tensor_bundle.proto with protox (a protobuf compiler in Rust, so no `protoc`
//! is needed at build time) into prost types. The schema imports crates/graphdef's graph.proto
//! for DataType, TensorShapeProto and VersionDef; only those are generated from it, so this
//! crate does not carry a second copy of the GraphDef messages.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/tensor_bundle.proto");
    println!("cargo:rerun-if-changed=../graphdef/proto/graph.proto");
    let mut descriptors = protox::compile(["tensor_bundle.proto"], ["proto", "../graphdef/proto"])?;
    for file in &mut descriptors.file {
        if file.name() == "graph.proto" {
            file.message_type.retain(|m| matches!(m.name(), "TensorShapeProto" | "VersionDef"));
            file.enum_type.retain(|e| e.name() == "DataType");
            // Comments are found by message index, which the pruning changed.
            file.source_code_info = None;
        }
    }
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
