import { midiToNoteName } from '../encoding/note-names.js';
import type { Note } from '../score/note.js';

/** Options of `pianoRollSvg`. */
export interface PianoRollOptions {
  /** Width of the whole picture in pixels, >= 200. Default 1200. */
  readonly width?: number;
  /** Height of one semitone row in pixels, > 0. Default 6. */
  readonly rowHeight?: number;
  /** A title above the roll. Default none. */
  readonly title?: string;
}

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** Pitch classes of the black keys. */
const BLACK_KEYS = new Set([1, 3, 6, 8, 10]);

/** A tick spacing from 1, 2, 5 × 10^k seconds giving about `target` ticks over `span` seconds. */
function tickStep(span: number, target: number): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function formatSeconds(seconds: number, step: number): string {
  const digits = step >= 1 ? 0 : Math.ceil(-Math.log10(step) - 1e-9);
  return seconds.toFixed(digits);
}

/**
 * The fill of a note: blue, darker the louder (velocity 1 is pale, 127 nearly navy).
 *
 * @param velocity - 1..127
 * @returns a CSS colour
 */
export function velocityColor(velocity: number): string {
  const v = Math.min(127, Math.max(1, velocity));
  const lightness = Math.round(85 - (v / 127) * 60);
  return `hsl(215,75%,${lightness}%)`;
}

/**
 * Draws notes as a piano roll, a standalone SVG document: time on x with an axis in seconds, pitch
 * on y from the lowest note's octave C to the highest note's B, one row per semitone with black-key
 * rows shaded, a line and a label (C3, C4 ...; C4 = MIDI 60) at every C, and one rectangle per note
 * (`class="note"`), its shade from its velocity (`velocityColor`). Very short notes are drawn 1 px
 * wide. It needs no DOM, so it runs in Node, browsers and workers.
 *
 * @param notes - the notes, in any order (none gives an empty roll around C4)
 * @param options - width, row height, title
 * @returns the SVG text
 * @example await writeFileAtomic('piece.svg', pianoRollSvg(score.notes, { title: 'piece.mid' }));
 */
export function pianoRollSvg(notes: readonly Note[], options: PianoRollOptions = {}): string {
  const width = Math.max(200, options.width ?? 1200);
  const rowHeight = options.rowHeight !== undefined && options.rowHeight > 0 ? options.rowHeight : 6;
  const title = options.title;
  let low = Infinity;
  let high = -Infinity;
  let end = 0;
  for (const note of notes) {
    low = Math.min(low, note.pitch);
    high = Math.max(high, note.pitch);
    end = Math.max(end, note.time + note.duration);
  }
  if (notes.length === 0) [low, high] = [60, 71];
  const bottom = Math.floor(low / 12) * 12; // the C at or below the lowest note
  const top = Math.floor(high / 12) * 12 + 11; // the B at or above the highest
  const rows = top - bottom + 1;
  const span = end > 0 ? end : 1;

  const margin = { left: 44, right: 12, top: title === undefined ? 12 : 32, bottom: 36 };
  const plotW = width - margin.left - margin.right;
  const plotH = rows * rowHeight;
  const height = margin.top + plotH + margin.bottom;
  const x = (seconds: number): number => margin.left + (seconds / span) * plotW;
  const y = (pitch: number): number => margin.top + (top - pitch) * rowHeight; // top edge of the row
  const f = (n: number): string => (Math.round(n * 10) / 10).toString();

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (title !== undefined) {
    out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`);
  }
  // Black-key rows, then octave lines and labels.
  out.push('<g class="keys" fill="#f0f0f0">');
  for (let pitch = bottom; pitch <= top; pitch++) {
    if (BLACK_KEYS.has(pitch % 12)) {
      out.push(`<rect x="${margin.left}" y="${f(y(pitch))}" width="${plotW}" height="${rowHeight}"/>`);
    }
  }
  out.push('</g>', '<g class="octaves">');
  for (let pitch = bottom; pitch <= top; pitch += 12) {
    const lineY = f(y(pitch) + rowHeight); // bottom edge of the C row
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${lineY}" y2="${lineY}" stroke="#bbb"/>`,
      `<text x="${margin.left - 6}" y="${f(y(pitch) + rowHeight / 2 + 4)}" text-anchor="end">${midiToNoteName(pitch)}</text>`,
    );
  }
  out.push('</g>');
  // Time axis.
  const step = tickStep(span, Math.max(2, Math.floor(plotW / 90)));
  const axisY = margin.top + plotH;
  out.push(
    '<g class="time-axis">',
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`,
  );
  for (let i = 0; i * step <= span + 1e-9; i++) {
    const seconds = i * step;
    const tickX = f(x(seconds));
    out.push(
      `<line x1="${tickX}" x2="${tickX}" y1="${axisY}" y2="${axisY + 4}" stroke="#888"/>`,
      `<text x="${tickX}" y="${axisY + 16}" text-anchor="middle">${formatSeconds(seconds, step)}</text>`,
    );
  }
  out.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 4}" text-anchor="middle">time (s)</text>`,
    '</g>',
  );
  // Notes, quietest first so loud notes stay on top where they overlap.
  const order = [...notes].sort((a, b) => a.velocity - b.velocity);
  out.push(`<g class="notes" stroke="#1a3a66" stroke-width="0.3">`);
  for (const note of order) {
    const noteX = x(note.time);
    const noteW = Math.max(1, x(note.time + note.duration) - noteX);
    out.push(
      `<rect class="note" x="${f(noteX)}" y="${f(y(note.pitch))}" width="${f(noteW)}" height="${rowHeight}" fill="${velocityColor(note.velocity)}"/>`,
    );
  }
  out.push('</g>');
  if (notes.length === 0) {
    out.push(
      `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH / 2}" text-anchor="middle" fill="#888">no notes</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
