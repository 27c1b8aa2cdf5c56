import type { Note, Seconds } from '../../src/public/index.js';
import { ANSWER_LENGTH_RANGE, ANSWER_PAUSE_RANGE, type AnswerUnit } from './answer-mode.js';
import { messageTime, parseMidiMessage } from './midi-input.js';
import { createMidiPlayer, type MidiPlayer } from './midi-output.js';
import { createMidiSession, type MidiSession, type MidiSessionHost } from './midi-session.js';
import { createThru, type Thru } from './midi-thru.js';
import type { OutputSwitch } from './output-switch.js';
import { ui } from './page-elements.js';
import type { MidiSettings } from './storage.js';

/**
 * The toolbar's MIDI row, the thin DOM side of the MIDI keyboard: asks the browser for Web MIDI
 * (at once where it was allowed before, otherwise on *Connect MIDI…*), lists the inputs and
 * outputs (again whenever a device comes or goes), listens to the chosen input's `onmidimessage`
 * and hands each message to the session (`midi-session.ts`), switches *Play* to the chosen output
 * (`output-switch.ts`), echoes the input to that output when *thru* is on (`midi-thru.ts`; a MIDI
 * device only), and keeps the *Answer* settings. Without Web MIDI, or where it is denied, the row
 * says so in one line and the rest of the page is as it was.
 */
export interface MidiControlHost extends Omit<MidiSessionHost, 'answerSettings' | 'changed' | 'player'> {
  readonly output: OutputSwitch;
  /** Plays the model's answer, on the output chosen (the page's *Play*, with only these notes). */
  readonly play: (notes: readonly Note[], from: Seconds) => Promise<void>;
  readonly getSettings: () => MidiSettings;
  /** Keeps new settings and saves them. */
  readonly setSettings: (settings: MidiSettings) => void;
}

/** What the keyboard and the page call. */
export interface MidiCommands {
  toggleRecord(): void;
  toggleAnswer(): void;
  readonly session: MidiSession;
}

export const NO_WEB_MIDI = 'No MIDI keyboard: this browser has no Web MIDI (everything else works).';
export const MIDI_DENIED =
  'No MIDI keyboard: MIDI access was denied (allow it in the site settings, then Connect MIDI…).';

/** What the row's parts share. */
interface Row {
  readonly host: MidiControlHost;
  readonly session: MidiSession;
  access: MIDIAccess | null;
  /** The input whose `onmidimessage` is ours. */
  listening: MIDIInput | null;
  /** A player for each output chosen so far. */
  readonly players: Map<string, MidiPlayer>;
  /** The MIDI output chosen (null: the built-in piano), and thru to it while *thru* is on. */
  output: MIDIOutput | null;
  thru: Thru | null;
}

export function installMidiControls(host: MidiControlHost): MidiCommands {
  const session = createMidiSession({
    ...host,
    player: {
      play: host.play,
      position: () => host.output.position(),
      get playing() {
        return host.output.playing;
      },
      stop: () => host.output.stop(),
    },
    answerSettings: () => host.getSettings().answer,
    changed: () => show(row),
  });
  const row: Row = {
    host,
    session,
    access: null,
    listening: null,
    players: new Map(),
    output: null,
    thru: null,
  };
  const change = (next: Partial<MidiSettings>): void => host.setSettings({ ...host.getSettings(), ...next });
  ui.midiIn.addEventListener('change', () => {
    change({ input: ui.midiIn.value || null });
    refreshDevices(row);
  });
  ui.midiOut.addEventListener('change', () => {
    change({ output: ui.midiOut.value || null });
    refreshDevices(row);
  });
  ui.midiThru.addEventListener('change', () => {
    change({ thru: ui.midiThru.checked });
    setThru(row);
  });
  installAnswerInputs(host);
  ui.midiConnect.addEventListener('click', () => void connect(row));

  const commands: MidiCommands = {
    session,
    toggleRecord() {
      if (row.listening === null && !session.recording) return host.say(whyNoInput(row.access));
      session.toggleRecord();
    },
    toggleAnswer() {
      if (row.listening === null && !session.answering) return host.say(whyNoInput(row.access));
      session.toggleAnswer();
    },
  };
  ui.record.addEventListener('click', () => commands.toggleRecord());
  ui.answer.addEventListener('click', () => commands.toggleAnswer());
  show(row);
  if (typeof navigator.requestMIDIAccess !== 'function') {
    ui.midiConnect.hidden = true;
    ui.midiStatus.textContent = NO_WEB_MIDI;
  } else {
    ui.midiConnect.hidden = false;
    // Asked at once only where it was allowed before: otherwise the browser asks the person first.
    void navigator.permissions
      ?.query({ name: 'midi' as PermissionName })
      .then((p) => (p.state === 'granted' ? connect(row) : undefined))
      .catch(() => undefined);
  }
  return commands;
}

