// Composing with the shipped model from code, run by the test suite (examples/examples.test.ts):
//   npm run build && node examples/compose.mjs [out-folder]
// A person's phrase, the model's continuation, an edit, another continuation, then MIDI, audio and
// a piano roll. Every step of generation is one network step per note.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createComposer,
  createStepNetwork,
  loadModel,
  pianoRollSvg,
  renderAudioFile,
  writeFileAtomic,
  writeMidi,
} from 'howl/node';

const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'howl-compose-'));
mkdirSync(out, { recursive: true });

// The shipped piano model (models/piano-lstm192), run without TensorFlow.js.
const model = await loadModel();
const network = createStepNetwork(model.config.model, model.weights);
const composer = createComposer(network, { seed: 7, sampling: { temperature: 0.9, topP: 0.95 } });

// A person's opening: a C major arpeggio, up and down.
const opening = [60, 64, 67, 72, 76, 72, 67, 64].map((pitch, i) => ({
  pitch,
  velocity: 70,
  time: i * 0.25,
  duration: 0.3,
}));
composer.append(opening);

// The model continues for 120 notes; a streaming caller could stop (break) at any note.
const first = [];
for await (const note of composer.generate({ notes: 120 })) first.push(note);

// Change of mind: keep the first 80 notes, put a low G there, and let the model go on from it.
// The composer rolls its state back to note 80; nothing before it is read again.
const keep = 80;
const after = composer.notes[keep - 1];
composer.replaceFrom(keep, [{ pitch: 43, velocity: 90, time: after.time + 0.4, duration: 1.2 }]);
const more = [];
for await (const note of composer.generate({ seconds: 15 })) more.push(note);

const notes = composer.notes;
const end = notes[notes.length - 1];
await writeFileAtomic(join(out, 'composed.mid'), writeMidi(notes));
await writeFileAtomic(join(out, 'composed.svg'), pianoRollSvg(notes, { title: 'examples/compose.mjs' }));
await writeFileAtomic(join(out, 'composed.wav'), await renderAudioFile(notes, 'composed.wav'));
const mean =
  notes.slice(opening.length).reduce((sum, n) => sum + (n.logProb ?? 0), 0) / (notes.length - opening.length);
console.log(
  `composed ${notes.length} notes (${opening.length + 1} given, ${keep - opening.length} of the first ${first.length} generated kept, ${more.length} after the edit), ${(end.time + end.duration).toFixed(1)} s; ` +
    `mean log-probability ${mean.toFixed(2)} per note; wrote ${join(out, 'composed.{mid,svg,wav}')}`,
);
