#!/usr/bin/env node
const argv = process.argv.slice(2);
// `howl import` loads only the import command (src/cli/commands/import-main.ts), which starts faster.
const { main } =
  argv[0] === 'import'
    ? { main: (await import('../dist/cli/commands/import-main.js')).importMain }
    : await import('../dist/cli/main.js');

process.exitCode = await main(argv);