/** Asks the browser for MIDI; says in one line when it is denied. */
async function connect(row: Row): Promise<void> {
  ui.midiStatus.textContent = 'asking for MIDI access…';
  try {
    row.access = await navigator.requestMIDIAccess();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const denied = name === 'NotAllowedError' || name === 'SecurityError';
    ui.midiStatus.textContent = denied ? MIDI_DENIED : `No MIDI keyboard: ${String(error)}`;
    ui.midiConnect.hidden = false;
    return;
  }
  ui.midiConnect.hidden = true;
  ui.midiControls.hidden = false;
  row.access.onstatechange = () => refreshDevices(row);
  refreshDevices(row);
}

/** The session's state on the row's buttons and its line. */
function show(row: Row): void {
  const { session } = row;
  ui.record.setAttribute('aria-pressed', String(session.recording));
  ui.answer.setAttribute('aria-pressed', String(session.answering));
  if (row.access === null) return;
  const hasInput = row.listening !== null;
  ui.record.disabled = !hasInput && !session.recording;
  ui.answer.disabled = !hasInput && !session.answering;
  const phase = session.figures.phase;
  const line = phase === 'off' ? (session.recording ? '● recording' : '') : PHASE_TEXT[phase];
  ui.midiStatus.textContent = hasInput ? line : 'no MIDI input connected';
}

const PHASE_TEXT = { listening: 'listening…', writing: 'the model answers…', playing: 'playing the answer' };

/** Fills a device menu, keeping the choice when that device is still there. */
function fill(menu: HTMLSelectElement, ports: Iterable<MIDIPort>, first: Option[], chosen: string | null) {
  menu.replaceChildren(...first.map(([value, label]) => new Option(label, value)));
  for (const port of ports) menu.add(new Option(port.name ?? port.id, port.id));
  if (menu.options.length === 0) menu.add(new Option('none', ''));
  const ids = [...menu.options].map((o) => o.value);
  menu.value = chosen !== null && ids.includes(chosen) ? chosen : ids[0]!;
}

/** Lists the devices, listens to the chosen input and plays on the chosen output. */
function refreshDevices(row: Row): void {
  const { access, host } = row;
  if (access === null) return;
  const { input, output } = host.getSettings();
  fill(ui.midiIn, access.inputs.values(), [], input);
  fill(ui.midiOut, access.outputs.values(), [['', 'built-in piano']], output);
  const port = access.inputs.get(ui.midiIn.value) ?? null;
  if (port !== row.listening) {
    if (row.listening !== null) row.listening.onmidimessage = null;
    row.listening = port;
    if (port !== null)
      port.onmidimessage = (event) => {
        if (event.data === null) return;
        echo(row, event.data); // first: heard on the output before anything else is done
        const midi = parseMidiMessage(event.data, messageTime(event.timeStamp, performance.now()));
        if (midi !== null) row.session.message(midi);
      };
  }
  const out = access.outputs.get(ui.midiOut.value) ?? null;
  if (out === null) host.output.setOutput(null);
  else {
    if (!row.players.has(out.id))
      row.players.set(out.id, createMidiPlayer(out, undefined, liveKeys(row, out)));
    host.output.setOutput(row.players.get(out.id)!);
  }
  if (out !== row.output) {
    row.output = out;
    setThru(row);
  }
  ui.midiThru.disabled = out === null;
  show(row);
}

