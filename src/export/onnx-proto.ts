/**
 * A small Protocol Buffers writer for the messages of an ONNX model, with no dependency
 * (browser-safe). The schema is ONNX's public `onnx.proto`
 * (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto): field numbers and types below are
 * copied from it. The wire format is protobuf's
 * (https://protobuf.dev/programming-guides/encoding/): each field is a tag
 * `(field << 3) | wireType` then its value, a varint (wire type 0), a length-delimited run of
 * bytes (2: strings, bytes, nested messages, packed repeated numbers) or 4 little-endian bytes
 * (5: float).
 *
 * Only what Howl writes is here: a model with one graph, float32 and int64 tensors stored as
 * `raw_data`, tensor value infos with fixed or named dimensions, and int, float, ints and string
 * attributes.
 */

/** ONNX `TensorProto.DataType` codes of the element types Howl writes. */
export const ONNX_DATA_TYPES = { float32: 1, int64: 7 } as const;

/** An element type of Howl's graphs. */
export type OnnxDataType = keyof typeof ONNX_DATA_TYPES;

/** A dimension: a fixed size, or a name shared by the inputs and outputs it sizes (`'batch'`). */
export type OnnxDim = number | string;

/** A constant tensor (`TensorProto`), stored as `raw_data`. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** A graph input or output (`ValueInfoProto` of a tensor type). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly type: OnnxDataType;
  readonly dims: readonly OnnxDim[];
  readonly doc?: string;
}

/** A node attribute (`AttributeProto`): the kinds Howl uses. */
export type OnnxAttribute =
  | { readonly name: string; readonly int: number }
  | { readonly name: string; readonly float: number }
  | { readonly name: string; readonly ints: readonly number[] }
  | { readonly name: string; readonly string: string };

/** A node (`NodeProto`) of the default ONNX operator set. */
export interface OnnxNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
}

/** A graph (`GraphProto`): nodes in topological order. */
export interface OnnxGraph {
  readonly name: string;
  readonly doc: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** A model (`ModelProto`) holding one graph. */
export interface OnnxModel {
  readonly irVersion: number;
  readonly opset: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly doc: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly graph: OnnxGraph;
}

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** `AttributeProto.AttributeType` codes. */
const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, ints: 7 } as const;

const utf8 = new TextEncoder();

/**
 * An encoded message as a list of byte runs (concatenated once at the end, so a nested message's
 * bytes, e.g. a large weight, are not copied at every level).
 */
class Message {
  readonly parts: Uint8Array[] = [];
  size = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private tag(field: number, wireType: number): void {
    this.push(varint((field << 3) | wireType));
  }

  /** An int32, int64 or enum field (negative values as 10-byte two's complement, as protobuf). */
  int(field: number, value: number): this {
    this.tag(field, VARINT);
    this.push(varint(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.push(varint(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: Message): this {
    this.tag(field, LENGTH_DELIMITED);
    this.push(varint(value.size));
    for (const part of value.parts) this.push(part);
    return this;
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const packed = new Message();
    for (const v of values) packed.push(varint(v));
    return this.message(field, packed);
  }

  /** The message's bytes. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/**
 * Protobuf's base-128 varint of an integer (negative: its 64-bit two's complement).
 *
 * @throws RangeError for a value that is not a safe integer
 */
export function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varint: ${value} is not a safe integer`);
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** A tensor's elements as little-endian bytes (`raw_data`). */
function rawData(data: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(bytes.buffer);
  if (data instanceof Float32Array) data.forEach((x, i) => view.setFloat32(i * 4, x, true));
  else data.forEach((x, i) => view.setBigInt64(i * 8, x, true));
  return bytes;
}

function tensorProto(t: OnnxTensor): Message {
  const m = new Message();
  if (t.dims.length > 0) m.packedInts(1, t.dims); // dims
  m.int(2, t.data instanceof Float32Array ? ONNX_DATA_TYPES.float32 : ONNX_DATA_TYPES.int64); // data_type
  m.string(8, t.name); // name
  return m.bytes(9, rawData(t.data)); // raw_data
}

function valueInfoProto(v: OnnxValueInfo): Message {
  const shape = new Message();
  for (const d of v.dims) {
    // TensorShapeProto.dim: Dimension { dim_value = 1 | dim_param = 2 }
    const dim = typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new Message().int(1, ONNX_DATA_TYPES[v.type]).message(2, shape); // elem_type, shape
  const type = new Message().message(1, tensorType); // TypeProto.tensor_type
  const m = new Message().string(1, v.name).message(2, type); // name, type
  if (v.doc !== undefined) m.string(3, v.doc); // doc_string
  return m;
}

function attributeProto(a: OnnxAttribute): Message {
  const m = new Message().string(1, a.name); // name
  if ('int' in a) return m.int(20, ATTRIBUTE_TYPES.int).int(3, a.int); // type, i
  if ('float' in a) return m.int(20, ATTRIBUTE_TYPES.float).float(2, a.float); // type, f
  if ('string' in a) return m.int(20, ATTRIBUTE_TYPES.string).string(4, a.string); // type, s
  m.int(20, ATTRIBUTE_TYPES.ints);
  for (const i of a.ints) m.int(8, i); // ints (unpacked, as proto2 declares it)
  return m;
}

function nodeProto(n: OnnxNode): Message {
  const m = new Message();
  for (const input of n.inputs) m.string(1, input);
  for (const output of n.outputs) m.string(2, output);
  m.string(3, n.name).string(4, n.op); // name, op_type
  for (const a of n.attributes) m.message(5, attributeProto(a));
  return m;
}

function graphProto(g: OnnxGraph): Message {
  const m = new Message();
  for (const n of g.nodes) m.message(1, nodeProto(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, tensorProto(t));
  m.string(10, g.doc);
  for (const v of g.inputs) m.message(11, valueInfoProto(v));
  for (const v of g.outputs) m.message(12, valueInfoProto(v));
  return m;
}

/**
 * Encodes an ONNX model as the bytes of a `.onnx` file (a serialised `ModelProto`).
 *
 * @param model - the model
 * @returns the file's bytes
 * @example const bytes = encodeOnnxModel({ irVersion: 8, opset: 17, producerName: 'howl', producerVersion: '0.1.0', doc: '', metadata: {}, graph });
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const m = new Message()
    .int(1, model.irVersion) // ir_version
    .string(2, model.producerName) // producer_name
    .string(3, model.producerVersion) // producer_version
    .string(6, model.doc) // doc_string
    .message(7, graphProto(model.graph)) // graph
    .message(8, new Message().string(1, '').int(2, model.opset)); // opset_import: domain, version
  for (const [key, value] of Object.entries(model.metadata)) {
    m.message(14, new Message().string(1, key).string(2, value)); // metadata_props
  }
  return m.toBytes();
}
