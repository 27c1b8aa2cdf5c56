import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clampPitch } from '../score/clamp-pitch.js';
import type { Note } from '../score/note.js';
import { sortNotes } from '../score/sort-notes.js';
import { edgeCasesDir, pianoMidiDir, repoRoot } from '../test-support/shared-data.js';
import { readMidi } from './read-midi.js';

// Oracle: scripts/mido-notes.py reads every file with Debian's python3-mido 1.2.10 (one process for
// all files) and pairs notes by the same documented rules; readMidi(bytes, { sustain: false }) must
// agree on every file mido can read. SMPTE files are left out (mido 1.2.10 times them wrongly), and so
// is the 500k-note synthetic file (7 s in mido; read-midi.test.ts checks it note by note).

const PYTHON = '/usr/bin/python3';
const hasMido = spawnSync(PYTHON, ['-c', 'import mido'], { stdio: 'ignore' }).status === 0;
if (!hasMido) console.warn(`[howl tests] ${PYTHON} with mido not found: the mido oracle test is skipped`);

type MidoResult =
  | { file: string; error: string }
  | { file: string; format: number; notes: [number, number, number, number][] };

function midiFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return midiFiles(path);
      return /\.mid$/i.test(name) && !name.startsWith('huge-') ? [path] : [];
    });
}

function runMido(files: string[]): Promise<Map<string, MidoResult>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(repoRoot, 'scripts', 'mido-notes.py')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`mido-notes.py exited with ${code}`));
      const results = new Map<string, MidoResult>();
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const result = JSON.parse(line) as MidoResult;
        results.set(result.file, result);
      }
      resolve(results);
    });
    child.stdin.end(files.join('\n') + '\n');
  });
}

/** First disagreement between our notes and mido's, or undefined when they agree. */
function disagreement(ours: readonly Note[], theirs: [number, number, number, number][]): string | undefined {
  if (ours.length !== theirs.length) return `note count ${ours.length} vs mido ${theirs.length}`;
  const reference = sortNotes(
    theirs.map(([pitch, velocity, start, end]) => ({
      pitch: clampPitch(pitch),
      velocity,
      time: start,
      duration: end - start,
    })),
  );
  // Same pitch sequence after the same sort (allowing swaps only between onsets within 1 ms).
  for (let i = 0; i < ours.length; i++) {
    if (ours[i]!.pitch !== reference[i]!.pitch && Math.abs(ours[i]!.time - reference[i]!.time) > 1e-3) {
      return `sorted note ${i}: pitch ${ours[i]!.pitch} at ${ours[i]!.time} vs mido ${reference[i]!.pitch} at ${reference[i]!.time}`;
    }
  }
  // Per pitch, in onset order: onsets and durations within 1 ms, same velocity.
  const byPitch = (notes: readonly Note[]): Map<number, Note[]> => {
    const map = new Map<number, Note[]>();
    for (const note of notes) map.set(note.pitch, [...(map.get(note.pitch) ?? []), note]);
    for (const list of map.values())
      list.sort((a, b) => a.time - b.time || a.duration - b.duration || a.velocity - b.velocity);
    return map;
  };
  const mine = byPitch(ours);
  const theirsByPitch = byPitch(reference);
  for (const [pitch, list] of theirsByPitch) {
    const other = mine.get(pitch) ?? [];
    if (other.length !== list.length) return `pitch ${pitch}: ${other.length} notes vs mido ${list.length}`;
    for (let i = 0; i < list.length; i++) {
      const a = other[i]!;
      const b = list[i]!;
      if (
        Math.abs(a.time - b.time) > 1e-3 ||
        Math.abs(a.duration - b.duration) > 1e-3 ||
        a.velocity !== b.velocity
      ) {
        return `pitch ${pitch} note ${i}: ${JSON.stringify(a)} vs mido ${JSON.stringify(b)}`;
      }
    }
  }
  return undefined;
}

describe.skipIf(!hasMido || !pianoMidiDir || !edgeCasesDir)('readMidi agrees with mido 1.2.10', () => {
  const pianoFiles = pianoMidiDir ? midiFiles(pianoMidiDir) : [];
  const edgeFiles = edgeCasesDir ? midiFiles(edgeCasesDir) : [];
  let mido = new Map<string, MidoResult>();

  beforeAll(async () => {
    mido = await runMido([...pianoFiles, ...edgeFiles]);
  }, 120_000);

  function compareAll(
    files: string[],
    root: string,
  ): { compared: number; skipped: string[]; failures: string[] } {
    const skipped: string[] = [];
    const failures: string[] = [];
    let compared = 0;
    for (const file of files) {
      const name = relative(root, file);
      const reference = mido.get(file);
      if (reference === undefined) {
        failures.push(`${name}: no mido result`);
        continue;
      }
      if ('error' in reference) {
        skipped.push(`${name} (${reference.error})`);
        continue;
      }
      const ours = readMidi(readFileSync(file), { file: name, sustain: false });
      const problem = disagreement(ours.notes, reference.notes);
      if (problem !== undefined) failures.push(`${name}: ${problem}`);
      compared++;
    }
    return { compared, skipped, failures };
  }

  it('on all 337 piano-midi-de files', () => {
    const { compared, skipped, failures } = compareAll(pianoFiles, pianoMidiDir!);
    expect(pianoFiles).toHaveLength(337);
    expect(skipped).toEqual([]);
    expect(failures).toEqual([]);
    expect(compared).toBe(337);
  });

  it('on every edge-case .mid that mido reads', () => {
    const { compared, skipped, failures } = compareAll(edgeFiles, edgeCasesDir!);
    expect(failures).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(130);
    // Files mido rejects (or that are out of scope) are covered by read-midi.test.ts instead.
    expect(skipped.length).toBeLessThanOrEqual(25);
  });
});
