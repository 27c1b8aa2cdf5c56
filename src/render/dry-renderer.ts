import {
  SpessaSynthProcessor,
  type ChorusProcessor,
  type ChorusProcessorSnapshot,
  type ReverbProcessor,
  type ReverbProcessorSnapshot,
} from 'spessasynth_core';
import type { Note } from '../score/note.js';
import { BLOCK_FRAMES, scheduleNotes, type NoteSchedule } from './note-schedule.js';
import type { SoundFont } from './soundfont.js';

/**
 * One piece of dry synthesizer output: the voices' stereo mix and their mono reverb send, each
 * `frames` long (the arrays may be longer). The hall reverb turns the send into the wet signal.
 */
export interface DryChunk {
  readonly frames: number;
  readonly left: Float32Array;
  readonly right: Float32Array;
  readonly send: Float32Array;
}

/** Renders notes chunk by chunk, without the reverb. */
export interface DryRenderer {
  /** Frames in the whole render: up to the last note-off, plus the tail, in whole blocks. */
  readonly totalFrames: number;
  /**
   * Renders the next `frames` frames (a multiple of `BLOCK_FRAMES`, or what is left) into `into`,
   * which must be zeroed and at least `frames` long; returns the frames written, 0 at the end.
   */
  renderInto(into: DryChunk, frames: number): number;
}

/** Records the voices' reverb send into the current chunk instead of reverberating it. */
class SendRecorder implements ReverbProcessor {
  level = 64;
  preLowpass = 0;
  character = 4;
  time = 64;
  delayFeedback = 0;
  preDelayTime = 0;
  target: Float32Array = new Float32Array(0);

  process(
    input: Float32Array,
    _left: Float32Array,
    _right: Float32Array,
    start: number,
    count: number,
  ): void {
    const target = this.target;
    for (let i = 0; i < count; i++) target[start + i] = input[i]!;
  }

  getSnapshot(): ReverbProcessorSnapshot {
    const { level, preLowpass, character, time, delayFeedback, preDelayTime } = this;
    return { level, preLowpass, character, time, delayFeedback, preDelayTime };
  }
}

/** The chorus is left out: the GM pianos we render send nothing to it (CC93 defaults to 0). */
class NoChorus implements ChorusProcessor {
  level = 0;
  preLowpass = 0;
  feedback = 0;
  delay = 0;
  rate = 0;
  depth = 0;
  sendLevelToReverb = 0;
  sendLevelToDelay = 0;

  process(): void {}

  getSnapshot(): ChorusProcessorSnapshot {
    const { level, preLowpass, feedback, delay, rate, depth, sendLevelToReverb, sendLevelToDelay } = this;
    return { level, preLowpass, feedback, delay, rate, depth, sendLevelToReverb, sendLevelToDelay };
  }
}

/** Settings of a dry render. */
export interface DryRenderOptions {
  /** Frames per second. */
  sampleRate: number;
  /** Seconds rendered after the last note-off, for the release and the reverb. */
  tailSeconds: number;
  /**
   * Frames to render in total, instead of the notes' end plus the tail: parts of one piece rendered
   * separately (threads) must all have the piece's length.
   */
  totalFrames?: number;
}

/**
 * Creates a spessasynth_core synthesizer for `notes`: every channel on program 0 (the bank's piano),
 * effects on but the reverb only recorded (see `DryChunk`) and the chorus left out, voices added as
 * needed rather than stolen (so no note is cut short and disjoint note sets render independently).
 *
 * @param soundFont - from `loadSoundFont`
 * @param notes - the notes to play
 * @param options - sample rate, tail, optional total length
 * @returns a renderer that fills chunks in order
 * @throws {InvalidArgumentError} When a note has a bad field.
 * @example
 * const dry = await createDryRenderer(soundFont, notes, { sampleRate: 44100, tailSeconds: 2 });
 */
export async function createDryRenderer(
  soundFont: SoundFont,
  notes: readonly Note[],
  options: DryRenderOptions,
): Promise<DryRenderer> {
  const { sampleRate, tailSeconds } = options;
  const schedule: NoteSchedule = scheduleNotes(notes, sampleRate);
  const tailBlocks = Math.ceil((tailSeconds * sampleRate) / BLOCK_FRAMES);
  const totalFrames =
    options.totalFrames ?? (notes.length === 0 ? 0 : (schedule.lastBlock + tailBlocks) * BLOCK_FRAMES);
  const recorder = new SendRecorder();
  const synth = new SpessaSynthProcessor(sampleRate, {
    maxBufferSize: BLOCK_FRAMES,
    effectsEnabled: true,
    eventsEnabled: false,
    reverbProcessor: recorder,
    chorusProcessor: new NoChorus(),
  });
  synth.soundBankManager.addSoundBank(soundFont.bank, 'main');
  await synth.processorInitialized;
  // Past the 350 voices allocated, add voices rather than steal them, so no note is cut short. (Do
  // not lower the cap first: spessasynth then adds voices beyond the ones it mixes.)
  synth.setSystemParameter('autoAllocateVoices', true);
  for (let channel = 0; channel < 16; channel++) if (channel !== 9) synth.programChange(channel, 0);

  let frame = 0;
  let event = 0;
  return {
    totalFrames,
    renderInto(into, frames) {
      const count = Math.min(frames, totalFrames - frame);
      recorder.target = into.send;
      for (let offset = 0; offset < count; offset += BLOCK_FRAMES) {
        const block = (frame + offset) / BLOCK_FRAMES;
        while (event < schedule.length && schedule.block[event]! <= block) {
          const channel = schedule.channel[event]!;
          const velocity = schedule.velocity[event]!;
          if (velocity > 0) synth.noteOn(channel, schedule.pitch[event]!, velocity);
          else synth.noteOff(channel, schedule.pitch[event]!);
          event++;
        }
        synth.process(into.left, into.right, offset, Math.min(BLOCK_FRAMES, count - offset));
      }
      frame += count;
      return count;
    },
  };
}
