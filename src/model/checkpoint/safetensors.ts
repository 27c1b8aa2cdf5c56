import { HowlError } from '../../errors.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written here with
 * no dependency: Uint8Array in, Uint8Array out, so it runs in Node, browsers and workers.
 *
 * A file is: 8 bytes, the header's length N as a little-endian unsigned 64-bit integer; N bytes of
 * UTF-8 JSON, `{ "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, …,
 * "__metadata__": { "<key>": "<string>" } }`, padded with trailing spaces (Howl pads to a multiple
 * of 8, so every tensor's data is aligned); then the tensors' raw little-endian bytes, each at
 * `[begin, end)` counted from the first byte after the header.
 *
 * Howl writes F32. It reads F32, and F16, BF16 and F64 converted to float32 (F64 rounds). Reading is
 * strict, as the reference implementation: the tensors' bytes must tile the data exactly (no
 * overlap, no gap, nothing after the last one), each must hold exactly shape × dtype size bytes, and
 * anything else is refused with a `SafetensorsError` naming the file and the reason.
 */

/** A file that is not a safetensors file Howl can read: the message names the file and the reason. */
export class SafetensorsError extends HowlError {
  /** The file, as named by the caller. */
  readonly file: string;

  constructor(file: string, reason: string, options: { cause?: unknown } = {}) {
    super('safetensors', `${file}: ${reason}`, options);
    this.file = file;
  }
}

/** One tensor, as float32 values in row-major (C) order. */
export interface SafetensorsTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A decoded file: its tensors in the order of their data, and its `__metadata__`. */
export interface SafetensorsFile {
  readonly tensors: readonly SafetensorsTensor[];
  readonly metadata: Readonly<Record<string, string>>;
  /** The dtype each tensor was stored as (`'F32'`, `'F16'`, `'BF16'`, `'F64'`), by name. */
  readonly dtypes: ReadonlyMap<string, string>;
}

/** Bytes per element of every dtype of the format; Howl converts the floating-point ones. */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** The dtypes Howl reads (into float32). */
export const SAFETENSORS_READ_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;

/** The largest header Howl reads, as the reference implementation (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const TENSOR_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const elementsOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const bytesText = (n: number): string => (n === 1 ? '1 byte' : `${n} bytes`);

/**
 * Encodes tensors as a safetensors file (dtype F32), in the given order, with `metadata` as its
 * `__metadata__`. The float32 bytes are copied as they are, NaN payloads included.
 *
 * @param tensors - the tensors; names must be unique and not `__metadata__`
 * @param metadata - string keys and values (none by default)
 * @param file - how to name the file in messages
 * @returns the file's bytes
 * @throws SafetensorsError for a duplicate name or a shape that does not match the data's length
 * @example const bytes = encodeSafetensors([{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }]);
 */
export function encodeSafetensors(
  tensors: readonly SafetensorsTensor[],
  metadata: Readonly<Record<string, string>> = {},
  file = 'model.safetensors',
): Uint8Array {
  // No prototype: a tensor named `__proto__` is a key like any other.
  const header = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY || Object.hasOwn(header, t.name)) {
      throw new SafetensorsError(file, `tensor name ${JSON.stringify(t.name)} is used twice or reserved`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || elementsOf(t.shape) !== t.data.length) {
      throw new SafetensorsError(
        file,
        `tensor ${JSON.stringify(t.name)}: shape [${t.shape.join(', ')}] but ${t.data.length} values`,
      );
    }
    header[t.name] = {
      dtype: 'F32',
      shape: [...t.shape],
      data_offsets: [offset, offset + 4 * t.data.length],
    };
    offset += 4 * t.data.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts on an 8-byte boundary (as the reference writer does).
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  json += ' '.repeat(padded - jsonBytes.length);
  const bytes = new Uint8Array(8 + padded + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  bytes.set(new TextEncoder().encode(json), 8);
  let at = 8 + padded;
  for (const t of tensors) {
    writeFloat32(bytes, at, t.data);
    at += 4 * t.data.length;
  }
  return bytes;
}

function writeFloat32(bytes: Uint8Array, at: number, data: Float32Array): void {
  if (littleEndian) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < bits.length; i++) view.setUint32(at + 4 * i, bits[i]!, true);
}

