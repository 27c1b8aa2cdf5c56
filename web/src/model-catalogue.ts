/**
 * The models the page ships, in the order of the model menu. `web/vite.config.ts` copies each
 * folder of `models/` into the build (the first, the default, to `model/`, which `howl serve
 * --model` replaces; the others to `models/<folder>/`), and the menu offers them by `value`.
 */
export interface ShippedModel {
  /** The menu's value (kept in localStorage as the choice). */
  readonly value: string;
  /** The folder under `models/` in the repository. */
  readonly folder: string;
  /** Where the build serves its checkpoint files, relative to the page (ends in '/'). */
  readonly url: string;
  /** What the menu calls it. */
  readonly label: string;
  /** One line for its tooltip: what it is good for. */
  readonly about: string;
  /** The weights' licence (short form, as on the model card). */
  readonly licence: string;
  /** Whom the licence asks to credit. */
  readonly credit: string;
  /**
   * The folder has a `sampling.json` (the sampling measured for its weights), which the build
   * copies beside the weights and the page fetches; false: none, so the page asks for none (a
   * missing file would be a 404 in the console). `web/vite.config.ts` refuses to build when this
   * disagrees with the folder. The default's comes with `model/about.json` instead.
   */
  readonly sampling: boolean;
  /**
   * The folder has a `repetition.json` (its fitted repetition cache), which the build copies and
   * the page fetches and gives the composer worker; as `sampling`, the build checks it, and the
   * default's comes with `model/about.json` instead.
   */
  readonly repetition: boolean;
}

const PIANO_MIDI_DE = {
  licence: 'CC BY-SA 3.0 DE',
  credit: 'trained on piano-midi.de by Bernd Krueger; weights by Howl',
} as const;

/** The shipped models; the first is the default. */
export const SHIPPED_MODELS: readonly ShippedModel[] = [
  {
    value: 'shipped',
    folder: 'piano-asap-ordered-lstm',
    url: './model/',
    label: 'Ordered LSTM, human performances',
    about:
      'the default: learned from pianists (ASAP) and piano-midi.de; plays closest to human performances; non-commercial use only',
    licence: 'CC BY-NC-SA 4.0',
    credit:
      'trained on ASAP (Foscarin et al. 2020; performances from MAESTRO, Hawthorne et al. 2019) and piano-midi.de by Bernd Krueger; weights by Howl',
    sampling: true,
    repetition: true,
  },
  {
    value: 'piano-ordered-lstm',
    folder: 'piano-ordered-lstm',
    url: './models/piano-ordered-lstm/',
    label: 'Ordered LSTM',
    about:
      'trained on piano-midi.de only: free to use commercially (CC BY-SA); holds together over long pieces',
    ...PIANO_MIDI_DE,
    sampling: true,
    repetition: true,
  },
  {
    value: 'piano-transformer',
    folder: 'piano-transformer',
    url: './models/piano-transformer/',
    label: 'Transformer',
    about: 'the best at predicting the next note; suits short continuations of your music',
    ...PIANO_MIDI_DE,
    sampling: false,
    repetition: false,
  },
  {
    value: 'piano-lstm192',
    folder: 'piano-lstm192',
    url: './models/piano-lstm192/',
    label: 'Original LSTM',
    about: "the original system's network, trained by Howl: one timing value per note",
    ...PIANO_MIDI_DE,
    sampling: false,
    repetition: false,
  },
];

/**
 * The model *Fill* uses (`models/piano-asap-infill`, the default fine-tuned to fill gaps): not in
 * the menu (it writes only gaps); `web/vite.config.ts` copies it to `models/<folder>/` beside the
 * others, and the composer worker fetches it on the first fill, with its repetition cache
 * (`repetition.json`), so a fill draws on the whole piece around the gap.
 */
export const INFILL_MODEL = {
  folder: 'piano-asap-infill',
  url: './models/piano-asap-infill/',
  label: 'Infill LSTM, human performances',
  licence: 'CC BY-NC-SA 4.0',
  repetition: true,
} as const;

/**
 * Where the page finds the infill model, as the worker's fill request names it.
 *
 * @param baseURI - the page's base URI
 * @returns its folder URL, its name and whether it has a repetition cache
 */
export const infillModelAt = (baseURI: string): { base: string; name: string; repetition: boolean } => ({
  base: new URL(INFILL_MODEL.url, baseURI).href,
  name: INFILL_MODEL.label,
  repetition: INFILL_MODEL.repetition,
});

/**
 * The default model's description, written beside its files in the build (`model/about.json`).
 * The page reads it to name the model it finds at `model/`: `howl serve --model DIR` serves
 * another folder there, without this file, and the menu then says so instead of naming a licence
 * it does not know.
 */
export interface ModelAbout {
  readonly label: string;
  readonly licence: string;
  readonly credit: string;
  /**
   * The model's `sampling.json` (without its note), when it has one. `howl serve --model DIR`
   * serves an `about.json` of its own with only this (or nothing), so the page learns the served
   * model's sampling without asking for a file that may not be there.
   */
  readonly sampling?: unknown;
  /**
   * The model's `repetition.json` (without its note), when it has one; `howl serve --model DIR`
   * serves it the same way, so the page learns the served model's repetition cache.
   */
  readonly repetition?: unknown;
}

/** The menu's text for a model: its name and its licence. */
export const menuText = (model: { label: string; licence: string }): string =>
  `${model.label} · ${model.licence}`;
