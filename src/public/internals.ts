/**
 * Howl's building blocks under the public API (`howl/internals`): the pieces `howl`'s entry points
 * are made of, for tests, benchmarks and tools that reach below them. Like `howl`, it runs in Node,
 * browsers and workers without TensorFlow.js. Names here may change in any release; the entry
 * points in `howl` are the stable surface.
 */
export { contentHash64 } from '../data/content-hash.js';
export { hashToUnit } from '../data/split.js';
export { CROPS_PER_SONG_PER_ROUND } from '../data/crops.js';
export { timeBinEdges, volumeBinEdges } from '../encoding/grid.js';
export { applySustain } from '../midi/sustain-pedal.js';
export type { SustainNotes, SustainPedals } from '../midi/sustain-pedal.js';
export { ARCHITECTURES } from '../model/config.js';
export type { ArchitectureSpec, ConfigOfType } from '../model/config.js';

export { STEP_NETWORKS } from '../inference/create-step-network.js';
export type { StepNetworkBuilder } from '../inference/create-step-network.js';
export { createOriginalLstmStep } from '../inference/original-lstm-step.js';
export { createOrderedRnnStep } from '../inference/ordered-rnn-step.js';
export { createTransformerStep } from '../inference/transformer-step.js';
export { choosePitch, chooseIndex, pitchLogProb, logProbAt } from '../generate/sampling.js';
export type { PitchChoice } from '../generate/sampling.js';

export { createDryRenderer } from '../render/dry-renderer.js';
export type { DryChunk, DryRenderer, DryRenderOptions } from '../render/dry-renderer.js';
export { scheduleNotes, partitionByPitch, BLOCK_FRAMES, MAX_NOTES } from '../render/note-schedule.js';
export type { NoteSchedule } from '../render/note-schedule.js';
export { createHallReverb } from '../render/hall-reverb.js';
export type { Reverb } from '../render/hall-reverb.js';
export { encodeWavSamples, wavHeader } from '../render/wav.js';
export { velocityColor } from '../plot/piano-roll.js';

export { erf, erfc, logBinProbability } from '../eval/erf.js';
export { gaussianBinLogProb, gaussianGrid, fitSigma } from '../eval/gaussian.js';
export type { SigmaFit } from '../eval/gaussian.js';
export { fitBaselines, scoreBaselines } from '../eval/baselines.js';
export type { Baselines, BaselineNll } from '../eval/baselines.js';
export { predictPieces } from '../eval/predict.js';
export type { Predictions, PredictOptions } from '../eval/predict.js';
export { targetsOf, fitGaussianWidths, gridNll } from '../eval/likelihood.js';
export type { AttributeNll, GaussianWidths, Targets } from '../eval/likelihood.js';
export { FEATURES, FEATURE_SPECS, measureFeatures, recurrenceShares } from '../eval/features.js';
export type { Feature, FeatureSpec, FeatureValues } from '../eval/features.js';
export { overlappedArea } from '../eval/overlap.js';
export { longestRepeat, measureDegeneration } from '../eval/degeneration.js';
export type { Repeat, PieceDegeneration } from '../eval/degeneration.js';