/** A tensor's header entry, checked. */
interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** Reads the 8-byte length and the JSON header; returns the header object and where the data starts. */
function readHeader(bytes: Uint8Array, file: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) {
    throw new SafetensorsError(
      file,
      `${bytesText(bytes.length)}: too short for a safetensors file (an 8-byte header length first)`,
    );
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(
      file,
      `the header length ${length} runs past the end of the file (${bytes.length} bytes): truncated, or not a safetensors file`,
    );
  }
  const n = Number(length);
  if (n > MAX_HEADER_BYTES)
    throw new SafetensorsError(file, `the header is ${n} bytes, over the limit of ${MAX_HEADER_BYTES}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw new SafetensorsError(file, `the header is not valid UTF-8 JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(file, 'the header is not a JSON object');
  }
  return { header: header as Record<string, unknown>, dataStart: 8 + n };
}

function readMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(file, '__metadata__ is not an object of strings');
  }
  for (const [key, text] of Object.entries(value)) {
    if (typeof text !== 'string') {
      throw new SafetensorsError(file, `__metadata__.${key} is ${JSON.stringify(text)}, not a string`);
    }
  }
  return { ...(value as Record<string, string>) };
}

/** Checks one tensor's header entry: fields, dtype, shape, offsets, and size against the shape. */
function readEntry(name: string, value: unknown, file: string): Entry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError(file, `${where}: its header entry is not an object`);
  }
  const fields = value as Record<string, unknown>;
  const extra = Object.keys(fields).find((key) => !TENSOR_FIELDS.has(key));
  if (extra !== undefined)
    throw new SafetensorsError(file, `${where}: unknown field ${JSON.stringify(extra)}`);
  const { dtype, shape, data_offsets: offsets } = fields;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw new SafetensorsError(
      file,
      `${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new SafetensorsError(file, `${where}: shape ${JSON.stringify(shape)} is not a list of sizes`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) ||
    (offsets[0] as number) > (offsets[1] as number)
  ) {
    throw new SafetensorsError(
      file,
      `${where}: data_offsets ${JSON.stringify(offsets)} are not [begin, end] with begin ≤ end`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const expected = elementsOf(shape as number[]) * DTYPE_BYTES[dtype]!;
  if (end - begin !== expected) {
    throw new SafetensorsError(
      file,
      `${where}: ${end - begin} bytes of data, but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Checks that the entries' byte ranges tile `[0, dataLength)` exactly. */
function checkTiling(entries: readonly Entry[], dataLength: number, file: string): void {
  let at = 0;
  let previous: Entry | undefined;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.end > dataLength) {
      throw new SafetensorsError(
        file,
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] run past the end of the data (${dataLength} bytes): the file is truncated`,
      );
    }
    if (e.begin < at) {
      throw new SafetensorsError(
        file,
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${JSON.stringify(previous?.name)}'s`,
      );
    }
    if (e.begin > at) {
      throw new SafetensorsError(file, `${bytesText(e.begin - at)} at data offset ${at} belong to no tensor`);
    }
    at = e.end;
    previous = e;
  }
  if (at !== dataLength) {
    throw new SafetensorsError(
      file,
      `${bytesText(dataLength - at)} after the last tensor's data (trailing garbage)`,
    );
  }
}

/**
 * Decodes and validates a safetensors file; floating-point tensors come back as float32.
 *
 * @param bytes - the file's bytes
 * @param file - how to name the file in messages (e.g. its path)
 * @returns the tensors, in the order of their data, and the metadata
 * @throws SafetensorsError naming the file and the reason: too short, a header length past the end,
 *   a header that is not JSON, an unknown or non-float dtype, a size that does not match the shape,
 *   offsets that overlap, leave gaps or run past the end, bytes after the last tensor
 * @example const { tensors, metadata } = decodeSafetensors(bytes, 'model.safetensors');
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const { header, dataStart } = readHeader(bytes, file);
  const metadata = readMetadata(header[METADATA_KEY], file);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => readEntry(name, value, file));
  checkTiling(entries, bytes.length - dataStart, file);
  entries.sort((a, b) => a.begin - b.begin);
  const dtypes = new Map<string, string>();
  const tensors = entries.map((e) => {
    dtypes.set(e.name, e.dtype);
    const data = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    return { name: e.name, shape: e.shape, data: toFloat32(data, e.dtype, e.name, file) };
  });
  return { tensors, metadata, dtypes };
}

/** A tensor's bytes as float32 values (a copy). */
function toFloat32(bytes: Uint8Array, dtype: string, name: string, file: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (littleEndian) return new Float32Array(bytes.slice().buffer);
      const out = new Float32Array(bytes.length / 4);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint32(4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(bytes.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(bytes.length / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(bytes.length / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    default:
      throw new SafetensorsError(
        file,
        `tensor ${JSON.stringify(name)}: dtype ${dtype} is not a floating-point type Howl reads (${SAFETENSORS_READ_DTYPES.join(', ')})`,
      );
  }
}

/** An IEEE 754 half-precision value's bits as a number (exact: every half is a float32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
