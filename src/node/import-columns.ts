import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { ColumnName } from '../data/dataset-stream.js';
import type { NoteColumns } from '../data/dataset-format.js';

/**
 * The note columns of an import, gathered in import order in fixed-size chunks. Up to a memory
 * budget the chunks stay in memory; past it every chunk (those held, then each new one) goes to a
 * spill file and only the chunk being filled stays, so memory is flat however many notes the corpus
 * holds. At the end the columns are read back one at a time, in pieces (`pieces`), for
 * `encodeDatasetStream`, or joined into arrays (`toColumns`) for an in-memory dataset.
 */

/** Notes per chunk: 64 Ki (832 KiB of columns). */
export const CHUNK_NOTES = 1 << 16;
/** Bytes per note over the four columns: Float64 + Float32 + Uint8 + Uint8. */
const NOTE_BYTES = 14;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Chunk {
  time: Float64Array;
  duration: Float32Array;
  pitch: Uint8Array;
  velocity: Uint8Array;
  used: number;
}

/** A chunk in the spill file: its columns one after another from `position`. */
interface SpilledChunk {
  position: number;
  count: number;
}

function newChunk(): Chunk {
  return {
    time: new Float64Array(CHUNK_NOTES),
    duration: new Float32Array(CHUNK_NOTES),
    pitch: new Uint8Array(CHUNK_NOTES),
    velocity: new Uint8Array(CHUNK_NOTES),
    used: 0,
  };
}

/** A column's first `count` values as little-endian bytes (a view on little-endian machines). */
function leBytes(column: Float64Array | Float32Array | Uint8Array, count: number): Uint8Array {
  if (column instanceof Uint8Array) return column.subarray(0, count);
  const width = column.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN) return new Uint8Array(column.buffer, column.byteOffset, count * width);
  const bytes = new Uint8Array(count * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    if (width === 8) view.setFloat64(8 * i, column[i]!, true);
    else view.setFloat32(4 * i, column[i]!, true);
  }
  return bytes;
}

/** Where each column of a spilled chunk of `count` notes starts, from the chunk's position. */
const COLUMN_AT: Readonly<Record<ColumnName, (count: number) => number>> = {
  time: () => 0,
  duration: (count) => 8 * count,
  pitch: (count) => 12 * count,
  velocity: (count) => 13 * count,
};
const WIDTH: Readonly<Record<ColumnName, number>> = { time: 8, duration: 4, pitch: 1, velocity: 1 };

/** Note columns gathered in order, spilled to a file past a memory budget (see the module comment). */
export class ColumnStore {
  /** Notes appended so far. */
  length = 0;
  private readonly held: Chunk[] = [];
  private current: Chunk = newChunk();
  private readonly spilled: SpilledChunk[] = [];
  private spillFd: number | undefined;
  private spillEnd = 0;

  /**
   * @param budgetBytes - columns held in memory before spilling (`Infinity`: never spill)
   * @param spillPath - the spill file to create when the budget is passed (removed by `close`)
   */
  constructor(
    private readonly budgetBytes: number,
    private readonly spillPath: string | undefined,
  ) {}

  /** Whether the columns went to the spill file. */
  get spilling(): boolean {
    return this.spillFd !== undefined;
  }

  /**
   * Appends `count` notes from row `from` of `columns`.
   *
   * @throws the file system's error when the spill file cannot be written (a full disk)
   */
  append(
    columns: {
      time: Float64Array;
      duration: Float32Array | Float64Array;
      pitch: Uint8Array;
      velocity: Uint8Array;
    },
    from: number,
    count: number,
  ): void {
    let at = from;
    const end = from + count;
    while (at < end) {
      const chunk = this.current;
      const take = Math.min(end - at, CHUNK_NOTES - chunk.used);
      chunk.time.set(columns.time.subarray(at, at + take), chunk.used);
      chunk.duration.set(columns.duration.subarray(at, at + take), chunk.used);
      chunk.pitch.set(columns.pitch.subarray(at, at + take), chunk.used);
      chunk.velocity.set(columns.velocity.subarray(at, at + take), chunk.used);
      chunk.used += take;
      at += take;
      if (
        this.spillFd === undefined &&
        (this.held.length * CHUNK_NOTES + chunk.used) * NOTE_BYTES > this.budgetBytes
      ) {
        this.startSpilling();
      }
      if (chunk.used === CHUNK_NOTES) this.chunkFull();
    }
    this.length += count;
  }

  /** Over budget: everything held so far goes to the spill file, the chunk being filled included. */
  private startSpilling(): void {
    if (this.spillPath === undefined) throw new Error('import columns over budget with no spill file');
    this.spillFd = openSync(this.spillPath, 'w+');
    for (const chunk of this.held.splice(0)) this.spill(chunk);
    if (this.current.used > 0) this.spill(this.current);
    this.current.used = 0;
  }

  private chunkFull(): void {
    const full = this.current;
    if (this.spillFd === undefined) {
      this.held.push(full);
      this.current = newChunk();
    } else {
      this.spill(full);
      full.used = 0;
    }
  }

  private spill(chunk: Chunk): void {
    const fd = this.spillFd as number;
    const count = chunk.used;
    const position = this.spillEnd;
    for (const bytes of [
      leBytes(chunk.time, count),
      leBytes(chunk.duration, count),
      leBytes(chunk.pitch, count),
      leBytes(chunk.velocity, count),
    ]) {
      for (let done = 0; done < bytes.length;)
        done += writeSync(fd, bytes, done, bytes.length - done, this.spillEnd + done);
      this.spillEnd += bytes.length;
    }
    this.spilled.push({ position, count });
  }

  /**
   * One column's bytes (little-endian), in row order: the spilled chunks, then those in memory.
   *
   * @param column - which column
   */
  *pieces(column: ColumnName): Generator<Uint8Array> {
    const width = WIDTH[column];
    for (const { position, count } of this.spilled) {
      const bytes = new Uint8Array(count * width);
      const from = position + COLUMN_AT[column](count);
      for (let done = 0; done < bytes.length;) {
        const read = readSync(this.spillFd as number, bytes, done, bytes.length - done, from + done);
        if (read === 0) throw new Error('the import spill file ended early');
        done += read;
      }
      yield bytes;
    }
    for (const chunk of [...this.held, this.current]) {
      if (chunk.used > 0) yield leBytes(chunk[column], chunk.used);
    }
  }

  /** The columns joined into arrays (for an in-memory dataset; the store must not have spilled). */
  toColumns(): NoteColumns {
    const columns: NoteColumns = {
      time: new Float64Array(this.length),
      duration: new Float32Array(this.length),
      pitch: new Uint8Array(this.length),
      velocity: new Uint8Array(this.length),
    };
    if (this.spilling) throw new Error('toColumns after spilling');
    let at = 0;
    for (const chunk of [...this.held.splice(0), this.current]) {
      columns.time.set(chunk.time.subarray(0, chunk.used), at);
      columns.duration.set(chunk.duration.subarray(0, chunk.used), at);
      columns.pitch.set(chunk.pitch.subarray(0, chunk.used), at);
      columns.velocity.set(chunk.velocity.subarray(0, chunk.used), at);
      at += chunk.used;
    }
    this.current = newChunk();
    return columns;
  }

  /** Closes and removes the spill file, if any. Never throws. */
  close(): void {
    if (this.spillFd !== undefined) {
      try {
        closeSync(this.spillFd);
      } catch {
        // Closed already.
      }
      this.spillFd = undefined;
    }
    if (this.spillPath !== undefined) rmSync(this.spillPath, { force: true });
  }
}
