//! A small ONNX graph writer: nodes, typed graph inputs/outputs, and initializers stored as
//! external data (`model.onnx.data`, ONNX external data spec:
//! <https://github.com/onnx/onnx/blob/main/docs/ExternalData.md>). Protobuf types from the
//! `onnx-protobuf` crate.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataLocation, tensor_shape_proto, type_proto,
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
    StringStringEntryProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

/// ONNX `TensorProto.DataType` codes.
pub mod dtype {
    pub const FLOAT: i32 = 1;
    pub const UINT8: i32 = 2;
    pub const INT32: i32 = 6;
    pub const INT64: i32 = 7;
    pub const FLOAT16: i32 = 10;
}

/// An attribute value.
pub enum Attr {
    Int(i64),
    Float(f32),
    Ints(Vec<i64>),
    Str(&'static str),
}

/// A dimension of a graph input/output.
pub enum Dim {
    Fixed(i64),
    Named(&'static str),
}

/// Builds one graph; initializer bytes go straight to the external data file.
pub struct GraphWriter {
    graph: GraphProto,
    data: BufWriter<File>,
    data_name: String,
    offset: u64,
    counter: usize,
}

impl GraphWriter {
    /// Start a graph whose external data file is `data_path` (its file name is recorded).
    pub fn new(data_path: &Path) -> Result<GraphWriter> {
        let f =
            File::create(data_path).with_context(|| format!("creating {}", data_path.display()))?;
        Ok(GraphWriter {
            graph: GraphProto {
                name: "main_graph".into(),
                ..Default::default()
            },
            data: BufWriter::with_capacity(1 << 20, f),
            data_name: data_path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            offset: 0,
            counter: 0,
        })
    }

    /// Add an initializer from raw little-endian bytes.
    pub fn initializer(
        &mut self,
        name: &str,
        data_type: i32,
        dims: &[usize],
        bytes: &[u8],
    ) -> Result<String> {
        // Align each tensor to 64 bytes so ONNX Runtime can map it without copies.
        let pad = (64 - (self.offset % 64)) % 64;
        self.data.write_all(&vec![0u8; pad as usize])?;
        self.offset += pad;
        let entry = |k: &str, v: String| StringStringEntryProto {
            key: k.into(),
            value: v,
            ..Default::default()
        };
        let t = TensorProto {
            name: name.into(),
            data_type,
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_location: DataLocation::EXTERNAL.into(),
            external_data: vec![
                entry("location", self.data_name.clone()),
                entry("offset", self.offset.to_string()),
                entry("length", bytes.len().to_string()),
            ],
            ..Default::default()
        };
        self.data.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        self.graph.initializer.push(t);
        Ok(name.to_string())
    }

    /// Add a float32 initializer.
    pub fn f32(&mut self, name: &str, dims: &[usize], values: &[f32]) -> Result<String> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(name, dtype::FLOAT, dims, &bytes)
    }

    /// Add a float16 initializer from f32 values (rounded to nearest even).
    pub fn f16(&mut self, name: &str, dims: &[usize], values: &[f32]) -> Result<String> {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        self.initializer(name, dtype::FLOAT16, dims, &bytes)
    }

    /// Add a small int64 constant stored inline.
    pub fn i64_const(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let t = TensorProto {
            name: name.into(),
            data_type: dtype::INT64,
            dims: dims.iter().map(|&d| d as i64).collect(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Default::default()
        };
        self.graph.initializer.push(t);
        name.to_string()
    }

    /// Add a node; returns its output names (`outputs` of `""` stay unused optional outputs).
    pub fn node(
        &mut self,
        op: &str,
        domain: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: &[(&str, Attr)],
    ) -> Vec<String> {
        self.counter += 1;
        let attribute = attrs
            .iter()
            .map(|(n, a)| {
                let mut p = AttributeProto {
                    name: (*n).into(),
                    ..Default::default()
                };
                match a {
                    Attr::Int(i) => {
                        p.type_ = AttributeType::INT.into();
                        p.i = *i;
                    }
                    Attr::Float(f) => {
                        p.type_ = AttributeType::FLOAT.into();
                        p.f = *f;
                    }
                    Attr::Ints(v) => {
                        p.type_ = AttributeType::INTS.into();
                        p.ints = v.clone();
                    }
                    Attr::Str(v) => {
                        p.type_ = AttributeType::STRING.into();
                        p.s = v.as_bytes().to_vec();
                    }
                }
                p
            })
            .collect();
        self.graph.node.push(NodeProto {
            name: format!("{op}_{}", self.counter),
            op_type: op.into(),
            domain: domain.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.iter().map(|s| s.to_string()).collect(),
            attribute,
            ..Default::default()
        });
        outputs.iter().map(|s| s.to_string()).collect()
    }

    fn value_info(name: &str, elem_type: i32, dims: &[Dim]) -> ValueInfoProto {
        let dim = dims
            .iter()
            .map(|d| tensor_shape_proto::Dimension {
                value: Some(match d {
                    Dim::Fixed(v) => tensor_shape_proto::dimension::Value::DimValue(*v),
                    Dim::Named(s) => tensor_shape_proto::dimension::Value::DimParam((*s).into()),
                }),
                ..Default::default()
            })
            .collect();
        ValueInfoProto {
            name: name.into(),
            type_: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type,
                    shape: Some(TensorShapeProto {
                        dim,
                        ..Default::default()
                    })
                    .into(),
                    ..Default::default()
                })),
                ..Default::default()
            })
            .into(),
            ..Default::default()
        }
    }

    /// Declare a graph input.
    pub fn input(&mut self, name: &str, elem_type: i32, dims: &[Dim]) {
        self.graph
            .input
            .push(Self::value_info(name, elem_type, dims));
    }

    /// Declare a graph output.
    pub fn output(&mut self, name: &str, elem_type: i32, dims: &[Dim]) {
        self.graph
            .output
            .push(Self::value_info(name, elem_type, dims));
    }

    /// Write `model.onnx` (IR 10, opsets ai.onnx 21 and com.microsoft 1) and flush the data file.
    pub fn finish(mut self, model_path: &Path, producer: &str) -> Result<()> {
        self.data.flush()?;
        let opset = |domain: &str, version: i64| OperatorSetIdProto {
            domain: domain.into(),
            version,
            ..Default::default()
        };
        let model = ModelProto {
            ir_version: 10,
            producer_name: producer.into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            opset_import: vec![opset("", 21), opset("com.microsoft", 1)],
            graph: Some(self.graph).into(),
            ..Default::default()
        };
        let bytes = model.write_to_bytes().context("encoding the ONNX model")?;
        std::fs::write(model_path, bytes)
            .with_context(|| format!("writing {}", model_path.display()))?;
        Ok(())
    }
}
