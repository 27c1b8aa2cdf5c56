import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, halfToFloat, SafetensorsError } from './safetensors.js';

const FILE = 'some/model.safetensors';

/** A safetensors file from a header object and raw data, padded or not. */
function fileOf(header: unknown, data: Uint8Array = new Uint8Array(0), pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

const bitsOf = (data: Float32Array): number[] => [
  ...new Uint32Array(data.buffer, data.byteOffset, data.length),
];

describe('safetensors', () => {
  it('round-trips float32 tensors bit for bit, with metadata, in order', () => {
    // -0, ±Infinity, the smallest subnormal, the largest float, and a NaN with a payload.
    const special = new Float32Array(6);
    new Uint32Array(special.buffer).set([
      0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x7f7fffff, 0x7fc12345,
    ]);
    const tensors = [
      { name: 'layer1/kernel', shape: [2, 3], data: new Float32Array([1, -2.5, 3e-38, 1 / 3, Math.PI, -7]) },
      { name: 'special', shape: [6], data: special },
      { name: 'scalar', shape: [], data: new Float32Array([42]) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
      { name: '__proto__', shape: [1], data: new Float32Array([5]) },
    ];
    const bytes = encodeSafetensors(tensors, { format: 'howl', note: 'ünïcode ♪' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0); // the data starts aligned
    const decoded = decodeSafetensors(bytes, FILE);
    expect(decoded.metadata).toEqual({ format: 'howl', note: 'ünïcode ♪' });
    expect(decoded.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    decoded.tensors.forEach((t, i) => {
      expect(t.shape).toEqual(tensors[i]!.shape);
      expect(bitsOf(t.data)).toEqual(bitsOf(tensors[i]!.data));
    });
    expect([...decoded.dtypes.values()]).toEqual(['F32', 'F32', 'F32', 'F32', 'F32']);
    // Encoding the decoded tensors gives the same bytes.
    expect(encodeSafetensors(decoded.tensors, decoded.metadata)).toEqual(bytes);
  });

  it('writes the format exactly: length, JSON header, space padding, little-endian data', () => {
    const bytes = encodeSafetensors([{ name: 'w', shape: [2], data: new Float32Array([1, -2]) }]);
    const header = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = header + ' '.repeat(Math.ceil(header.length / 8) * 8 - header.length);
    const expected = [
      ...[padded.length, 0, 0, 0, 0, 0, 0, 0],
      ...new TextEncoder().encode(padded),
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
      ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
    ];
    expect([...bytes]).toEqual(expected);
    expect(encodeSafetensors([])).toEqual(fileOf({}, undefined, 6)); // '{}' + 6 spaces
  });

  it('reads files written by others: tensors in any header order, no padding, F16, BF16 and F64', () => {
    const data = new Uint8Array(2 * 3 + 2 * 2 + 8 + 4);
    const view = new DataView(data.buffer);
    [0x3c00, 0xc000, 0x0001].forEach((h, i) => view.setUint16(2 * i, h, true)); // 1, -2, 2^-24
    [0x3f80, 0x4049].forEach((b, i) => view.setUint16(6 + 2 * i, b, true)); // 1, 3.140625
    view.setFloat64(10, 0.1, true);
    view.setFloat32(18, 0.5, true);
    const bytes = fileOf(
      {
        f32: { dtype: 'F32', shape: [1], data_offsets: [18, 22] },
        f64: { dtype: 'F64', shape: [1, 1], data_offsets: [10, 18] },
        half: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
        brain: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
      },
      data,
    );
    const { tensors, metadata, dtypes } = decodeSafetensors(bytes, FILE);
    expect(metadata).toEqual({});
    expect(tensors.map((t) => t.name)).toEqual(['half', 'brain', 'f64', 'f32']); // data order
    expect([...tensors[0]!.data]).toEqual([1, -2, 2 ** -24]);
    expect([...tensors[1]!.data]).toEqual([1, 3.140625]);
    expect(tensors[2]!.data[0]).toBe(Math.fround(0.1));
    expect(tensors[3]!.data[0]).toBe(0.5);
    expect(dtypes.get('brain')).toBe('BF16');
  });

  it('converts half precision exactly', () => {
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x8000)).toBe(-0);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x3555)).toBe(Math.fround(0.333251953125));
  });

  it('refuses malformed files, naming the file and the reason', () => {
    const four = new Uint8Array(4);
    const entry = (dtype: string, shape: number[], offsets: number[]) => ({
      dtype,
      shape,
      data_offsets: offsets,
    });
    const lengthPastEnd = fileOf({});
    new DataView(lengthPastEnd.buffer).setBigUint64(0, 1000n, true);
    const notJson = fileOf({});
    notJson[8] = 0x5b; // '[' … '}'
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /5 bytes: too short/],
      [lengthPastEnd, /header length 1000 runs past the end of the file \(10 bytes\)/],
      [notJson, /header is not valid UTF-8 JSON/],
      [fileOf([1, 2]), /header is not a JSON object/],
      [fileOf({ w: entry('F33', [1], [0, 4]) }, four), /tensor "w": unknown dtype "F33"/],
      [fileOf({ w: entry('I32', [1], [0, 4]) }, four), /tensor "w": dtype I32 is not a floating-point type/],
      [
        fileOf({ w: entry('F32', [2], [0, 4]) }, four),
        /tensor "w": 4 bytes of data, but shape \[2\] of F32 needs 8/,
      ],
      [fileOf({ w: entry('F32', [-1], [0, 4]) }, four), /shape \[-1\] is not a list of sizes/],
      [fileOf({ w: entry('F32', [1], [4, 0]) }, four), /data_offsets \[4,0\] are not \[begin, end\]/],
      [
        fileOf({ w: entry('F32', [1], [0, 4]) }),
        /data_offsets \[0, 4\] run past the end of the data \(0 bytes\): the file is truncated/,
      ],
      [
        fileOf({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, new Uint8Array(8)),
        /tensor "b": data_offsets \[4, 8\] overlap tensor "a"'s/,
      ],
      [
        fileOf({ w: entry('F32', [1], [4, 8]) }, new Uint8Array(8)),
        /4 bytes at data offset 0 belong to no tensor/,
      ],
      [
        fileOf({ w: entry('F32', [1], [0, 4]) }, new Uint8Array(7)),
        /3 bytes after the last tensor's data \(trailing garbage\)/,
      ],
      [fileOf({}, new Uint8Array(1)), /1 byte after the last tensor's data/],
      [fileOf({ w: { ...entry('F32', [1], [0, 4]), extra: 1 } }, four), /tensor "w": unknown field "extra"/],
      [fileOf({ w: 3 }), /tensor "w": its header entry is not an object/],
      [fileOf({ __metadata__: { steps: 3 } }), /__metadata__.steps is 3, not a string/],
      [fileOf({ __metadata__: ['x'] }), /__metadata__ is not an object of strings/],
    ];
    for (const [bytes, reason] of cases) {
      let error: unknown;
      try {
        decodeSafetensors(bytes, FILE);
      } catch (e) {
        error = e;
      }
      expect(error, String(reason)).toBeInstanceOf(SafetensorsError);
      expect((error as SafetensorsError).message, String(reason)).toMatch(
        new RegExp(`^some/model\\.safetensors: `),
      );
      expect((error as SafetensorsError).message).toMatch(reason);
      expect((error as SafetensorsError).file).toBe(FILE);
    }
  });

  it('refuses to write a tensor whose shape does not match its data, or a name twice', () => {
    expect(() => encodeSafetensors([{ name: 'w', shape: [3], data: new Float32Array(2) }])).toThrow(
      /tensor "w": shape \[3\] but 2 values/,
    );
    const w = { name: 'w', shape: [1], data: new Float32Array(1) };
    expect(() => encodeSafetensors([w, w])).toThrow(/"w" is used twice/);
    expect(() => encodeSafetensors([{ ...w, name: '__metadata__' }])).toThrow(/reserved/);
  });
});
