import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { removeStaleTempFiles, STALE_TEMP_MS, writeFileAtomic } from './atomic-write.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'howl-stale-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The id of a process that has exited (a child, waited for). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 0x7ffffffe;
}

describe('temporary files left by killed writers', () => {
  test('the first atomic write into a folder removes those of dead processes, and those over a day old', async () => {
    const dir = await tempDir();
    const dead = deadPid();
    const live = process.ppid; // the test runner's parent: alive for the whole test
    const names = {
      deadWav: `.howl-7.wav.${dead}.1.tmp`, // `howl generate` killed while writing the audio
      deadDataset: `.piano.howl.${dead}.12.tmp`, // `howl import` killed
      deadProbe: `.piano.howl.${dead}.3.probe`,
      deadSpill: `.howl-7.wav.${dead}.2.render.tmp`, // its audio render's sample spill
      liveRecent: `.other.mid.${live}.1.tmp`, // another process writing now: kept
      liveOld: `.old.mid.${live}.2.tmp`, // alive (or a reused id) but two days old: a leftover
      notOurs: 'notes.tmp', // not our naming scheme
      notOurs2: '.a.b.tmp',
      piece: 'piece.mid',
    };
    for (const name of Object.values(names)) await writeFile(join(dir, name), 'x'.repeat(1000));
    const twoDaysAgo = (Date.now() - 2 * STALE_TEMP_MS) / 1000;
    await utimes(join(dir, names.liveOld), twoDaysAgo, twoDaysAgo);

    await writeFileAtomic(join(dir, 'new.mid'), 'new');

    expect((await readdir(dir)).sort()).toEqual(
      [names.liveRecent, names.notOurs, names.notOurs2, names.piece, 'new.mid'].sort(),
    );
  });

  test('a folder named like a temporary file is left alone, and a missing folder is no error', async () => {
    const dir = await tempDir();
    const folder = `.x.mid.${deadPid()}.1.tmp`;
    await mkdir(join(dir, folder));
    expect(await removeStaleTempFiles(dir)).toEqual([]);
    expect(await readdir(dir)).toEqual([folder]);
    expect(await removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  test('removeStaleTempFiles reports what it removed', async () => {
    const dir = await tempDir();
    const name = `.a.wav.${deadPid()}.9.tmp`;
    await writeFile(join(dir, name), '');
    expect(await removeStaleTempFiles(dir)).toEqual([name]);
  });
});
