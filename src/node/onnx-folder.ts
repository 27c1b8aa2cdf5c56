import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ONNX_MANIFEST_FILE, type OnnxExport, type OnnxManifest } from '../export/onnx-export.js';
import { WriteFileError, writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './file-system-errors.js';

/**
 * An ONNX export on disk (`exportOnnxModel`, `docs/onnx.md`): `model.onnx` (and `pitch.onnx`,
 * `rest.onnx`) and `onnx.json`.
 */

/** The graph files a previous export in `dir` listed (none when there is none, or it is unreadable). */
async function previousGraphs(dir: string): Promise<string[]> {
  try {
    const manifest = JSON.parse(
      await readFile(join(dir, ONNX_MANIFEST_FILE), 'utf8'),
    ) as Partial<OnnxManifest>;
    if (manifest.format !== 'howl-onnx' || !Array.isArray(manifest.graphs)) return [];
    return manifest.graphs.map((g) => g.file).filter((f) => /^[a-z]+\.onnx$/.test(f));
  } catch {
    return [];
  }
}

/**
 * Writes an ONNX export into `dir`, each file atomically (a temporary file renamed over the old
 * one), the graphs first and `onnx.json` last, so that `onnx.json` only ever describes graphs that
 * are there. Graph files of a previous export that this one does not have (an ordered network's
 * `pitch.onnx` and `rest.onnx` replaced by an original network's export) are then removed.
 *
 * @param dir - the folder, created if missing
 * @param exported - what `exportOnnxModel` returned
 * @returns the paths written, in order
 * @throws WriteFileError naming the file or folder and the reason
 * @example await saveOnnxModel('export/onnx', exportOnnxModel(config, weights));
 */
export async function saveOnnxModel(dir: string, exported: OnnxExport): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new WriteFileError(dir, describeFsError(error, dir), { cause: error });
  });
  const stale = (await previousGraphs(dir)).filter((file) => !exported.files.has(file));
  const written: string[] = [];
  for (const [name, bytes] of exported.files) {
    const path = join(dir, name);
    await writeFileAtomic(path, bytes);
    written.push(path);
  }
  for (const file of stale) await rm(join(dir, file), { force: true });
  return written;
}
