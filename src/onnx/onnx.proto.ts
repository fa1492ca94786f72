/**
 * The ONNX protobuf schema (onnx.proto + onnx-data.proto, IR version 11+, proto2) as a protobufjs JSON
 * descriptor, so it ships with the package without a .proto build step. Written for TensorJet from the
 * message/field definitions of the ONNX project (https://github.com/onnx/onnx, onnx/onnx.proto and
 * onnx/onnx-data.proto, Copyright (c) ONNX Project Contributors, Apache-2.0 license): names, numbers and
 * types follow the official schema; comments, deprecated ValueProto and training-only details omitted.
 */
type F = { type: string; id: number; rule?: 'repeated'; options?: { packed?: boolean } };
const f = (type: string, id: number): F => ({ type, id });
const r = (type: string, id: number, packed = false): F => ({ type, id, rule: 'repeated', ...(packed ? { options: { packed: true } } : {}) });

export const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: f('string', 1), ref_attr_name: f('string', 21), doc_string: f('string', 13),
            type: f('AttributeType', 20),
            f: f('float', 2), i: f('int64', 3), s: f('bytes', 4), t: f('TensorProto', 5), g: f('GraphProto', 6),
            sparse_tensor: f('SparseTensorProto', 22), tp: f('TypeProto', 14),
            floats: r('float', 7), ints: r('int64', 8), strings: r('bytes', 9), tensors: r('TensorProto', 10),
            graphs: r('GraphProto', 11), sparse_tensors: r('SparseTensorProto', 23), type_protos: r('TypeProto', 15),
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, TYPE_PROTO: 13,
                FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: { name: f('string', 1), type: f('TypeProto', 2), doc_string: f('string', 3), metadata_props: r('StringStringEntryProto', 4) },
        },
        NodeProto: {
          fields: {
            input: r('string', 1), output: r('string', 2), name: f('string', 3), op_type: f('string', 4),
            domain: f('string', 7), overload: f('string', 8), attribute: r('AttributeProto', 5),
            doc_string: f('string', 6), metadata_props: r('StringStringEntryProto', 9),
          },
        },
        TrainingInfoProto: {
          fields: {
            initialization: f('GraphProto', 1), algorithm: f('GraphProto', 2),
            initialization_binding: r('StringStringEntryProto', 3), update_binding: r('StringStringEntryProto', 4),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f('int64', 1), opset_import: r('OperatorSetIdProto', 8), producer_name: f('string', 2),
            producer_version: f('string', 3), domain: f('string', 4), model_version: f('int64', 5),
            doc_string: f('string', 6), graph: f('GraphProto', 7), metadata_props: r('StringStringEntryProto', 14),
            training_info: r('TrainingInfoProto', 20), functions: r('FunctionProto', 25),
          },
        },
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        TensorAnnotation: {
          fields: { tensor_name: f('string', 1), quant_parameter_tensor_names: r('StringStringEntryProto', 2) },
        },
        GraphProto: {
          fields: {
            node: r('NodeProto', 1), name: f('string', 2), initializer: r('TensorProto', 5),
            sparse_initializer: r('SparseTensorProto', 15), doc_string: f('string', 10), input: r('ValueInfoProto', 11),
            output: r('ValueInfoProto', 12), value_info: r('ValueInfoProto', 13),
            quantization_annotation: r('TensorAnnotation', 14), metadata_props: r('StringStringEntryProto', 16),
          },
        },
        TensorProto: {
          fields: {
            dims: r('int64', 1), data_type: f('int32', 2), segment: f('Segment', 3),
            float_data: r('float', 4, true), int32_data: r('int32', 5, true), string_data: r('bytes', 6),
            int64_data: r('int64', 7, true), name: f('string', 8), doc_string: f('string', 12), raw_data: f('bytes', 9),
            external_data: r('StringStringEntryProto', 13), data_location: f('DataLocation', 14),
            double_data: r('double', 10, true), uint64_data: r('uint64', 11, true),
            metadata_props: r('StringStringEntryProto', 16),
          },
          nested: {
            DataType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
                FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
                FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22,
                FLOAT4E2M1: 23, FLOAT8E8M0: 24, UINT2: 25, INT2: 26,
              },
            },
            Segment: { fields: { begin: f('int64', 1), end: f('int64', 2) } },
            DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } },
          },
        },
        SparseTensorProto: { fields: { values: f('TensorProto', 1), indices: f('TensorProto', 2), dims: r('int64', 3) } },
        TensorShapeProto: {
          fields: { dim: r('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: f('int64', 1), dim_param: f('string', 2), denotation: f('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type', 'sequence_type', 'map_type', 'optional_type', 'sparse_tensor_type', 'opaque_type'] } },
          fields: {
            tensor_type: f('Tensor', 1), sequence_type: f('Sequence', 4), map_type: f('Map', 5),
            optional_type: f('Optional', 9), sparse_tensor_type: f('SparseTensor', 8), opaque_type: f('Opaque', 7),
            denotation: f('string', 6),
          },
          nested: {
            Tensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
            Sequence: { fields: { elem_type: f('TypeProto', 1) } },
            Map: { fields: { key_type: f('int32', 1), value_type: f('TypeProto', 2) } },
            Optional: { fields: { elem_type: f('TypeProto', 1) } },
            SparseTensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
            Opaque: { fields: { domain: f('string', 1), name: f('string', 2) } },
          },
        },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        FunctionProto: {
          fields: {
            name: f('string', 1), input: r('string', 4), output: r('string', 5), attribute: r('string', 6),
            attribute_proto: r('AttributeProto', 11), node: r('NodeProto', 7), doc_string: f('string', 8),
            opset_import: r('OperatorSetIdProto', 9), domain: f('string', 10), overload: f('string', 13),
            value_info: r('ValueInfoProto', 12), metadata_props: r('StringStringEntryProto', 14),
          },
        },
        // onnx-data.proto: values stored in test_data_set_*/input_K.pb files
        SequenceProto: {
          fields: {
            name: f('string', 1), elem_type: f('int32', 2), tensor_values: r('TensorProto', 3),
            sparse_tensor_values: r('SparseTensorProto', 4), sequence_values: r('SequenceProto', 5),
            map_values: r('MapProto', 6), optional_values: r('OptionalProto', 7),
          },
          nested: { DataType: { values: { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } } },
        },
        MapProto: {
          fields: {
            name: f('string', 1), key_type: f('int32', 2), keys: r('int64', 3), string_keys: r('bytes', 4),
            values: f('SequenceProto', 5),
          },
        },
        OptionalProto: {
          fields: {
            name: f('string', 1), elem_type: f('int32', 2), tensor_value: f('TensorProto', 3),
            sparse_tensor_value: f('SparseTensorProto', 4), sequence_value: f('SequenceProto', 5),
            map_value: f('MapProto', 6), optional_value: f('OptionalProto', 7),
          },
          nested: { DataType: { values: { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } } },
        },
      },
    },
  },
};
