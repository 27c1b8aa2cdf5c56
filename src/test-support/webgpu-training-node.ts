import { setupNodeBackend } from '../node/tf-backend.js';
import { AGREEMENT_MODELS, compareRuns, trainOnActiveBackend } from './backend-agreement.js';

/**
 * The Node side of `src/node/node-webgpu.test.ts`, run bundled in a child process (Dawn needs its
 * Vulkan library path set before the process starts): trains each tiny model on cpu, then on
 * webgpu through the `webgpu` package, and prints one JSON line per model.
 */
for (const which of ['ordered-lstm', 'transformer'] as const) {
  await setupNodeBackend('cpu');
  const cpu = await trainOnActiveBackend(AGREEMENT_MODELS[which]);
  await setupNodeBackend('webgpu');
  const webgpu = await trainOnActiveBackend(AGREEMENT_MODELS[which]);
  process.stdout.write(
    JSON.stringify({
      which,
      backend: webgpu.backend,
      seconds: webgpu.seconds,
      agreement: compareRuns(webgpu, cpu),
    }) + '\n',
  );
}
