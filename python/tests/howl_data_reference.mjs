// Howl's own reading of datasets, V1 rows, crops and learning-rate schedule, as JSON on stdout, for
// python/tests/test_dataset.py and test_train.py to compare the PyTorch twin against. Imports the
// built package (dist/: `npm run build` first).
//
//   node python/tests/howl_data_reference.mjs dataset FILE.howl [FILE_INDEX...]
//   node python/tests/howl_data_reference.mjs crops FILE.howl SPLIT LENGTH SEED AUGMENT COUNT [TAG=W,...]
//   node python/tests/howl_data_reference.mjs validation FILE.howl LENGTH COUNT
//   node python/tests/howl_data_reference.mjs schedule STEPS|- TIME|- WARMUP LR ROUND BATCH
//   node python/tests/howl_data_reference.mjs parquet DIR   (the tables as hyparquet reads them)
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import {
  augmentV1,
  augmentV1WithTimeRange,
  createCropSampler,
  createRng,
  decodeDataset,
  encodeV1,
  fileIndicesOf,
  fileNotes,
  withVelocityCurve,
} from '../../dist/public/index.js';
import { datasetIdentity } from '../../dist/data/dataset-identity.js';
import { drawValidationCrops } from '../../dist/train/validation.js';
import { createTrainingBudget, resolveTrainOptions } from '../../dist/train/train-options.js';
import { learningRateAt } from '../../dist/train/lr-schedule.js';

const [command, file, ...args] = process.argv.slice(2);
const out = (value) => process.stdout.write(JSON.stringify(value));
const load = async () => decodeDataset(new Uint8Array(await readFile(file)), file);

if (command === 'dataset') {
  const dataset = await load();
  const { created, sources, sourceTags, settings, files, failures, totals } = dataset;
  const notes = {};
  for (const index of args.map(Number)) {
    const list = fileNotes(dataset, index);
    notes[index] = {
      time: list.map((n) => n.time),
      duration: list.map((n) => n.duration),
      pitch: list.map((n) => n.pitch),
      velocity: list.map((n) => n.velocity),
      v1: encodeV1(list),
    };
  }
  out({
    metadata: { created, sources, sourceTags, settings, files, failures, totals },
    train: fileIndicesOf(dataset, 'train'),
    validation: fileIndicesOf(dataset, 'validation'),
    identity: datasetIdentity(dataset),
    notes,
  });
} else if (command === 'crops') {
  const [split, length, seed, augment, count, weights] = args;
  const narrow = augmentV1WithTimeRange([0.8, 1.25]);
  const augmenters = {
    v1: augmentV1,
    performance: withVelocityCurve(augmentV1),
    'performance-narrow': withVelocityCurve(narrow),
    none: undefined,
  };
  const sourceWeights =
    weights === undefined
      ? undefined
      : Object.fromEntries(weights.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
  const rng = createRng(Number(seed));
  const sampler = createCropSampler(await load(), {
    split,
    length: Number(length),
    rng,
    ...(augmenters[augment] ? { augment: augmenters[augment] } : {}),
    ...(sourceWeights ? { sourceWeights } : {}),
  });
  out({ crops: sampler.nextBatch(Number(count)), rng: rng.getState(), roundSize: sampler.roundSize });
} else if (command === 'validation') {
  const [length, count] = args.map(Number);
  out({ crops: drawValidationCrops(await load(), { length, validationCrops: count }) });
} else if (command === 'schedule') {
  // `file` is the step limit here ('-' for none).
  const [time, warmup, lr, round, batch] = args;
  const options = resolveTrainOptions({
    ...(file === '-' ? {} : { steps: Number(file) }),
    ...(time === '-' ? {} : { timeSeconds: Number(time) }),
    warmupSteps: Number(warmup),
    lr: Number(lr),
    batchSize: Number(batch),
  });
  const budget = createTrainingBudget(options, Number(round));
  const upTo = budget.maxSteps ?? 50;
  out({
    schedule: budget.schedule,
    rates: Array.from({ length: upTo + 1 }, (_, i) => learningRateAt(budget.schedule, i + 1)),
  });
} else if (command === 'parquet') {
  const tables = {};
  for (const table of ['notes', 'files', 'failures']) {
    const path = join(file, `${table}.parquet`);
    if (!existsSync(path)) continue;
    const bytes = await readFile(path);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const metadata = parquetMetadata(buffer);
    const types = Object.fromEntries(
      parquetSchema(metadata).children.map((c) => [c.element.name, c.element.type]),
    );
    const rows = await parquetReadObjects({ file: buffer, metadata, compressors });
    const columns = {};
    for (const [name, type] of Object.entries(types)) {
      columns[name] = {
        type,
        values: rows.map((r) => (typeof r[name] === 'bigint' ? Number(r[name]) : r[name])),
      };
    }
    tables[table] = {
      keyValue: Object.fromEntries((metadata.key_value_metadata ?? []).map((kv) => [kv.key, kv.value])),
      columns,
    };
  }
  out(tables);
} else {
  process.stderr.write(`unknown command ${command}\n`);
  process.exit(2);
}
