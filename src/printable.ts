/**
 * Makes file contents safe to quote in a message: a NUL, an escape sequence or a stray byte from a
 * damaged file must not reach the terminal raw.
 */

const HEX = '0123456789ABCDEF';

function hexByte(byte: number): string {
  return `\\x${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/**
 * Quotes raw bytes as text: printable ASCII (0x20..0x7E) as itself, a backslash as `\\`, every
 * other byte as `\xNN`.
 *
 * @param bytes - the bytes, e.g. a four-character chunk id read from a file
 * @returns text made only of printable ASCII
 * @example printableBytes(Uint8Array.of(0x52, 0x4d, 0xc2, 0x80, 0x00)); // 'RM\\xC2\\x80\\x00'
 */
export function printableBytes(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]! & 0xff;
    if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += hexByte(byte);
  }
  return out;
}

// C0 controls, DEL, C1 controls; optionally keeping tab and newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Escapes the control characters of a text (C0, DEL and C1: NUL, ESC, a carriage return ...) as
 * `\xNN`; everything else, accented letters and other scripts included, is kept.
 *
 * @param text - e.g. a message that quotes a file name or a string read from a file
 * @param options - `keepLines`: leave newlines and tabs as they are (for multi-line messages)
 * @returns the text without raw control characters
 * @example printableText('RIFF form \u0000'); // 'RIFF form \\x00'
 */
export function printableText(text: string, options: { keepLines?: boolean } = {}): string {
  return text.replace(options.keepLines ? CONTROL_BUT_LINES : CONTROL, (c) => hexByte(c.charCodeAt(0)));
}
