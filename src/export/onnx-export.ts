import { TIME_BIN_SECONDS, TIME_BINS, VELOCITIES_PER_BIN, VELOCITY_BINS } from '../encoding/grid.js';
import { InvalidArgumentError } from '../errors.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import { weightLayout } from '../model/checkpoint/weight-layout.js';
import {
  architectureName,
  MODEL_TYPES,
  type ConfigOfType,
  type ModelConfig,
  type ModelType,
  type OrderedConfig,
} from '../model/config.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import { GraphBuilder, type StatePair } from './onnx-graph.js';
import { pitchHeadGraph, restHeadGraph, stepHeads } from './onnx-heads.js';
import { encodeOnnxModel, type OnnxDim, type OnnxGraph } from './onnx-proto.js';
import { noteInputs, projectNote, recurrentTrunk } from './onnx-rnn.js';
import { transformerTrunk } from './onnx-transformer.js';

/**
 * Any Howl model as ONNX graphs of its step network (one note in, the state in and out), for
 * onnxruntime and other ONNX runtimes: `model.onnx` (the step), and for the ordered networks
 * `pitch.onnx` and `rest.onnx` (the heads that read the attributes already drawn), with
 * `onnx.json` describing every input and output. Standard operators of opset 17 only; float32
 * weights under Howl's names. `docs/onnx.md` has the interface and a sampling loop.
 */

/** The ONNX operator set the graphs use. */
export const ONNX_OPSET = 17;
/** The ONNX IR version of opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8;
/** The step graph's file (every export has it). */
export const ONNX_STEP_FILE = 'model.onnx';
/** The file that describes an export's graphs (written last). */
export const ONNX_MANIFEST_FILE = 'onnx.json';

/** Options of `exportOnnxModel`. */
export interface OnnxExportOptions {
  /** Howl's version, recorded in each file as the producer's (default: none). */
  readonly producerVersion?: string;
}

/** One input or output of a graph, as `onnx.json` lists it. */
export interface OnnxTensorInfo {
  readonly name: string;
  readonly type: 'float32' | 'int64';
  readonly shape: readonly OnnxDim[];
  readonly doc: string;
}

/** One graph of an export. */
export interface OnnxGraphInfo {
  readonly file: string;
  /** `step`: a note in, state in and out; `pitch`, `rest`: the heads given the bins drawn. */
  readonly role: 'step' | 'pitch' | 'rest';
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
}

/** `onnx.json`: what the folder holds and how the graphs connect. */
export interface OnnxManifest {
  readonly format: 'howl-onnx';
  readonly version: 1;
  readonly name: string;
  readonly model: ModelConfig;
  readonly opset: number;
  readonly parameters: number;
  readonly graphs: readonly OnnxGraphInfo[];
  /** The step's state: each output fed back as the input of that name at the next step; zeros at first. */
  readonly state: readonly StatePair[];
  readonly grid: {
    readonly pitches: number;
    readonly timeBins: number;
    readonly timeBinSeconds: number;
    readonly velocityBins: number;
    readonly velocitiesPerBin: number;
  };
}

/** An export: the files' bytes by name, in writing order, and the description. */
export interface OnnxExport {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly manifest: OnnxManifest;
}

/** Builds one architecture's step graph into `g`; returns its state pairs. */
type StepGraphBuilder<C extends ModelConfig> = (g: GraphBuilder, config: C) => StatePair[];

/**
 * The step graph of every model type (mapped over `ModelType`: a type missing here does not compile).
 */
const STEP_GRAPHS: { readonly [T in ModelType]: StepGraphBuilder<ConfigOfType<T>> } = {
  'original-lstm': (g, config) => {
    const x = projectNote(g, noteInputs(g), 'rnn/kernel', 'v1');
    const { features, state } = recurrentTrunk(g, config, x);
    g.output(
      g.dense(features, 'pitch'),
      'pitch_logits',
      'float32',
      ['batch', PITCH_COUNT],
      "the next note's pitch logits (120, index = MIDI pitch); softmax gives p(pitch)",
    );
    const regression = g.op('Mul', [g.op('Sigmoid', [g.dense(features, 'regression')]), g.floats([4], [])]);
    g.output(
      regression,
      'regression',
      'float32',
      ['batch', 3],
      "the next note's delay, duration (seconds) and volume, each 4·sigmoid, in (0, 4)",
    );
    return state;
  },
  'ordered-rnn': (g, config) => {
    const x = projectNote(g, noteInputs(g), 'rnn/kernel', config.pitchEncoding);
    const { features, state } = recurrentTrunk(g, config, x);
    stepHeads(g, config, features);
    return state;
  },
  transformer: (g, config) => {
    const embedded = g.op('Add', [
      projectNote(g, noteInputs(g), 'embed/kernel', config.pitchEncoding),
      g.weight('embed/bias'),
    ]);
    const { features, state } = transformerTrunk(g, config, embedded);
    stepHeads(g, config, features);
    return state;
  },
};

