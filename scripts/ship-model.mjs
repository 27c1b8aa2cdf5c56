// Copies a training run's best checkpoint into models/<name>/ as the model Howl ships: the weights
// only (the optimiser's moments are left out: a third of the size, and not needed to generate),
// plus the run's loss plot and a summary (training.json) that MODEL_CARD.md quotes.
// Build first (`npm run build`). Usage: node scripts/ship-model.mjs [runs/shipped-lstm192] [models/piano-lstm192]
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../dist/node/checkpoint-store.js';

const run = process.argv[2] ?? 'runs/shipped-lstm192';
const out = process.argv[3] ?? 'models/piano-lstm192';
const best = await loadCheckpoint(join(run, 'best'));
const weights = best.tensors.filter((t) => !t.name.startsWith('adam/'));
await saveCheckpoint(out, { ...best, tensors: weights });
copyFileSync(join(run, 'loss.svg'), join(out, 'loss.svg'));

const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const validations = metrics.filter((m) => m.type === 'validation');
const last = metrics.filter((m) => m.type === 'step').at(-1);
const parameters = weights.reduce((sum, t) => sum + t.data.length, 0);
const summary = {
  model: best.config.model,
  parameters,
  training: best.config.training,
  bestStep: best.state.step,
  bestValidation: validations.find((v) => v.step === best.state.step) ?? null,
  stepsRun: last?.step ?? null,
  trainingSeconds: last?.elapsedSeconds ?? null,
  tokensAtBest: best.state.tokens,
  validations: validations.map((v) => ({ step: v.step, loss: v.loss, parts: v.parts })),
};
writeFileSync(join(out, 'training.json'), JSON.stringify(summary, null, 1) + '\n');
console.log(`${out}: ${parameters} parameters from step ${best.state.step} of ${run}`);