/**
 * Thru on or off, to the output chosen: on only where *thru* is ticked and the output is a MIDI
 * device. What the old thru left down (keys, pedals) is let go.
 */
function setThru(row: Row): void {
  try {
    row.thru?.release();
  } catch {
    // the old output is gone (unplugged): nothing to let go of there
  }
  row.thru = row.host.getSettings().thru && row.output !== null ? createThru(row.output) : null;
  ui.midiThru.checked = row.host.getSettings().thru;
  ui.midiThru.disabled = row.output === null;
}

/** Echoes a message through thru, if on; an output unplugged a moment ago does not stop the input. */
function echo(row: Row, data: Uint8Array): void {
  try {
    row.thru?.forward(data);
  } catch (error) {
    console.warn(`MIDI thru: ${String(error)}`);
  }
}

/** For a player on `out`: the pitches a person holds there through thru (null: no thru to it). */
function liveKeys(row: Row, out: MIDIOutput): () => ReadonlySet<number> | null {
  return () => (row.thru !== null && row.output === out ? row.thru.held(0) : null);
}

/** The *Answer* settings' inputs: each change clamped, kept and shown. */
function installAnswerInputs(host: MidiControlHost): void {
  const answer = (next: Partial<MidiSettings['answer']>): void => {
    const settings = host.getSettings();
    host.setSettings({ ...settings, answer: { ...settings.answer, ...next } });
    applyMidiToInputs(host.getSettings());
  };
  ui.answerPause.addEventListener('change', () =>
    answer({ pause: clampInput(ui.answerPause, ANSWER_PAUSE_RANGE, host.getSettings().answer.pause) }),
  );
  ui.answerLength.addEventListener('change', () => {
    const a = host.getSettings().answer;
    const length = clampInput(ui.answerLength, ANSWER_LENGTH_RANGE[a.unit], a.length);
    answer({ length: a.unit === 'notes' ? Math.round(length) : length });
  });
  ui.answerUnit.addEventListener('change', () => {
    const unit: AnswerUnit = ui.answerUnit.value === 'seconds' ? 'seconds' : 'notes';
    const [lo, hi] = ANSWER_LENGTH_RANGE[unit];
    answer({ unit, length: Math.min(hi, Math.max(lo, host.getSettings().answer.length)) });
  });
  applyMidiToInputs(host.getSettings());
}

/** A menu's first entries: value and label. */
type Option = [string, string];

/** What to say when Record or Answer is asked for without an input. */
function whyNoInput(access: MIDIAccess | null): string {
  if (typeof navigator.requestMIDIAccess !== 'function') return NO_WEB_MIDI;
  return access === null ? 'Connect MIDI… first (the MIDI row).' : 'No MIDI input: connect a keyboard.';
}

/** A number field's value within `range`, or `fallback` when it is not a number. */
function clampInput(input: HTMLInputElement, [lo, hi]: readonly [number, number], fallback: number): number {
  const x = Number(input.value);
  return input.value.trim() === '' || !Number.isFinite(x) ? fallback : Math.min(hi, Math.max(lo, x));
}

/** Shows the *Answer* settings and *thru* in the row's inputs. */
export function applyMidiToInputs(settings: MidiSettings): void {
  const { pause, length, unit } = settings.answer;
  ui.answerPause.value = String(pause);
  ui.answerLength.value = String(length);
  ui.answerUnit.value = unit;
  ui.midiThru.checked = settings.thru;
  const [lo, hi] = ANSWER_LENGTH_RANGE[unit];
  ui.answerLength.min = String(lo);
  ui.answerLength.max = String(hi);
}
