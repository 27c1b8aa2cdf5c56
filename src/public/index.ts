/**
 * Howl's library core: runs in Node, in browsers and in workers. Nothing here imports `node:*`;
 * file-system helpers live in `howl/node`, models and training in `howl/model`, and the building
 * blocks under this API (kernels of sampling, scoring and rendering) in `howl/internals`.
 */
export {
  HowlError,
  MidiFormatError,
  NoteLimitError,
  DatasetFormatError,
  InvalidArgumentError,
} from '../errors.js';
export type { Note, Score, Seconds, Ticks, TempoChange } from '../score/note.js';
export { clampPitch, MIN_PITCH, MAX_PITCH, PITCH_COUNT } from '../score/clamp-pitch.js';
export { sortNotes } from '../score/sort-notes.js';
export {
  beatsBetween,
  beatSeconds,
  barSeconds,
  checkBeatGrid,
  divisionSeconds,
  firstDownbeat,
  quarterSeconds,
  snapTime,
  DEFAULT_BEAT_GRID,
  METER_DENOMINATORS,
  MIN_BPM,
  MAX_BPM,
} from '../score/meter.js';
export type { Beat, BeatGrid, Meter } from '../score/meter.js';
export { quantise, QUANTISE_DIVISIONS } from '../score/quantise.js';
export type { QuantiseOptions } from '../score/quantise.js';
export { estimateTempo } from '../score/estimate-tempo.js';
export type { EstimateTempoOptions, TempoEstimate } from '../score/estimate-tempo.js';
export { createRng } from '../random/rng.js';
export type { Rng, RngState } from '../random/rng.js';

export { readMidi, DEFAULT_MAX_NOTES, MAX_ONSET_SECONDS } from '../midi/read-midi.js';
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
export {
  ATTRIBUTES,
  GRID_BINS,
  TIME_BINS,
  TIME_BIN_SECONDS,
  TIME_RANGE_SECONDS,
  VELOCITY_BINS,
  timeBin,
  velocityBin,
  toGrid,
} from '../encoding/grid.js';
export type { Attribute, GridSequence } from '../encoding/grid.js';
export {
  augmentV1,
  augmentV1WithTimeRange,
  drawAugmentV1,
  applyAugmentV1,
  AUGMENT_V1_RANGES,
} from '../augment/v1.js';
export type { AugmentV1Params } from '../augment/v1.js';
export {
  augmentVelocityCurve,
  applyVelocityCurve,
  drawVelocityCurve,
  withVelocityCurve,
  VELOCITY_CURVE_RANGES,
} from '../augment/velocity-curve.js';
export type { VelocityCurveParams } from '../augment/velocity-curve.js';

export { contentHash, CONTENT_HASH_PATTERN } from '../data/content-hash.js';
export { splitOf, SPLITS, DEFAULT_VALIDATION_FRACTION } from '../data/split.js';
export type { Split } from '../data/split.js';
export {
  assignSplits,
  defaultSourceTags,
  groupKeyOf,
  parseGroupRule,
  DEFAULT_GROUP_RULE,
} from '../data/groups.js';
export type { GroupRule, GroupedFile } from '../data/groups.js';
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
export { createCropSampler, cropV1, DEFAULT_CROP_LENGTH } from '../data/crops.js';
export type { CropSampler, CropSamplerOptions, CropAugmenter } from '../data/crops.js';

export {
  encodeCheckpoint,
  decodeCheckpoint,
  encodeCheckpointConfig,
  decodeCheckpointConfig,
  CheckpointError,
  CHECKPOINT_VERSION,
  CHECKPOINT_FILES,
} from '../model/checkpoint/checkpoint.js';
export type {
  Checkpoint,
  CheckpointConfig,
  CheckpointTensor,
  TrainingState,
  CurvePoint,
} from '../model/checkpoint/checkpoint.js';
export { weightsOf } from '../model/checkpoint/weight-map.js';
export type { WeightMap, WeightTensor } from '../model/checkpoint/weight-map.js';
export { weightLayout } from '../model/checkpoint/weight-layout.js';
export type { WeightSpec } from '../model/checkpoint/weight-layout.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  SafetensorsError,
  SAFETENSORS_READ_DTYPES,
} from '../model/checkpoint/safetensors.js';
export type { SafetensorsFile, SafetensorsTensor } from '../model/checkpoint/safetensors.js';
export {
  encodeSafetensorsModel,
  decodeSafetensorsModel,
  isSafetensorsModel,
  trainingSummaryOf,
  SAFETENSORS_FILE,
  SAFETENSORS_MODEL_FILES,
  SAFETENSORS_FORMAT,
} from '../model/checkpoint/safetensors-model.js';
export type { SafetensorsModel, TrainingSummary } from '../model/checkpoint/safetensors-model.js';
export {
  exportOnnxModel,
  ONNX_OPSET,
  ONNX_IR_VERSION,
  ONNX_STEP_FILE,
  ONNX_MANIFEST_FILE,
} from '../export/onnx-export.js';
export type {
  OnnxExport,
  OnnxExportOptions,
  OnnxManifest,
  OnnxGraphInfo,
  OnnxTensorInfo,
} from '../export/onnx-export.js';
export type { StatePair } from '../export/onnx-graph.js';

