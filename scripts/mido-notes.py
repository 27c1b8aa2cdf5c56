#!/usr/bin/env python3
"""Reference note lists read with mido, for the readMidi oracle test (src/midi/mido-oracle.test.ts).

Usage: mido-notes.py FILE...    (or FILE paths on stdin, one per line, with no arguments)

Prints one JSON object per file, one per line, in argument order:
  {"file": PATH, "format": F, "notes": [[pitch, velocity, start_s, end_s], ...]}
or {"file": PATH, "error": "ExceptionName: message"} when mido cannot read it or the file is
outside the comparison (SMPTE division, which mido 1.2.10 times wrongly).

The rules are the ones readMidi documents, written independently here with mido's own parser and
its tick2second:
- notes from every track, paired first in first out per (track, channel, pitch); a note_on with
  velocity 0 is a note-off; a note-off with no open note is ignored; a note still open at the end
  of its track ends at the track's last message;
- channel 10 (index 9) drums left out; no sustain pedal (raw durations); pitches are raw MIDI numbers;
- format 0/1: one tempo map merged from all tracks (at one tick the later track's tempo wins),
  120 bpm before the first set_tempo;
- format 2: each track is its own sequence starting where the previous one ended (its last message),
  with its own tempo map that starts again at 120 bpm.
"""
import json
import sys

import mido

DEFAULT_TEMPO = 500000


def seconds_function(tempo_events, tpb):
    """tempo_events: [(global_tick, tempo)] sorted by tick. Returns tick -> seconds."""
    starts = [0]
    seconds = [0.0]
    tempos = [DEFAULT_TEMPO]
    for tick, tempo in tempo_events:
        if tick == starts[-1]:
            tempos[-1] = tempo
        else:
            seconds.append(seconds[-1] + mido.tick2second(tick - starts[-1], tpb, tempos[-1]))
            starts.append(tick)
            tempos.append(tempo)

    def to_seconds(tick):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= tick:
                lo = mid
            else:
                hi = mid - 1
        return seconds[lo] + mido.tick2second(tick - starts[lo], tpb, tempos[lo])

    return to_seconds


def read(path):
    mid = mido.MidiFile(path)
    tpb = mid.ticks_per_beat
    if tpb <= 0:
        raise ValueError("SMPTE time division: not compared (mido 1.2.10 gives negative times)")
    sequential = mid.type == 2
    offset = 0
    tempo_events = []
    raw = []  # (global start tick, global end tick, pitch, velocity)
    for track in mid.tracks:
        tick = 0
        open_notes = {}
        if sequential:
            tempo_events.append((offset, DEFAULT_TEMPO))
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                tempo_events.append((offset + tick, msg.tempo))
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_on", "note_off"):
                queue = open_notes.get((msg.channel, msg.note))
                if queue:
                    start, velocity = queue.pop(0)
                    raw.append((msg.channel, offset + start, offset + tick, msg.note, velocity))
        for (channel, note), queue in open_notes.items():
            for start, velocity in queue:
                raw.append((channel, offset + start, offset + tick, note, velocity))
        if sequential:
            offset += tick
    if not sequential:
        tempo_events.sort(key=lambda event: event[0])  # stable: later tracks win ties
    to_seconds = seconds_function(tempo_events, tpb)
    notes = [
        [note, velocity, to_seconds(start), to_seconds(end)]
        for channel, start, end, note, velocity in raw
        if channel != 9
    ]
    return {"format": mid.type, "notes": notes}


def main():
    paths = sys.argv[1:] or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    out = sys.stdout
    for path in paths:
        try:
            result = read(path)
            result = {"file": path, **result}
        except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
            result = {"file": path, "error": f"{type(error).__name__}: {error}"}
        out.write(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
