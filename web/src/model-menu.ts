import type { RepetitionConfig, SamplingOptions } from '../../src/public/index.js';
import type { ComposerClient, Loaded } from './composer-client.js';
import { readFileBytes } from './downloads.js';
import { menuText, SHIPPED_MODELS, type ModelAbout, type ShippedModel } from './model-catalogue.js';
import type { PickedFile } from './model-loader.js';
import {
  decodeModelRepetition,
  decodeModelSampling,
  MODEL_REPETITION_FILE,
  MODEL_SAMPLING_FILE,
  parseModelRepetition,
  parseModelSampling,
  tunedSliders,
} from './model-sampling.js';
import { loadModelChoice, loadUserModel, saveModelChoice, saveUserModel } from './model-store.js';
import { ui } from './page-elements.js';
import { showTunedSliders } from './settings-controls.js';

/**
 * The model menu: the shipped models (`model-catalogue.ts`, each naming its licence), or one the
 * person loads from its checkpoint or safetensors files (kept in IndexedDB, so it is there again
 * after a reload).
 * A model that does not load says why, and the one in use stays.
 */
export interface ModelMenuHost {
  readonly composer: ComposerClient;
  /** The page's base URL: the shipped models are served relative to it. */
  readonly baseUrl: string;
  readonly say: (text: string, error?: boolean) => void;
  /**
   * A model is in place (called after every successful load), with its tuned sampling
   * (`sampling.json`; `{}` when it has none).
   */
  readonly onReady: (sampling: SamplingOptions) => void;
}

export interface ModelMenu {
  /** Loads the model chosen last time (the default by default); resolves true when one is in place. */
  loadInitial(): Promise<boolean>;
  /**
   * The repetition cache the composer worker made the model in use's composer with (its
   * `repetition.json`; null when it has none), mixed in at its sampling's `repetition`.
   */
  repetition(): RepetitionConfig | null;
}

const DEFAULT = SHIPPED_MODELS[0]!;

/** What the person sees of a model: its name, and its licence when known. */
type Described = Pick<ShippedModel, 'label'> & Partial<Pick<ShippedModel, 'licence' | 'credit' | 'about'>>;

/**
 * A served model: where, how to get its tuned sampling (`{}`: none; no request is made then) and
 * its repetition cache (undefined: none; no request either).
 */
type Served = Described & {
  url: string;
  tuned: () => Promise<SamplingOptions>;
  repetition: () => Promise<RepetitionConfig | undefined>;
};

const NONE = (): Promise<SamplingOptions> => Promise.resolve({});
const NO_CACHE = (): Promise<RepetitionConfig | undefined> => Promise.resolve(undefined);

