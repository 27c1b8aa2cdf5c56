import type { PickedFile } from './model-loader.js';

/**
 * Keeping a model the person loaded from files across reloads: its files go to IndexedDB (a
 * LSTM-192 checkpoint is 2–6 MB, too much for localStorage), and the choice between it and the
 * shipped models to localStorage.
 */

const DATABASE = 'howl';
const STORE = 'models';
const KEY = 'user';
const CHOICE_KEY = 'howl.model.v1';

/** A model the person picked, as it is kept. */
export interface StoredModel {
  readonly name: string;
  readonly files: readonly PickedFile[];
}

/** `'user'` (the model kept here) or a shipped model's menu value (`model-catalogue.ts`). */
export type ModelChoice = string;

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is not available'));
  });
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}

/** Keeps the model (replacing the one kept before). */
export async function saveUserModel(model: StoredModel): Promise<void> {
  await run('readwrite', (store) => store.put({ name: model.name, files: model.files }, KEY));
}

/** The kept model, or null when there is none or it is unreadable. */
export async function loadUserModel(): Promise<StoredModel | null> {
  try {
    const value = (await run('readonly', (store) => store.get(KEY))) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const { name, files } = value as { name?: unknown; files?: unknown };
    if (typeof name !== 'string' || !Array.isArray(files)) return null;
    const ok = files.every(
      (f: { path?: unknown; bytes?: unknown }) => typeof f.path === 'string' && f.bytes instanceof Uint8Array,
    );
    return ok ? { name, files: files as PickedFile[] } : null;
  } catch {
    return null;
  }
}

/** The choice kept last time, or null (none, or storage off); the menu checks that it still exists. */
export function loadModelChoice(): ModelChoice | null {
  try {
    return localStorage.getItem(CHOICE_KEY);
  } catch {
    return null;
  }
}

export function saveModelChoice(choice: ModelChoice): void {
  try {
    localStorage.setItem(CHOICE_KEY, choice);
  } catch {
    // storage off: the default model loads next time
  }
}
