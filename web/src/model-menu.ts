import type { ComposerClient } from './composer-client.js';
import { readFileBytes } from './downloads.js';
import type { PickedFile } from './model-loader.js';
import { loadModelChoice, loadUserModel, saveModelChoice, saveUserModel } from './model-store.js';
import { ui } from './page-elements.js';

/**
 * The model menu: the shipped model, or one the person loads from its checkpoint files (kept in
 * IndexedDB, so it is there again after a reload). A model that does not load says why, and the
 * one in use stays.
 */
export interface ModelMenuHost {
  readonly composer: ComposerClient;
  /** Where the shipped model's files are served (a folder URL). */
  readonly shippedUrl: string;
  readonly say: (text: string, error?: boolean) => void;
  /** A model is in place (called after every successful load). */
  readonly onReady: () => void;
}

export interface ModelMenu {
  /** Loads the model chosen last time (the shipped one by default); resolves true when one is in place. */
  loadInitial(): Promise<boolean>;
}

type Loaded = { name: string; summary: string; ms: number; timing: boolean };

export function installModelMenu(host: ModelMenuHost): ModelMenu {
  let ready = false;
  let choice = loadModelChoice();

  async function load(run: () => Promise<Loaded>): Promise<boolean> {
    const shown = ui.modelInfo.textContent;
    ui.modelInfo.textContent = 'loading the model…';
    try {
      const { name, summary, ms, timing } = await run();
      ready = true;
      // The original regresses timing: one value, nothing for a temperature to act on.
      ui.timingTemperature.disabled = !timing;
      ui.timingTemperatureField.classList.toggle('disabled', !timing);
      ui.modelInfo.textContent = `${name}: ${summary}`;
      ui.modelInfo.title = `loaded in ${Math.round(ms)} ms; runs in this browser (WebAssembly SIMD), offline`;
      host.onReady();
      return true;
    } catch (error) {
      host.say(`The model did not load: ${error instanceof Error ? error.message : String(error)}`, true);
      ui.modelInfo.textContent = ready ? shown : 'no model';
      return false;
    }
  }

  const loadShipped = (): Promise<boolean> =>
    load(() => host.composer.loadUrl(host.shippedUrl, 'shipped model'));

  function showUserOption(name: string): void {
    const option = [...ui.model.options].find((o) => o.value === 'user') ?? new Option('', 'user');
    option.textContent = name;
    if (option.parentElement === null) ui.model.add(option, ui.model.options.length - 1);
    ui.model.value = 'user';
  }

  function choose(next: 'shipped' | 'user'): void {
    choice = next;
    saveModelChoice(next);
  }

  ui.model.addEventListener('change', () => {
    if (ui.model.value === 'load') {
      ui.model.value = choice;
      ui.modelInput.click();
    } else if (ui.model.value === 'shipped') {
      choose('shipped');
      void loadShipped();
    } else if (ui.model.value === 'user') {
      void loadUserModel().then(async (kept) => {
        if (kept && (await load(() => host.composer.loadFiles(kept.files, kept.name)))) choose('user');
      });
    }
  });

  ui.modelInput.addEventListener('change', () => {
    const files = [...(ui.modelInput.files ?? [])];
    ui.modelInput.value = '';
    if (files.length === 0) return;
    void (async () => {
      const picked: PickedFile[] = await Promise.all(
        files.map(async (f) => ({ path: f.webkitRelativePath || f.name, bytes: await readFileBytes(f) })),
      );
      const name = files[0]!.webkitRelativePath.split('/')[0] || 'your model';
      if (!(await load(() => host.composer.loadFiles(picked, name)))) {
        ui.model.value = choice;
        return;
      }
      showUserOption(name);
      choose('user');
      try {
        await saveUserModel({ name, files: picked });
        host.say(`Loaded ${name}; it will be here after a reload.`);
      } catch (error) {
        host.say(`Loaded ${name} (not kept for next time: ${String(error)}).`);
      }
    })();
  });

  return {
    async loadInitial() {
      if (choice === 'user') {
        const kept = await loadUserModel();
        if (kept !== null && (await load(() => host.composer.loadFiles(kept.files, kept.name)))) {
          showUserOption(kept.name);
          return true;
        }
        choose('shipped');
        host.say('Your model could not be loaded again; using the shipped model.', true);
      }
      return loadShipped();
    },
  };
}
