/**
 * Collects the reader's warnings without letting a damaged file flood the list: warnings of the same
 * kind are counted, and only the first message of each kind is kept, with the count appended.
 *
 * @example
 * const log = new WarningLog('a.mid');
 * log.add('vlq', 'track 1: delta-time longer than 4 bytes (at byte 40)');
 * log.add('vlq', 'track 1: delta-time longer than 4 bytes (at byte 90)');
 * log.toArray(); // ['a.mid: track 1: delta-time longer than 4 bytes (at byte 40) (2 times)']
 */
export class WarningLog {
  private readonly first = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** @param file Name put in front of every message, when known. */
  constructor(private readonly file: string | undefined) {}

  /**
   * Records one warning.
   *
   * @param kind Groups warnings: only the first message of a kind is kept, the rest are counted.
   * @param message What was repaired or ignored, naming the track and byte offset where known.
   */
  add(kind: string, message: string): void {
    const count = this.counts.get(kind);
    if (count === undefined) {
      this.first.set(kind, message);
      this.counts.set(kind, 1);
    } else {
      this.counts.set(kind, count + 1);
    }
  }

  /**
   * The warnings so far, one line per kind, in the order the kinds first appeared.
   *
   * @returns Messages such as `"a.mid: unknown chunk 'XFIH' skipped (at byte 14)"`.
   */
  toArray(): string[] {
    const where = this.file === undefined ? '' : `${this.file}: `;
    const lines: string[] = [];
    for (const [kind, message] of this.first) {
      const count = this.counts.get(kind) ?? 1;
      lines.push(`${where}${message}${count > 1 ? ` (${count} times)` : ''}`);
    }
    return lines;
  }
}