/** Fetches a file of a shipped model's folder (only one the catalogue says it has). */
async function fetchFile(url: string, where: string, file: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url + file);
  } catch (error) {
    throw new Error(`${where}: cannot fetch it: ${String(error)}`, { cause: error });
  }
  if (!response.ok) throw new Error(`${where}: cannot fetch it: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Fetches a shipped model's `sampling.json` (only for those the catalogue says have one). */
async function fetchSampling(url: string, label: string): Promise<SamplingOptions> {
  const where = `${label}: ${MODEL_SAMPLING_FILE}`;
  return decodeModelSampling(await fetchFile(url, where, MODEL_SAMPLING_FILE), where);
}

/** Fetches a shipped model's `repetition.json` (only for those the catalogue says have one). */
async function fetchRepetition(url: string, label: string): Promise<RepetitionConfig> {
  const where = `${label}: ${MODEL_REPETITION_FILE}`;
  return decodeModelRepetition(await fetchFile(url, where, MODEL_REPETITION_FILE), where);
}

export function installModelMenu(host: ModelMenuHost): ModelMenu {
  const shipped = new Map<string, Served>(
    SHIPPED_MODELS.map((m) => {
      const url = new URL(m.url, host.baseUrl).href;
      // The default's come with model/about.json (`describeDefault`), whatever folder is there.
      const tuned = m.sampling && m !== DEFAULT ? () => fetchSampling(url, m.label) : NONE;
      const repetition = m.repetition && m !== DEFAULT ? () => fetchRepetition(url, m.label) : NO_CACHE;
      return [m.value, { ...m, url, tuned, repetition }];
    }),
  );
  const known = (value: string | null): value is string => value === 'user' || shipped.has(value ?? '');
  const kept = loadModelChoice();
  const choice = known(kept) ? kept : DEFAULT.value;

  const loadOption = ui.model.querySelector<HTMLOptionElement>('option[value="load"]')!;
  loadOption.title =
    "A checkpoint folder's config.json, weights.json, weights.bin and state.json, or model.safetensors and config.json, picked together";
  for (const [value, model] of shipped) {
    const option = new Option(menuText({ label: model.label, licence: model.licence! }), value);
    option.title = `${model.about ?? ''}; ${model.licence}, ${model.credit}`;
    ui.model.add(option, loadOption);
  }
  ui.model.value = shipped.has(choice) ? choice : DEFAULT.value; // "your model" appears once loaded

  const m: MenuState = {
    host,
    shipped,
    choice,
    ready: false,
    repetition: null,
    loadOption,
    described: describeDefault(host.baseUrl, shipped),
  };
  ui.model.addEventListener('change', () => onMenuChange(m));
  ui.modelInput.addEventListener('change', () => onModelFiles(m));
  return { loadInitial: () => loadInitial(m), repetition: () => m.repetition };
}

/** What the menu's handlers share. */
interface MenuState {
  readonly host: ModelMenuHost;
  /** The shipped models by menu value (the default's entry is replaced once `described`). */
  readonly shipped: Map<string, Served>;
  /** The model in use, or being loaded first: a menu value. */
  choice: string;
  /** A model has loaded (a failure then leaves it in place). */
  ready: boolean;
  /** The model in use's repetition cache, as the composer worker has it (null: none). */
  repetition: RepetitionConfig | null;
  /** The menu's "load a model…" entry (other entries go before it). */
  readonly loadOption: HTMLOptionElement;
  /** Resolves once the default entry names what the server has at model/. */
  readonly described: Promise<void>;
}

/**
 * The default entry is whatever the server has at model/: the shipped default (whose build
 * writes model/about.json), or another folder (`howl serve --model DIR`), named as such.
 */
function describeDefault(baseUrl: string, shipped: MenuState['shipped']): Promise<void> {
  return fetch(new URL('model/about.json', baseUrl))
    .then(async (response) => (response.ok ? ((await response.json()) as Partial<ModelAbout>) : null))
    .catch(() => null)
    .then((about) => {
      const entry = shipped.get(DEFAULT.value)!;
      const option = ui.model.querySelector<HTMLOptionElement>(`option[value="${DEFAULT.value}"]`)!;
      if (about !== null && typeof about.label === 'string' && typeof about.licence === 'string') {
        Object.assign(entry, { label: about.label, licence: about.licence, credit: about.credit ?? '' });
        option.textContent = menuText({ label: about.label, licence: about.licence });
      } else {
        shipped.set(DEFAULT.value, {
          label: "The server's model",
          url: entry.url,
          tuned: NONE,
          repetition: NO_CACHE,
        });
        option.textContent = "The server's model (howl serve --model)";
        option.title = 'the model `howl serve --model` was given; see its folder for its licence';
      }
      // Its sampling.json and repetition.json, as the build or `howl serve` put them in
      // about.json: checked when the model loads, so a bad one is said as a load failure.
      const described = shipped.get(DEFAULT.value)!;
      const given = about?.sampling;
      const where = `${described.label}: ${MODEL_SAMPLING_FILE}`;
      if (given !== undefined) described.tuned = () => Promise.resolve(parseModelSampling(given, where));
      const cache = about?.repetition;
      const cacheWhere = `${described.label}: ${MODEL_REPETITION_FILE}`;
      if (cache !== undefined)
        described.repetition = () => Promise.resolve(parseModelRepetition(cache, cacheWhere));
    });
}

/** Runs a load, showing the model (and its licence) once in place, or why it did not load. */
async function load(m: MenuState, run: () => Promise<Loaded>, licence?: Described): Promise<boolean> {
  const shown = ui.modelInfo.textContent;
  ui.modelInfo.textContent = 'loading the model…';
  try {
    const { name, summary, ms, timing, sampling, repetition } = await run();
    m.ready = true;
    m.repetition = repetition;
    showTunedSliders(timing, tunedSliders(sampling));
    ui.modelInfo.textContent = `${name}: ${summary}${licence?.licence ? ` · ${licence.licence}` : ''}`;
    ui.modelInfo.title =
      `${licence?.credit ? `${licence.credit}. ` : ''}Loaded in ${Math.round(ms)} ms; ` +
      'runs in this browser (WebAssembly SIMD), offline';
    m.host.onReady(sampling);
    return true;
  } catch (error) {
    m.host.say(`The model did not load: ${error instanceof Error ? error.message : String(error)}`, true);
    ui.modelInfo.textContent = m.ready ? shown : 'no model';
    return false;
  }
}

async function loadShipped(m: MenuState, value: string): Promise<boolean> {
  if (value === DEFAULT.value) await m.described;
  const model = m.shipped.get(value)!;
  const run = async (): Promise<Loaded> => {
    // The sampling and the repetition cache first: when one is broken the model in use stays,
    // with its own.
    const sampling = await model.tuned();
    const repetition = await model.repetition();
    return { ...(await m.host.composer.loadUrl(model.url, model.label, repetition)), sampling };
  };
  return load(m, run, model);
}

function showUserOption(m: MenuState, name: string): void {
  const option = [...ui.model.options].find((o) => o.value === 'user') ?? new Option('', 'user');
  option.textContent = name;
  option.title = 'your model, kept in this browser';
  if (option.parentElement === null) ui.model.add(option, m.loadOption);
  ui.model.value = 'user';
}

function choose(m: MenuState, next: string): void {
  m.choice = next;
  saveModelChoice(next);
}

/** The menu changed: open the file picker, or load the chosen model (the menu goes back if it fails). */
function onMenuChange(m: MenuState): void {
  const value = ui.model.value;
  if (value === 'load') {
    ui.model.value = m.choice;
    ui.modelInput.click();
  } else if (value === 'user') {
    void loadUserModel().then(async (kept) => {
      if (kept && (await load(m, () => m.host.composer.loadFiles(kept.files, kept.name)))) choose(m, 'user');
      else ui.model.value = m.choice;
    });
  } else if (m.shipped.has(value)) {
    void loadShipped(m, value).then((ok) => {
      if (ok) choose(m, value);
      else ui.model.value = m.choice;
    });
  }
}

/** Files were picked: load them as a model, and keep it in IndexedDB for the next visit. */
function onModelFiles(m: MenuState): void {
  const files = [...(ui.modelInput.files ?? [])];
  ui.modelInput.value = '';
  if (files.length === 0) return;
  void (async () => {
    const picked: PickedFile[] = await Promise.all(
      files.map(async (f) => ({ path: f.webkitRelativePath || f.name, bytes: await readFileBytes(f) })),
    );
    const name = files[0]!.webkitRelativePath.split('/')[0] || 'your model';
    if (!(await load(m, () => m.host.composer.loadFiles(picked, name)))) {
      ui.model.value = m.choice;
      return;
    }
    showUserOption(m, name);
    choose(m, 'user');
    try {
      await saveUserModel({ name, files: picked });
      m.host.say(`Loaded ${name}; it will be here after a reload.`);
    } catch (error) {
      m.host.say(`Loaded ${name} (not kept for next time: ${String(error)}).`);
    }
  })();
}

/** `ModelMenu.loadInitial`: the model chosen last time, else the default. */
async function loadInitial(m: MenuState): Promise<boolean> {
  if (m.choice === 'user') {
    const kept = await loadUserModel();
    if (kept !== null && (await load(m, () => m.host.composer.loadFiles(kept.files, kept.name)))) {
      showUserOption(m, kept.name);
      return true;
    }
    choose(m, DEFAULT.value);
    m.host.say('Your model could not be loaded again; using the default model.', true);
  } else if (m.choice !== DEFAULT.value) {
    if (await loadShipped(m, m.choice)) return true;
    choose(m, DEFAULT.value);
  }
  ui.model.value = DEFAULT.value;
  return loadShipped(m, DEFAULT.value);
}