export { createStepNetwork } from '../inference/create-step-network.js';
export type { StepNetworkOptions } from '../inference/create-step-network.js';
export type { StepNetwork, RegressionStepNetwork, OrderedStepNetwork } from '../inference/step-network.js';
export { hasSimdKernel } from '../inference/matmul.js';
export { createComposer } from '../generate/composer.js';
export type { Composer, ComposerOptions } from '../generate/composer.js';
export { generateCandidates } from '../generate/candidates.js';
export type { Candidate, CandidateOptions } from '../generate/candidates.js';
export { DEFAULT_SAMPLING, resolveSampling } from '../generate/sampling.js';
export type { SamplingOptions, ResolvedSampling } from '../generate/sampling.js';
export { decodeModelSampling, MODEL_SAMPLING_FILE, parseModelSampling } from '../generate/sampling-file.js';
export {
  decodeRepetitionConfig,
  mixLogits,
  mixLogProb,
  MODEL_REPETITION_FILE,
  parseRepetitionConfig,
  RepetitionCache,
  validateRepetitionConfig,
  type RepetitionConfig,
  type RepetitionMatch,
} from '../generate/repetition-cache.js';
export { ChordCache, type ChordMatch, type ChordVote } from '../generate/chord-cache.js';
export type { ChordCacheConfig } from '../generate/repetition-config.js';
export {
  DEFAULT_CHORD_BINS,
  DEFAULT_CHORD_ORDERS,
  DEFAULT_REPETITION_ORDERS,
  fitRepetition,
  withRepetition,
  type RepetitionFit,
  type RepetitionFitOptions,
} from '../eval/repetition-fit.js';
export { randomFirstNote } from '../generate/next-note.js';
export type { ScoredNote } from '../generate/next-note.js';
export {
  fillGap,
  cutAroundGap,
  writeGap,
  gapWriter,
  gapContextRows,
  feedGapContext,
} from '../generate/infill.js';
export type {
  FillGapOptions,
  FilledGap,
  GapParts,
  GapContext,
  InfillMode,
  InfillContextNotes,
} from '../generate/infill.js';
export {
  INFILL_FEATURES,
  SUFFIX_SUMMARY_FEATURES,
  infillInputAt,
  suffixSummary,
  writeInfillFeatures,
} from '../encoding/infill-input.js';
export type { InfillInput, InfillSegment, SuffixNotes } from '../encoding/infill-input.js';
export {
  presetConfig,
  validateModelConfig,
  MODEL_PRESETS,
  DEFAULT_PRESET,
  architectureName,
  describeArchitecture,
} from '../model/config.js';
export type {
  ModelConfig,
  ModelType,
  OriginalLstmConfig,
  OrderedRnnConfig,
  TransformerConfig,
  OrderedConfig,
  ModelPresetName,
} from '../model/config.js';

export { loadSoundFont, SoundFontError } from '../render/soundfont.js';
export type { SoundFont } from '../render/soundfont.js';
export {
  renderNotes,
  renderNoteChunks,
  resolveRenderOptions,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_TAIL_SECONDS,
  DEFAULT_CHUNK_FRAMES,
} from '../render/render-notes.js';
export type { RenderOptions, ResolvedRenderOptions, StereoAudio } from '../render/render-notes.js';
export { encodeWav } from '../render/wav.js';
export type { EncodeWavOptions, WavSampleFormat } from '../render/wav.js';
export { peakAmplitude, peakGain, DEFAULT_PEAK_DB } from '../render/peak.js';
export {
  createAudioEncoder,
  audioFormatOfPath,
  checkEncodable,
  AUDIO_EXTENSIONS,
} from '../render/audio-encoder.js';
export type { AudioEncoder, AudioEncoderOptions, AudioFormat } from '../render/audio-encoder.js';
export { pianoRollSvg } from '../plot/piano-roll.js';
export type { PianoRollOptions } from '../plot/piano-roll.js';

export { evaluateModel, pitchVerdict, DEFAULT_EVAL_SAMPLING } from '../eval/evaluate.js';
export type {
  EvalResult,
  EvaluateOptions,
  EvalProgress,
  LikelihoodResult,
  MusicResult,
  BaselineScores,
} from '../eval/evaluate.js';
export { evaluateInfill } from '../eval/infill-eval.js';
export type { InfillEvalOptions, InfillEvalResult, GapFigures } from '../eval/infill-eval.js';
export { compareMusic } from '../eval/similarity.js';
export type { SimilarityResult, FeatureComparison, DegenerationSummary } from '../eval/similarity.js';
export { buildReport, reportMarkdown, reportJson } from '../eval/report.js';
export type { ReportContext, ReportFile } from '../eval/report.js';
