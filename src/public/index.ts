/**
 * Howl's library core: runs in Node, in browsers and in workers. Nothing here imports `node:*`;
 * file-system helpers live in `howl/node`.
 */
export { HowlError, MidiFormatError, DatasetFormatError, InvalidArgumentError } from '../errors.js';
export type { Note, Score, Seconds, Ticks, TempoChange } from '../score/note.js';
export { clampPitch, MIN_PITCH, MAX_PITCH, PITCH_COUNT } from '../score/clamp-pitch.js';
export { sortNotes } from '../score/sort-notes.js';
export { createRng } from '../random/rng.js';
export type { Rng, RngState } from '../random/rng.js';

export { readMidi } from '../midi/read-midi.js';
export type { ReadMidiOptions } from '../midi/read-midi.js';
export { writeMidi, DEFAULT_TICKS_PER_QUARTER, DEFAULT_BPM } from '../midi/write-midi.js';
export type { WriteMidiOptions } from '../midi/write-midi.js';

export {
  noteToInt,
  intToNote,
  midiToNoteName,
  noteNameToMidi,
  MIN_NOTE_INT,
  MAX_NOTE_INT,
  MIDDLE_C_MIDI,
} from '../encoding/note-names.js';
export { encodings, encodingNames, isEncodingName, getEncoding } from '../encoding/encoding.js';
export type { NoteEncoding, EncodingName } from '../encoding/encoding.js';
export {
  encodeV1,
  decodeV1,
  v1ToFloat32,
  float32ToV1,
  v1Encoding,
  V1_WIDTH,
  V1_FIELDS,
} from '../encoding/v1.js';
export type { V1Row, V1NoteInput, DecodeV1Options } from '../encoding/v1.js';
export { augmentV1, drawAugmentV1, applyAugmentV1, AUGMENT_V1_RANGES } from '../augment/v1.js';
export type { AugmentV1Params } from '../augment/v1.js';

export { contentHash, contentHash64, CONTENT_HASH_PATTERN } from '../data/content-hash.js';
export { splitOf, hashToUnit, SPLITS, DEFAULT_VALIDATION_FRACTION } from '../data/split.js';
export type { Split } from '../data/split.js';
export {
  createDataset,
  encodeDataset,
  decodeDataset,
  fileNotes,
  fileIndicesOf,
  DATASET_MAGIC,
  DATASET_FORMAT_VERSION,
} from '../data/dataset-format.js';
export type {
  Dataset,
  DatasetFile,
  DatasetFailure,
  DatasetInput,
  DatasetMetadata,
  DatasetSettings,
  DatasetTotals,
  DecodeDatasetOptions,
  NoteColumns,
} from '../data/dataset-format.js';
export { createCropSampler, cropV1, DEFAULT_CROP_LENGTH, CROPS_PER_SONG_PER_ROUND } from '../data/crops.js';
export type { CropSampler, CropSamplerOptions, CropAugmenter } from '../data/crops.js';

export { createStepNetwork } from '../inference/create-step-network.js';
export { createOriginalLstmStep } from '../inference/original-lstm-step.js';
export type { StepNetwork, WeightMap, WeightTensor } from '../inference/step-network.js';
export { hasSimdKernel } from '../inference/matmul.js';
export { createComposer } from '../generate/composer.js';
export type { Composer, ComposerOptions } from '../generate/composer.js';
export { generateCandidates } from '../generate/candidates.js';
export type { Candidate, CandidateOptions } from '../generate/candidates.js';
export { resolveSampling, choosePitch, pitchLogProb } from '../generate/sampling.js';
export type { SamplingOptions, ResolvedSampling, PitchChoice } from '../generate/sampling.js';
export { randomFirstNote } from '../generate/next-note.js';
export type { ScoredNote } from '../generate/next-note.js';
export { presetConfig, validateModelConfig, MODEL_PRESETS, DEFAULT_PRESET } from '../model/config.js';
export type { ModelConfig, OriginalLstmConfig, ModelPresetName } from '../model/config.js';
