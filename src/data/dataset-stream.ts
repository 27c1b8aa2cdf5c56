import { DatasetFormatError } from '../errors.js';
import { ContentHasher } from './content-hash.js';
import {
  DATASET_FORMAT_VERSION,
  DATASET_HEADER_BYTES,
  DATASET_MAGIC,
  datasetLayout,
  type DatasetMetadata,
} from './dataset-format.js';

/**
 * The `*.howl` file written piece by piece (`encodeDatasetStream`), for an importer that never holds
 * the whole corpus: the same bytes as `encodeDataset`, from the metadata and the note columns given
 * one column at a time, in pieces, while a running checksum is kept. Platform-neutral.
 */

/** The four note columns, in file order. */
export type ColumnName = 'time' | 'duration' | 'pitch' | 'velocity';

/** Bytes per note of each column in the file. */
export const COLUMN_WIDTH: Readonly<Record<ColumnName, number>> = { time: 8, duration: 4, pitch: 1, velocity: 1 };

/**
 * Where the note columns come from: each column's bytes (little-endian Float64 onsets, Float32
 * durations, Uint8 pitches and velocities), in row order, cut into pieces of any size.
 */
export type ColumnBytes = (column: ColumnName) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Files per piece of the metadata's `files` and `failures` lists. */
const ENTRIES_PER_PIECE = 2048;
/** Metadata up to this size is encoded once and kept; larger metadata is encoded twice instead. */
const KEEP_METADATA_BYTES = 8 << 20;
/** Pieces are gathered into writes of about this size. */
const WRITE_BYTES = 1 << 20;

/**
 * The metadata's JSON, exactly as `JSON.stringify(metadata)` writes it (the keys in
 * `DatasetMetadata`'s order), in pieces of at most `ENTRIES_PER_PIECE` files: a million files never
 * make one string.
 */
function* metadataJson(metadata: DatasetMetadata): Generator<string> {
  const { created, sources, sourceTags, settings, files, failures, totals } = metadata;
  const head = JSON.stringify({ created, sources, sourceTags, settings });
  yield `${head.slice(0, -1)},"files":[`;
  for (let i = 0; i < files.length; i += ENTRIES_PER_PIECE) {
    const text = files.slice(i, i + ENTRIES_PER_PIECE).map((file) => JSON.stringify(file)).join(',');
    yield i === 0 ? text : `,${text}`;
  }
  yield '],"failures":[';
  for (let i = 0; i < failures.length; i += ENTRIES_PER_PIECE) {
    const text = failures.slice(i, i + ENTRIES_PER_PIECE).map((failure) => JSON.stringify(failure)).join(',');
    yield i === 0 ? text : `,${text}`;
  }
  yield `],"totals":${JSON.stringify(totals)}}`;
}

/** The metadata's UTF-8 bytes in pieces, and their total length (needed before the first byte). */
function metadataBytes(metadata: DatasetMetadata): { length: number; pieces: () => Iterable<Uint8Array> } {
  const encoder = new TextEncoder();
  let length = 0;
  let kept: Uint8Array[] | undefined = [];
  for (const text of metadataJson(metadata)) {
    const bytes = encoder.encode(text);
    length += bytes.length;
    if (kept && length <= KEEP_METADATA_BYTES) kept.push(bytes);
    else kept = undefined;
  }
  const pieces = kept;
  return {
    length,
    pieces: () => pieces ?? Array.from(metadataJson(metadata), (text) => encoder.encode(text)),
  };
}

/** Gathers pieces into writes of about `WRITE_BYTES`, hashing every byte on the way. */
class PieceWriter {
  readonly hasher = new ContentHasher();
  written = 0;
  private buffer = new Uint8Array(WRITE_BYTES);
  private used = 0;

  /** Takes `bytes` (copied or passed on whole); returns the pieces ready to write. */
  *add(bytes: Uint8Array): Generator<Uint8Array> {
    this.hasher.update(bytes);
    this.written += bytes.length;
    if (bytes.length >= WRITE_BYTES / 4) {
      yield* this.flush();
      yield bytes;
      return;
    }
    if (this.used + bytes.length > WRITE_BYTES) yield* this.flush();
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Zero bytes up to the next multiple of 8. */
  *pad(): Generator<Uint8Array> {
    const padding = (8 - (this.written % 8)) % 8;
    if (padding > 0) yield* this.add(new Uint8Array(padding));
  }

  *flush(): Generator<Uint8Array> {
    if (this.used === 0) return;
    const full = this.buffer.subarray(0, this.used);
    this.buffer = new Uint8Array(WRITE_BYTES); // the consumer may keep the piece it was given
    this.used = 0;
    yield full;
  }
}

/**
 * Encodes a dataset as `encodeDataset` does, from its metadata and its note columns given in
 * pieces, yielding the file's bytes in pieces of about 1 MB (for `writeFileAtomicStream`). Only the
 * metadata is held whole; the checksum is computed as the bytes go by.
 *
 * @param metadata - the metadata (`createDatasetMetadata`); `totals.notes` says how many rows each
 *   column must give
 * @param columns - each column's bytes, in row order
 * @returns the file's bytes, in order
 * @throws DatasetFormatError if a column gives more or fewer bytes than `totals.notes` rows
 * @example await writeFileAtomicStream('data/big.howl', encodeDatasetStream(metadata, columnBytes));
 */
export async function* encodeDatasetStream(
  metadata: DatasetMetadata,
  columns: ColumnBytes,
): AsyncGenerator<Uint8Array> {
  const count = metadata.totals.notes;
  const json = metadataBytes(metadata);
  const layout = datasetLayout(json.length, count);
  const header = new Uint8Array(DATASET_HEADER_BYTES);
  const view = new DataView(header.buffer);
  for (let i = 0; i < DATASET_MAGIC.length; i++) header[i] = DATASET_MAGIC.charCodeAt(i);
  view.setUint32(8, DATASET_FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  const out = new PieceWriter();
  yield* out.add(header);
  for (const piece of json.pieces()) yield* out.add(piece);
  yield* out.pad();
  for (const column of ['time', 'duration', 'pitch', 'velocity'] as const) {
    const start = out.written;
    for await (const piece of columns(column)) yield* out.add(piece);
    const rows = (out.written - start) / COLUMN_WIDTH[column];
    if (rows !== count) {
      throw new DatasetFormatError(
        `note column ${column} has ${rows} entries but the files hold ${count} notes`,
      );
    }
    yield* out.pad();
  }
  if (out.written !== layout.checksum) {
    throw new DatasetFormatError(`wrote ${out.written} bytes before the checksum, expected ${layout.checksum}`);
  }
  const { high, low } = out.hasher.digest();
  const checksum = new Uint8Array(8);
  new DataView(checksum.buffer).setUint32(0, low, true);
  new DataView(checksum.buffer).setUint32(4, high, true);
  yield* out.add(checksum);
  yield* out.flush();
}
