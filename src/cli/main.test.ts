import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/shared-data.js';
import { runCli as howl } from '../test-support/run-cli.js';

describe('howl', () => {
  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await howl(flag);
      expect(result.code).toBe(0);
      expect(result.out).toBe(`${version}\n`);
    }
  });

  it('generate --help names the audio formats, and what --notes counts', async () => {
    const { code, out } = await howl('generate', '--help');
    expect(code).toBe(0);
    const help = out.replace(/\s+/g, ' ');
    expect(help).toMatch(/--audio <file> the audio file to write: \.wav, \.mp3 or \.ogg/);
    expect(help).toMatch(
      /--notes <n> notes in the piece, its first note included .* with --primer, the notes written after the primer/,
    );
  });

  it('train --help says what a step costs and how to resume', async () => {
    const { code, out } = await howl('train', '--help');
    expect(code).toBe(0);
    const help = out.replace(/\s+/g, ' ');
    expect(help).toMatch(
      /What a step costs\. .* 32 × 256 notes, the default of Howl's networks, about [\d.]+ s .*Howl's WebAssembly kernels .* about [\d.]+ s at 32 × 256/,
    );
    expect(help).toMatch(/--resume RUN continues a run/);
    expect(help).toContain('[dataset]');
  });
});
