// Howl's side of the PyTorch twin's equality test (python/tests/test_twin_equality.py). Imports the
// built library (dist/: run `npm run build` first).
//
//   node python/tests/howl_reference.mjs reference OUT_DIR
//     For every preset at a tiny size (and variants), and for the shipped models at full size:
//     creates the model (seeded) or loads it, exports it as a safetensors folder (OUT_DIR/<case>/,
//     as `howl export --format safetensors`), builds Howl's batch from fixed crops (slices of the
//     test MIDI fixtures plus synthetic edge cases), computes Howl's loss (no dropout) and writes
//     OUT_DIR/<case>/features/<name>.bin (the batch's arrays, little-endian), OUT_DIR/<case>/crops.bin
//     (the crops' V1 rows as float64, one after another) and OUT_DIR/cases.json (per case: the config,
//     the crops' lengths, the loss and its parts, the real steps, the features' shapes and dtypes).
//
//   node python/tests/howl_reference.mjs losses JOBS.json
//     JOBS.json: [{ "folder": DIR, "crops": [[[delay, duration, volume, pitch], ...], ...] }, ...].
//     Reads each folder with Howl's own safetensors reader, builds its step network (what `howl
//     generate` does first) and its training network, and prints one JSON array of
//     { "loss", "parts" } to stdout.
//
// HOWL_BACKEND picks the TensorFlow.js backend: default 'wasm', as `howl train` (with the native
// kernels where they load), or 'cpu' (TensorFlow.js's plain JavaScript kernels). HOWL_TIMES=1 prints
// each case's time to stderr.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (file) => join(root, 'dist/public', file);
const howl = await import(dist('index.js'));
const howlModel = await import(dist('model.js'));
const howlNode = await import(dist('node.js'));

const backend = process.env.HOWL_BACKEND ?? 'wasm';
// 'cpu': TensorFlow.js's own JavaScript kernels, nothing native (about 10× slower at full size).
if (backend === 'cpu') await howlModel.setupBackend('cpu');
else await howlNode.setupNodeBackend(backend);

/** A preset at a size that runs in milliseconds (as src/model/checkpoint/safetensors-model.test.ts). */
function small(config, overrides = {}) {
  const sizes = {
    units: 7,
    denseUnits: 6,
    blocks: 2,
    headUnits: 5,
    layers: 2,
    modelUnits: 8,
    heads: 2,
    ffUnits: 12,
    window: 4,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, sizes[key] ?? value]));
}

/** V1 rows of a fixture MIDI file. */
function fixtureRows(file) {
  const bytes = readFileSync(join(root, 'test/fixtures/piano-midi-de', file));
  return howl.encodeV1(howl.readMidi(bytes, { file }).notes);
}

/** Rows that exercise every edge of the batching: negative and tiny delays, bin edges, times of
 * 4 s and more, volumes that round to a half, the lowest and highest pitches. */
const EDGE_ROWS = [
  [0, 0.5, 64 / 127, 0],
  [-0.003, 7, 1, 59],
  [0.29, 4, 0, -60],
  [4, 0.005, 0.5, 12],
  [3.995, 3.999999, 2 / 127, -13],
  [0.0099999, 0.01, 1.5 / 127, 47],
  [12.5, 0.29, 1.2, 5],
  [1e-9, 0.3, 127.5 / 127, -1],
  [0.07, 0.07, 0.25, 23],
  [-0, 0.009999999, 63.5 / 127, 24],
  [0.1, 1e-7, 0.999, -59],
  [0.015, 2.5, 0.7, 35],
];

const bach = fixtureRows('Bach/bach_846.mid');
const chopin = fixtureRows('Chopin/chpn-p7.mid');
const mozart = fixtureRows('Mozart/mz_311_2.mid');

const TINY_CROPS = [bach.slice(0, 24), EDGE_ROWS, chopin.slice(10, 19), mozart.slice(100, 102)];
const FULL_CROPS = [bach.slice(0, 301), chopin.slice(0, 129), mozart.slice(50, 250), EDGE_ROWS];

/** The batch's arrays, by the names the Python twin uses. */
function featuresOf(model, crops) {
  const batch = model.makeBatch(crops);
  const names = {
    inputs: 'inputs',
    mask: 'mask',
    pitch: 'pitch',
    regression: 'regression',
    delay: 'delay',
    octave: 'octave',
    pitchClass: 'pitch_class',
    duration: 'duration',
    velocity: 'velocity',
  };
  const out = {};
  for (const [key, name] of Object.entries(names)) {
    const t = batch[key];
    if (t === undefined) continue;
    out[name] = { shape: t.shape, dtype: t.dtype, data: t.dataSync() };
  }
  return { batch, features: out, tokens: batch.tokens };
}

function lossOf(model, batch) {
  const result = model.loss(batch, { training: false });
  const loss = result.total.dataSync()[0];
  const parts = Object.fromEntries(Object.entries(result.parts).map(([k, v]) => [k, v.dataSync()[0]]));
  result.total.dispose();
  for (const v of Object.values(result.parts)) v.dispose();
  return { loss, parts };
}