/**
 * Checks every weight of the model against its layout.
 *
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
function checkWeights(config: ModelConfig, weights: WeightMap): number {
  let parameters = 0;
  for (const { name, shape } of weightLayout(config)) {
    const w = weights.get(name);
    if (!w) throw new InvalidArgumentError(`model weights: '${name}' is missing`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]) || w.data.length !== size) {
      throw new InvalidArgumentError(
        `model weights: '${name}' has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    parameters += size;
  }
  return parameters;
}

/** A graph built, with its file and role. */
interface BuiltGraph {
  readonly file: string;
  readonly role: OnnxGraphInfo['role'];
  readonly graph: OnnxGraph;
}

/** Builds one graph over the model's weights. */
function buildGraph(
  weights: WeightMap,
  file: string,
  role: OnnxGraphInfo['role'],
  doc: string,
  make: (g: GraphBuilder) => void,
): BuiltGraph {
  const g = new GraphBuilder(weights);
  make(g);
  return { file, role, graph: g.build(`howl_${role}`, doc) };
}

const infos = (graph: OnnxGraph, which: 'inputs' | 'outputs'): OnnxTensorInfo[] =>
  graph[which].map((v) => ({ name: v.name, type: v.type, shape: v.dims, doc: v.doc ?? '' }));

/** `onnx.json`'s content. */
function manifestOf(
  config: ModelConfig,
  parameters: number,
  graphs: readonly BuiltGraph[],
  state: readonly StatePair[],
): OnnxManifest {
  return {
    format: 'howl-onnx',
    version: 1,
    name: architectureName(config),
    model: config,
    opset: ONNX_OPSET,
    parameters,
    graphs: graphs.map(({ file, role, graph }) => ({
      file,
      role,
      inputs: infos(graph, 'inputs'),
      outputs: infos(graph, 'outputs'),
    })),
    state,
    grid: {
      pitches: PITCH_COUNT,
      timeBins: TIME_BINS,
      timeBinSeconds: TIME_BIN_SECONDS,
      velocityBins: VELOCITY_BINS,
      velocitiesPerBin: VELOCITIES_PER_BIN,
    },
  };
}

/**
 * Writes a model's step network as ONNX.
 *
 * @param config - the model's configuration (any type)
 * @param weights - its weights by name (a checkpoint's, or `weightMapOf(model)`)
 * @param options - Howl's version, recorded in each file
 * @returns the files (`model.onnx`, then `pitch.onnx` and `rest.onnx` for an ordered network, then
 *   `onnx.json`) and the description
 * @throws InvalidArgumentError for a model type that has no ONNX graph, a gap-filling model, or a
 *   missing or misshapen weight
 * @example const { files } = exportOnnxModel(checkpoint.config.model, weightsOf(checkpoint));
 */
export function exportOnnxModel(
  config: ModelConfig,
  weights: WeightMap,
  options: OnnxExportOptions = {},
): OnnxExport {
  if (!Object.hasOwn(STEP_GRAPHS, config.type)) {
    throw new InvalidArgumentError(
      `cannot export a '${String(config.type)}' model as ONNX; known types: ${MODEL_TYPES.join(', ')}`,
    );
  }
  if (config.type === 'ordered-rnn' && config.infill) {
    throw new InvalidArgumentError(
      'cannot export a gap-filling (infill) model as ONNX yet: its step reads 27 more inputs per note; export it as safetensors',
    );
  }
  const parameters = checkWeights(config, weights);
  const name = architectureName(config);
  let state: StatePair[] = [];
  const stepGraph = STEP_GRAPHS[config.type] as StepGraphBuilder<ModelConfig>;
  const graphs = [
    buildGraph(weights, ONNX_STEP_FILE, 'step', `${name}: one note in, the state in and out`, (g) => {
      state = stepGraph(g, config);
    }),
  ];
  if (config.type !== 'original-lstm') {
    const ordered: OrderedConfig = config;
    graphs.push(
      buildGraph(weights, 'pitch.onnx', 'pitch', `${name}: p(pitch | delay)`, (g) =>
        pitchHeadGraph(g, ordered),
      ),
      buildGraph(weights, 'rest.onnx', 'rest', `${name}: p(duration, velocity | delay, pitch)`, (g) =>
        restHeadGraph(g, ordered),
      ),
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const { file, role, graph } of graphs) {
    const metadata = { 'howl.role': role, 'howl.model': JSON.stringify(config) };
    files.set(
      file,
      encodeOnnxModel({
        irVersion: ONNX_IR_VERSION,
        opset: ONNX_OPSET,
        producerName: 'howl',
        producerVersion: options.producerVersion ?? '',
        doc: graph.doc,
        metadata,
        graph,
      }),
    );
  }
  const manifest = manifestOf(config, parameters, graphs, state);
  files.set(ONNX_MANIFEST_FILE, new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`));
  return { files, manifest };
}
