/** Node-only helpers: files, folders, worker threads. Everything from the core is re-exported. */
export * from './index.js';
export {
  importCorpus,
  DEFAULT_MAX_FILE_BYTES,
  AUTO_INLINE_MAX_FILES,
  AUTO_WORKERS_MIN_BYTES,
} from '../node/import-corpus.js';
export { importCorpusToFile, DEFAULT_IMPORT_MEMORY_BYTES } from '../node/import-to-file.js';
export type { ImportToFileOptions, ImportToFileResult } from '../node/import-to-file.js';
export type { ImportOptions, ImportProgress, ImportResult } from '../node/import-corpus.js';
export { findMidiFiles, isMidiFileName, MIDI_EXTENSIONS } from '../node/find-midi-files.js';
export {
  writeFileAtomic,
  checkWritable,
  removeStaleTempFiles,
  WriteFileError,
} from '../node/atomic-write.js';
export { setupNodeBackend, wasmBinaryDirectory } from '../node/tf-backend.js';
export { saveCheckpoint, loadCheckpoint } from '../node/checkpoint-store.js';
export { loadModel, defaultModelDir, originalModelDir, infillModelDir } from '../node/load-model.js';
export {
  readModelRepetition,
  readModelSampling,
  writeModelRepetition,
  writeModelSampling,
} from '../node/model-sampling.js';
export {
  saveSafetensorsModel,
  loadSafetensorsModel,
  isSafetensorsFolder,
} from '../node/safetensors-folder.js';
export { saveOnnxModel } from '../node/onnx-folder.js';
export type { LoadedModel } from '../node/load-model.js';
export {
  writeDatasetParquet,
  readDatasetParquet,
  isParquetInput,
  PARQUET_FILE_NAMES,
} from '../node/dataset-parquet-files.js';
export type { WrittenTable } from '../node/dataset-parquet-files.js';
// The Parquet tables of a dataset (docs/parquet.md): here rather than in "howl", to keep the
// Parquet libraries out of browser bundles of the core.
export { encodeDatasetParquet, encodeParquetTable, TABLE_COLUMNS } from '../data/dataset-parquet.js';
export type { ParquetTable, ParquetDatasetInfo, ColumnSpec, ColumnKind } from '../data/dataset-parquet.js';
export { decodeDatasetParquet, parquetTableOf } from '../data/dataset-parquet-read.js';
export type { DatasetParquetInput, ParquetFileBytes } from '../data/dataset-parquet-read.js';
export { writeFileAtomicStream } from '../node/atomic-write.js';
export { defaultSoundFontPath, loadSoundFontFile } from '../node/soundfont-file.js';
export { renderNoteChunksThreaded, defaultRenderThreads, RenderWorkerError } from '../node/render-threads.js';
export type { ThreadedRenderOptions } from '../node/render-threads.js';
export { renderAudioFile, writeAudioFile } from '../node/render-audio-file.js';
export type { AudioFileOptions, AudioFileSummary } from '../node/render-audio-file.js';
export { createGradientWorkers, GradientWorkerError } from '../node/gradient-workers.js';
export type { GradientWorkers, GradientWorkersOptions } from '../node/gradient-workers.js';