function modelWithWeights(config, weights) {
  const model = howlModel.createModel(config, { seed: 1 });
  howlModel.loadWeights(model, {
    tensors: [...weights].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
  });
  return model;
}

async function writeCase(out, name, config, source, crops, training) {
  const started = Date.now();
  const dir = join(out, name);
  const files = await howlNode.saveSafetensorsModel(dir, {
    config: { model: config, encoding: 'v1', training: training.options },
    weights: source.weights,
    training: training.summary,
  });
  const model = source.model ?? modelWithWeights(config, source.weights);
  const { batch, features, tokens } = featuresOf(model, crops);
  const { loss, parts } = lossOf(model, batch);
  batch.dispose();
  model.dispose();
  mkdirSync(join(dir, 'features'), { recursive: true });
  // The crops as float64 bytes too: JSON writes -0 as 0.
  const rows = Float64Array.from(crops.flat(2));
  writeFileSync(join(dir, 'crops.bin'), new Uint8Array(rows.buffer));
  const shapes = {};
  for (const [key, f] of Object.entries(features)) {
    writeFileSync(
      join(dir, 'features', `${key}.bin`),
      new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength),
    );
    shapes[key] = { shape: f.shape, dtype: f.dtype };
  }
  if (process.env.HOWL_TIMES) process.stderr.write(`${name}: ${Date.now() - started} ms\n`);
  return {
    name,
    folder: dir,
    files,
    config,
    cropLengths: crops.map((c) => c.length),
    loss,
    parts,
    tokens,
    features: shapes,
  };
}

async function reference(out) {
  mkdirSync(out, { recursive: true });
  const cases = [];
  const tiny = [];
  for (const [preset, config] of Object.entries(howlModel.MODEL_PRESETS)) {
    tiny.push([`tiny-${preset}`, small(config)]);
  }
  // The transformer with a window longer than the crops, one head, and dropout (off in eval).
  tiny.push([
    'tiny-transformer-wide',
    small(howlModel.presetConfig('ordered-transformer'), { window: 64, heads: 1 }),
  ]);
  tiny.push([
    'tiny-transformer-octave-dropout',
    {
      ...small(howlModel.presetConfig('ordered-transformer'), { heads: 4, window: 7 }),
      pitchEncoding: 'octave-class',
      dropout: 0.2,
    },
  ]);
  tiny.push([
    'tiny-ordered-gru-octave',
    { ...small(howlModel.presetConfig('ordered-gru')), pitchEncoding: 'octave-class', blocks: 1 },
  ]);
  tiny.push(['tiny-lstm-dropout', { ...small(howlModel.presetConfig('lstm-192')), dropout: 0.5, blocks: 3 }]);
  let seed = 11;
  for (const [name, raw] of tiny) {
    const config = howlModel.validateModelConfig(raw);
    const model = howlModel.createModel(config, { seed: seed++ });
    const weights = howlModel.weightMapOf(model);
    cases.push(
      await writeCase(out, name, config, { model, weights }, TINY_CROPS, {
        options: { batchSize: 4, lr: 0.001 },
        summary: { steps: 1234, seconds: 56.5, bestLoss: 7.25 },
      }),
    );
  }
  // Full size, seeded weights: the presets no shipped model covers.
  for (const preset of ['gru-512', 'ordered-gru', 'ordered-lstm-octave']) {
    const config = howlModel.presetConfig(preset);
    const model = howlModel.createModel(config, { seed: seed++ });
    cases.push(
      await writeCase(
        out,
        `full-${preset}`,
        config,
        { model, weights: howlModel.weightMapOf(model) },
        FULL_CROPS,
        {
          options: {},
          summary: undefined,
        },
      ),
    );
  }
  for (const shipped of [
    'piano-asap-ordered-lstm',
    'piano-ordered-lstm',
    'piano-transformer',
    'piano-lstm192',
  ]) {
    const loaded = await howlNode.loadModel(join(root, 'models', shipped));
    cases.push(
      await writeCase(
        out,
        `shipped-${shipped}`,
        loaded.config.model,
        { weights: loaded.weights },
        FULL_CROPS,
        {
          options: loaded.config.training,
          summary: loaded.training,
        },
      ),
    );
  }
  writeFileSync(
    join(out, 'cases.json'),
    JSON.stringify({ backend, presets: howlModel.MODEL_PRESETS, cases }),
  );
}

async function losses(jobsFile) {
  const jobs = JSON.parse(readFileSync(jobsFile, 'utf8'));
  const results = [];
  for (const job of jobs) {
    const loaded = await howlNode.loadSafetensorsModel(job.folder);
    const step = howl.createStepNetwork(loaded.config.model, loaded.weights);
    step.step([job.crops[0][0]]);
    const model = modelWithWeights(loaded.config.model, loaded.weights);
    const batch = model.makeBatch(job.crops);
    results.push(lossOf(model, batch));
    batch.dispose();
    model.dispose();
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

const [command, arg] = process.argv.slice(2);
if (command === 'reference' && arg) await reference(resolve(arg));
else if (command === 'losses' && arg) await losses(resolve(arg));
else {
  process.stderr.write('usage: howl_reference.mjs reference OUT_DIR | losses JOBS.json\n');
  process.exit(2);
}
