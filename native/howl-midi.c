/*
 * howl-midi: the fast path of `howl import`'s MIDI reader, a Node-API addon in plain C.
 *
 * It reads a Standard MIDI File into notes exactly as src/midi/read-midi.ts does (the same notes,
 * in the same order, with the same float values: every double is computed by the same operations
 * in the same order, and the build forbids fused multiply-adds), 2 to 2.5 times as fast as that
 * reader once V8 has optimised it, and with no warm-up. It is a fast path only: whenever a file needs anything it does not do,
 * it answers -1 and the caller reads the file with the TypeScript reader, which remains the
 * reference and reports errors and warnings. Declined: format 2, a RIFF wrapper, bytes before the
 * MThd header, unknown chunks, a chunk running past the end, bytes after the last chunk, a track
 * count that differs from the header's, several tracks in format 0, every error the reader would throw (a bad header or time
 * division, more notes than maxNotes, a note after the onset limit), and ticks past 2^32.
 * Everything else is read here, damaged tracks included (the reader's rules for truncation, bad
 * data bytes, running status and unterminated notes are mirrored; only its warnings are not
 * written, which `howl import` does not keep).
 *
 *   readMany(files, includeDrums, sustain, maxNotes, threads) -> a Float64Array of each file's
 *       count of notes, or -1 (read that file in JavaScript); the files are read on `threads`
 *       threads (this one among them), each taking files from a shared queue, and their notes kept
 *       for takeMany until the next readMany.
 *   takeMany(k, time, duration, pitch, velocity, at) -> the end of file k's last note, in seconds;
 *       copies its notes into the columns from row `at` (time Float64Array, duration Float32Array or
 *       Float64Array, pitch and velocity Uint8Array).
 *   hash(bytes) -> contentHash(bytes) (src/data/content-hash.ts), the file's identity in a dataset.
 *
 * State is per Node environment (import workers each load the addon). Build: scripts/build-native.sh.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DECLINE (-1)
#define KEYS (16 * 128)
#define DRUM_CHANNEL 9
#define MAX_ONSET_SECONDS 1000000.0
#define DEFAULT_MICROSECONDS_PER_QUARTER 500000.0
#define LONG_RUN 32

/* A growable array of one element type, kept from file to file. */
typedef struct {
  void *data;
  size_t capacity;
} Buffer;

static void *want(Buffer *b, size_t count, size_t size) {
  if (count == 0) count = 1;
  if (count > b->capacity) {
    size_t capacity = b->capacity == 0 ? 1024 : b->capacity;
    while (capacity < count) capacity *= 2;
    void *data = realloc(b->data, capacity * size);
    if (data == NULL) return NULL;
    b->data = data;
    b->capacity = capacity;
  }
  return b->data;
}

/* The header and the tracks' byte ranges. */
typedef struct {
  int format;
  double ticksPerQuarter; /* 0 for SMPTE */
  double ticksPerSecond;  /* 0 for metrical */
  Buffer trackStart, trackEnd; /* size_t each */
  int tracks;
} Layout;

/* One file's reading: every working array, kept from file to file. */
typedef struct {
  /* Notes in the order their note-offs arrive (the reader's NoteTable). */
  Buffer start, end, channel, pitch, velocity;
  size_t notes;
  /* Pedal events (CC 64) and tempo events, in file order. */
  Buffer pedalTick, pedalChannel, pedalDown;
  size_t pedals;
  double pedalLatest;
  Buffer tempoTick, tempoMicros;
  size_t tempos;
  /* Note pairing: a FIFO of open notes per (channel, pitch), as src/midi/pair-notes.ts. */
  int32_t head[KEYS], tail[KEYS];
  Buffer slotTick, slotVelocity, slotNext, opened;
  int32_t freeSlot, usedSlots, openCount, openedCount;
  /* Working columns of the note stage, and the result. */
  Buffer keptStart, keptEnd, keptGroup, keptPitch, keptVelocity, order, spare, keys, spareKeys;
  Buffer removed, bucketOf, bucketed, atOnset, rows, seconds, centis, packed;
  Buffer segTicks, segSeconds, segPerTick, tempoOrder, tickKeys, pedalOrder;
  Buffer lineTicks, lineDown;
  Buffer outTime, outDuration, outPitch, outVelocity;
  size_t outCount;
  double durationSeconds;
  int failed; /* out of memory */
  Layout layout;
  size_t segments, hint; /* the tempo map's segments, and the last one looked up */
  int32_t counts[2048];  /* the radix sort's */
  int32_t bucketStart[KEYS + 1], bucketFill[KEYS]; /* the sustain's (channel, pitch) buckets */
} Reader;

#define ARR(buffer, type) ((type *)(buffer).data)
#define WANT(buffer, count, type) ((type *)want(&(buffer), (count), sizeof(type)))

/* ---- header and chunks (src/midi/smf-chunks.ts) ------------------------------------------- */

static uint32_t u32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static uint32_t u16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }

/* The layout, or 0 when the file is one to decline. */
static int read_layout(Reader *r, const uint8_t *bytes, size_t length) {
  if (length < 14 || memcmp(bytes, "MThd", 4) != 0) return 0;
  uint32_t headerLength = u32(bytes + 4);
  if (headerLength < 6) return 0;
  uint32_t format = u16(bytes + 8), declared = u16(bytes + 10), division = u16(bytes + 12);
  if (format > 1) return 0;
  r->layout.format = (int)format;
  r->layout.ticksPerQuarter = 0;
  r->layout.ticksPerSecond = 0;
  if (division & 0x8000) {
    int frames = 256 - (int)(division >> 8);
    int ticksPerFrame = (int)(division & 0xff);
    if (!(frames == 24 || frames == 25 || frames == 29 || frames == 30) || ticksPerFrame == 0) return 0;
    r->layout.ticksPerSecond = (frames == 29 ? 30000.0 / 1001.0 : (double)frames) * ticksPerFrame;
  } else {
    if (division == 0) return 0;
    r->layout.ticksPerQuarter = division;
  }
  r->layout.tracks = 0;
  size_t at = 8 + (size_t)headerLength;
  while (at + 8 <= length) {
    for (int i = 0; i < 4; i++)
      if (bytes[at + i] < 0x20 || bytes[at + i] > 0x7e) return 0; /* garbage */
    uint32_t chunk = u32(bytes + at + 4);
    size_t start = at + 8, end = start + chunk;
    if (end > length) return 0; /* chunk overrun */
    if (memcmp(bytes + at, "MTrk", 4) != 0) return 0; /* unknown chunk */
    size_t *starts = WANT(r->layout.trackStart, (size_t)r->layout.tracks + 1, size_t);
    size_t *ends = WANT(r->layout.trackEnd, (size_t)r->layout.tracks + 1, size_t);
    if (r->layout.tracks == 65535 || !starts || !ends) return 0;
    starts[r->layout.tracks] = start;
    ends[r->layout.tracks] = end;
    r->layout.tracks++;
    at = end;
  }
  if (at < length) return 0; /* trailing bytes */
  if ((uint32_t)r->layout.tracks != declared) return 0;
  if (format == 0 && r->layout.tracks > 1) return 0;
  return 1;
}

/* ---- events (src/midi/smf-reader.ts, pair-notes.ts) ----------------------------------------- */

static void push_note(Reader *r, double start, double end, int channel, int pitch, int velocity) {
  size_t i = r->notes;
  double *s = WANT(r->start, i + 1, double), *e = WANT(r->end, i + 1, double);
  uint8_t *c = WANT(r->channel, i + 1, uint8_t), *p = WANT(r->pitch, i + 1, uint8_t);
  uint8_t *v = WANT(r->velocity, i + 1, uint8_t);
  if (!s || !e || !c || !p || !v) {
    r->failed = 1;
    return;
  }
  s[i] = start;
  e[i] = end;
  c[i] = (uint8_t)channel;
  p[i] = (uint8_t)pitch;
  v[i] = (uint8_t)velocity;
  r->notes = i + 1;
}

static void note_on(Reader *r, double tick, int channel, int pitch, int velocity) {
  int32_t slot;
  if (r->freeSlot >= 0) {
    slot = r->freeSlot;
    r->freeSlot = ARR(r->slotNext, int32_t)[slot];
  } else {
    slot = r->usedSlots++;
    if (!WANT(r->slotTick, (size_t)slot + 1, double) || !WANT(r->slotVelocity, (size_t)slot + 1, int32_t) ||
        !WANT(r->slotNext, (size_t)slot + 1, int32_t)) {
      r->failed = 1;
      return;
    }
  }
  ARR(r->slotTick, double)[slot] = tick;
  ARR(r->slotVelocity, int32_t)[slot] = velocity;
  ARR(r->slotNext, int32_t)[slot] = -1;
  int key = (channel << 7) | pitch;
  int32_t last = r->tail[key];
  if (last < 0) {
    r->head[key] = slot;
    int32_t *opened = WANT(r->opened, (size_t)r->openedCount + 1, int32_t);
    if (!opened) {
      r->failed = 1;
      return;
    }
    opened[r->openedCount++] = key;
  } else {
    ARR(r->slotNext, int32_t)[last] = slot;
  }
  r->tail[key] = slot;
  r->openCount++;
}

static void note_off(Reader *r, double tick, int channel, int pitch) {
  int key = (channel << 7) | pitch;
  int32_t slot = r->head[key];
  if (slot < 0) return; /* a stray note-off */
  int32_t *next = ARR(r->slotNext, int32_t);
  r->head[key] = next[slot];
  if (next[slot] < 0) r->tail[key] = -1;
  push_note(r, ARR(r->slotTick, double)[slot], tick, channel, pitch, ARR(r->slotVelocity, int32_t)[slot]);
  next[slot] = r->freeSlot;
  r->freeSlot = slot;
  if (--r->openCount == 0) r->openedCount = 0;
}

static void close_all(Reader *r, double tick) {
  if (r->openCount > 0) {
    for (int32_t k = 0; k < r->openedCount; k++) {
      int key = ARR(r->opened, int32_t)[k];
      while (r->head[key] >= 0) note_off(r, tick, key >> 7, key & 127);
    }
  }
  r->openedCount = 0;
}

static void push_pedal(Reader *r, double tick, int channel, int down) {
  size_t i = r->pedals;
  double *t = WANT(r->pedalTick, i + 1, double);
  uint8_t *c = WANT(r->pedalChannel, i + 1, uint8_t), *d = WANT(r->pedalDown, i + 1, uint8_t);
  if (!t || !c || !d) {
    r->failed = 1;
    return;
  }
  if (tick > r->pedalLatest) r->pedalLatest = tick;
  t[i] = tick;
  c[i] = (uint8_t)channel;
  d[i] = (uint8_t)down;
  r->pedals = i + 1;
}

static void push_tempo(Reader *r, double tick, double micros) {
  size_t i = r->tempos;
  double *t = WANT(r->tempoTick, i + 1, double), *m = WANT(r->tempoMicros, i + 1, double);
  if (!t || !m) {
    r->failed = 1;
    return;
  }
  t[i] = tick;
  m[i] = micros;
  r->tempos = i + 1;
}

/* Data bytes of system messages F0..FF: -1 variable (SysEx, meta), -2 undefined. */
static const int SYSTEM_DATA_BYTES[16] = {-1, 1, 2, 1, -2, -2, 0, -1, 0, -2, 0, 0, 0, -2, 0, -1};

static size_t first_status_byte(const uint8_t *bytes, size_t from, size_t count) {
  for (size_t i = from; i < from + count; i++)
    if (bytes[i] & 0x80) return i;
  return (size_t)-1;
}

/* A variable-length quantity at *pos (its first 4 bytes count; the reader clamps longer ones), or 0
 * when the track ends inside it. */
static int read_vlq(const uint8_t *bytes, size_t *pos, size_t end, double *value) {
  double v = 0;
  int n = 0, b;
  do {
    if (*pos >= end) return 0;
    b = bytes[(*pos)++];
    if (n < 4) v = v * 128 + (b & 0x7f);
    n++;
  } while (b & 0x80);
  *value = v;
  return 1;
}

/* One track, as scanTrack: returns the tick of its last event. *budget counts note-ons left. */
static double scan_track(Reader *r, const uint8_t *bytes, size_t start, size_t end, double *budget, int *over) {
  size_t pos = start;
  double tick = 0, lastTick = 0;
  int running = 0, pendingStatus = 0;
  while (pos < end) {
    if (pendingStatus) {
      pendingStatus = 0;
    } else {
      double delta;
      if (!read_vlq(bytes, &pos, end, &delta)) return lastTick;
      tick += delta;
      if (pos >= end) return lastTick;
    }
    int status = bytes[pos];
    if (status & 0x80) {
      pos++;
    } else if (running != 0) {
      status = running;
    } else {
      pos++;
      continue;
    }
    if (status < 0xf0) {
      running = status;
      int kind = status >> 4, channel = status & 15;
      size_t size = kind == 0xc || kind == 0xd ? 1 : 2;
      if (pos + size > end) return lastTick;
      size_t bad = first_status_byte(bytes, pos, size);
      if (bad != (size_t)-1) {
        pos = bad;
        pendingStatus = 1;
        continue;
      }
      int d1 = bytes[pos], d2 = size == 2 ? bytes[pos + 1] : 0;
      pos += size;
      lastTick = tick;
      if (kind == 0x9) {
        if (d2 == 0) {
          note_off(r, tick, channel, d1);
        } else if (*budget > 0) {
          *budget -= 1;
          note_on(r, tick, channel, d1, d2);
        } else {
          *over = 1;
        }
      } else if (kind == 0x8) {
        note_off(r, tick, channel, d1);
      } else if (kind == 0xb && d1 == 64) {
        push_pedal(r, tick, channel, d2 >= 64);
      }
      continue;
    }
    if (status == 0xff || status == 0xf0 || status == 0xf7) {
      int type = -1;
      if (status == 0xff) {
        if (pos >= end) return lastTick;
        type = bytes[pos++];
      }
      double length;
      if (!read_vlq(bytes, &pos, end, &length)) return lastTick;
      if ((double)pos + length > (double)end) return lastTick;
      lastTick = tick;
      size_t len = (size_t)length;
      if (type == 0x51) {
        if (len >= 3) {
          int micros = (bytes[pos] << 16) | (bytes[pos + 1] << 8) | bytes[pos + 2];
          if (micros > 0) push_tempo(r, tick, micros);
        }
      } else if (type == 0x2f) {
        return lastTick;
      }
      pos += len;
      continue;
    }
    int size = SYSTEM_DATA_BYTES[status & 15];
    if (size == -2) continue;
    if (pos + (size_t)size > end) return lastTick;
    size_t cut = first_status_byte(bytes, pos, (size_t)size);
    if (cut != (size_t)-1) {
      pos = cut;
      pendingStatus = 1;
      continue;
    }
    pos += (size_t)size;
    lastTick = tick;
  }
  return lastTick;
}

/* ---- orders (src/midi/sort-keys.ts) ------------------------------------------------------- */

/* The stable order of 32-bit keys into `order` (a radix sort of 11-bit digits). */
static int stable_order(Reader *r, const uint32_t *keysIn, int32_t *order, size_t n) {
  uint32_t largest = 0;
  int sorted = 1;
  for (size_t i = 0; i < n; i++) {
    order[i] = (int32_t)i;
    if (keysIn[i] >= largest) largest = keysIn[i];
    else sorted = 0;
  }
  if (sorted) return 1;
  int32_t *from = order, *to = WANT(r->spare, n, int32_t);
  uint32_t *key = WANT(r->keys, n, uint32_t), *toKey = WANT(r->spareKeys, n, uint32_t);
  if (!to || !key || !toKey) return 0;
  memcpy(key, keysIn, n * sizeof(uint32_t));
  int32_t *counts = r->counts;
  for (int shift = 0; shift < 32 && (largest >> shift) != 0; shift += 11) {
    memset(counts, 0, sizeof r->counts);
    for (size_t i = 0; i < n; i++) counts[(key[i] >> shift) & 2047]++;
    if ((size_t)counts[(key[0] >> shift) & 2047] == n) continue;
    int32_t sum = 0;
    for (int b = 0; b < 2048; b++) {
      int32_t c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++) {
      uint32_t k = key[i];
      int32_t at = counts[(k >> shift) & 2047]++;
      to[at] = from[i];
      toKey[at] = k;
    }
    int32_t *swap = from;
    from = to;
    to = swap;
    uint32_t *swapKey = key;
    key = toKey;
    toKey = swapKey;
  }
  if (from != order) memcpy(order, from, n * sizeof(int32_t));
  return 1;
}

/* ---- tempo map (src/midi/tempo-map.ts) ----------------------------------------------------- */


static int build_tempo_map(Reader *r) {
  size_t n = r->tempos;
  int32_t *order = WANT(r->tempoOrder, n, int32_t);
  double *ticks = WANT(r->segTicks, n + 1, double), *seconds = WANT(r->segSeconds, n + 1, double);
  double *perTick = WANT(r->segPerTick, n + 1, double);
  if (!order || !ticks || !seconds || !perTick) return 0;
  const double *tick = ARR(r->tempoTick, double), *micros = ARR(r->tempoMicros, double);
  /* Stable by tick: at one tick, the later track's tempo comes last and wins. */
  uint32_t *keys = WANT(r->tickKeys, n, uint32_t);
  if (!keys) return 0;
  for (size_t i = 0; i < n; i++) {
    if (tick[i] > 4294967295.0) return 0;
    keys[i] = (uint32_t)tick[i];
  }
  if (!stable_order(r, keys, order, n)) return 0;
  r->hint = 0;
  if (r->layout.ticksPerQuarter == 0) {
    ticks[0] = 0;
    seconds[0] = 0;
    perTick[0] = 1 / r->layout.ticksPerSecond;
    r->segments = 1;
    return 1;
  }
  ticks[0] = 0;
  seconds[0] = 0;
  perTick[0] = DEFAULT_MICROSECONDS_PER_QUARTER / 1e6 / r->layout.ticksPerQuarter;
  size_t last = 0;
  for (size_t k = 0; k < n; k++) {
    double at = tick[order[k]];
    double rate = micros[order[k]] / 1e6 / r->layout.ticksPerQuarter;
    if (at == ticks[last]) {
      perTick[last] = rate;
    } else {
      size_t next = last + 1;
      ticks[next] = at;
      seconds[next] = seconds[last] + (at - ticks[last]) * perTick[last];
      perTick[next] = rate;
      last = next;
    }
  }
  r->segments = last + 1;
  return 1;
}

static double ticks_to_seconds(Reader *r, double tick) {
  const double *ticks = ARR(r->segTicks, double);
  size_t n = r->segments, k = r->hint;
  for (int step = 0; step < 4 && k + 1 < n && ticks[k + 1] <= tick; step++) k++;
  if (!(ticks[k] <= tick && (k + 1 == n || tick < ticks[k + 1]))) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
      size_t mid = (lo + hi + 1) >> 1;
      if (ticks[mid] <= tick) lo = mid;
      else hi = mid - 1;
    }
    k = lo;
  }
  r->hint = k;
  return ARR(r->segSeconds, double)[k] + (tick - ticks[k]) * ARR(r->segPerTick, double)[k];
}

/* ---- sustain pedal (src/midi/sustain-pedal.ts) --------------------------------------------- */

/* The last change at or before `tick`, or -1: galloping from `from` (the change at the note's onset,
 * usually a few changes before its release), then a binary search. */
static int64_t change_at(const double *ticks, int64_t n, double tick, int64_t from) {
  int64_t lo, hi, k = from < -1 ? -1 : from >= n ? n - 1 : from, step = 1;
  if (k >= 0 && ticks[k] > tick) {
    hi = k;
    for (;;) {
      k = hi - step;
      if (k < 0) {
        lo = -1;
        break;
      }
      if (ticks[k] <= tick) {
        lo = k;
        break;
      }
      hi = k;
      step *= 2;
    }
  } else {
    lo = k;
    for (;;) {
      k = lo + step;
      if (k >= n) {
        hi = n;
        break;
      }
      if (ticks[k] > tick) {
        hi = k;
        break;
      }
      lo = k;
      step *= 2;
    }
  }
  while (hi - lo > 1) {
    int64_t mid = (lo + hi) >> 1;
    if (ticks[mid] <= tick) lo = mid;
    else hi = mid;
  }
  return lo;
}

/*
 * The pedal's timeline per channel (the changes of "every pedal event at this tick is down"), then
 * each note held to the pedal's release and cut at a re-strike of its key, as applySustain. Notes
 * of group -1 (drums) are left alone. Sets *anyRemoved when a re-strike cut a note to nothing.
 */
static int apply_sustain(Reader *r, size_t count, const double *start, double *end, const int32_t *group,
                         const int32_t *pitch, const int32_t *byOnset, double pieceEnd, uint8_t *removed,
                         int *anyRemoved) {
  size_t np = r->pedals;
  const double *ptick = ARR(r->pedalTick, double);
  const uint8_t *pchan = ARR(r->pedalChannel, uint8_t), *pdown = ARR(r->pedalDown, uint8_t);
  /* Events per channel, in tick order: a stable order by tick, then split by channel. */
  int32_t lineStart[17] = {0};
  for (size_t i = 0; i < np; i++) lineStart[pchan[i] + 1]++;
  for (int c = 1; c <= 16; c++) lineStart[c] += lineStart[c - 1];
  int32_t *byTick = WANT(r->pedalOrder, np, int32_t);
  uint32_t *keys = WANT(r->tickKeys, np, uint32_t);
  int32_t *ord = WANT(r->bucketed, np, int32_t);
  double *lt = WANT(r->lineTicks, np, double);
  uint8_t *ld = WANT(r->lineDown, np, uint8_t);
  if (!byTick || !keys || !ord || !lt || !ld) return 0;
  for (size_t i = 0; i < np; i++) {
    if (ptick[i] > 4294967295.0) return 0;
    keys[i] = (uint32_t)ptick[i];
  }
  if (!stable_order(r, keys, byTick, np)) return 0;
  int32_t fill[16];
  for (int c = 0; c < 16; c++) fill[c] = lineStart[c];
  for (size_t k = 0; k < np; k++) ord[fill[pchan[byTick[k]]]++] = byTick[k];
  int32_t changes[16];
  int any = 0;
  for (int c = 0; c < 16; c++) {
    int32_t first = lineStart[c], last = lineStart[c + 1];
    int32_t n = 0;
    int state = 0;
    for (int32_t i = first; i < last;) {
      double tick = ptick[ord[i]];
      int next = 1;
      for (; i < last && ptick[ord[i]] == tick; i++)
        if (!pdown[ord[i]]) next = 0;
      if (next != state) {
        lt[first + n] = tick;
        ld[first + n] = (uint8_t)next;
        n++;
        state = next;
      }
    }
    changes[c] = n;
    if (n > 0) any = 1;
  }
  if (!any) return 1;

  /* The notes of each (channel, pitch) in onset order, and the pedal change at each onset. */
  int32_t *bucketStart = r->bucketStart;
  int32_t *bucketOf = WANT(r->bucketOf, count, int32_t);
  int32_t *atOnset = WANT(r->atOnset, count, int32_t);
  int32_t *order = WANT(r->spare, count, int32_t);
  if (!bucketOf || !atOnset || !order) return 0;
  memset(bucketStart, 0, sizeof r->bucketStart);
  for (size_t i = 0; i < count; i++) {
    int32_t g = group[i];
    int32_t bucket = g < 0 || changes[g] == 0 ? -1 : g * 128 + pitch[i];
    bucketOf[i] = bucket;
    if (bucket >= 0) bucketStart[bucket + 1]++;
  }
  for (int b = 1; b <= KEYS; b++) bucketStart[b] += bucketStart[b - 1];
  int32_t *put = r->bucketFill;
  memcpy(put, bucketStart, sizeof r->bucketFill);
  int32_t cursor[16];
  for (int c = 0; c < 16; c++) cursor[c] = -1;
  for (size_t n = 0; n < count; n++) {
    int32_t i = byOnset[n], bucket = bucketOf[i];
    if (bucket < 0) continue;
    order[put[bucket]++] = i;
    int c = bucket >> 7;
    const double *ticks = lt + lineStart[c];
    int32_t at = cursor[c];
    while (at + 1 < changes[c] && ticks[at + 1] <= start[i]) at++;
    cursor[c] = at;
    atOnset[i] = at;
  }
  for (int bucket = 0; bucket < KEYS; bucket++) {
    int32_t first = bucketStart[bucket], last = bucketStart[bucket + 1];
    if (first == last) continue;
    int c = bucket >> 7;
    const double *ticks = lt + lineStart[c];
    const uint8_t *down = ld + lineStart[c];
    int64_t n = changes[c];
    double restrike = INFINITY;
    for (int32_t j = last - 1; j >= first; j--) {
      int32_t note = order[j];
      double onset = start[note], release = end[note];
      int32_t at = atOnset[note];
      int64_t atRelease = change_at(ticks, n, release, at);
      double sounding = release;
      if (atRelease >= 0 && down[atRelease])
        sounding = atRelease + 1 < n ? ticks[atRelease + 1] : (pieceEnd > release ? pieceEnd : release);
      uint8_t struck = restrike == onset ? 1 : 0;
      removed[note] = struck;
      *anyRemoved |= struck;
      end[note] = sounding < restrike ? sounding : restrike;
      if (at >= 0 && down[at]) restrike = onset;
    }
  }
  return 1;
}

/* ---- the notes in order (src/midi/note-order.ts) ------------------------------------------- */

static inline int clamp_pitch(int pitch) {
  int octave = pitch / 12;
  return (octave > 9 ? 9 : octave) * 12 + pitch % 12;
}

/* JavaScript's Math.round of x >= 0: the nearest integer, halves up. Below 2^52 truncation is
 * floor (and cheaper than libm's on the baseline instruction set); above, x is an integer. */
static inline double js_round(double x) {
  double r = x < 4503599627370496.0 ? (double)(int64_t)x : x;
  return x - r >= 0.5 ? r + 1 : r;
}

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int write_sorted_notes(Reader *r, size_t count, const double *start, const double *end, const int32_t *pitch,
                              const int32_t *velocity, const int32_t *byOnset, const uint8_t *removed) {
  size_t kept = 0;
  for (size_t i = 0; i < count; i++) kept += removed == NULL || !removed[i];
  int32_t *rows = WANT(r->rows, kept, int32_t);
  double *seconds = WANT(r->seconds, kept, double), *centis = WANT(r->centis, kept, double);
  double *time = WANT(r->outTime, kept, double), *duration = WANT(r->outDuration, kept, double);
  uint8_t *outPitch = WANT(r->outPitch, kept, uint8_t), *outVelocity = WANT(r->outVelocity, kept, uint8_t);
  if (!rows || !seconds || !centis || !time || !duration || !outPitch || !outVelocity) return 0;
  for (size_t j = 0, n = 0; j < count; j++) {
    int32_t i = byOnset[j];
    if (removed != NULL && removed[i]) continue;
    double t = ticks_to_seconds(r, start[i]);
    rows[n] = i;
    seconds[n] = t;
    centis[n++] = js_round(t * 100);
  }
  for (size_t from = 0; from < kept;) {
    size_t to = from + 1;
    while (to < kept && centis[to] == centis[from]) to++;
    /* One centisecond's notes by (clamped pitch, row): a chord by insertion, a long run by qsort. */
    if (to - from > LONG_RUN) {
      uint64_t *packed = WANT(r->packed, to - from, uint64_t);
      if (!packed) return 0;
      for (size_t j = from; j < to; j++)
        packed[j - from] = ((uint64_t)clamp_pitch(pitch[rows[j]]) << 32) | (uint32_t)rows[j];
      qsort(packed, to - from, sizeof(uint64_t), compare_u64);
      for (size_t j = from; j < to; j++) {
        rows[j] = (int32_t)(uint32_t)packed[j - from];
        seconds[j] = ticks_to_seconds(r, start[rows[j]]);
      }
      from = to;
      continue;
    }
    for (size_t j = from + 1; j < to; j++) {
      int32_t row = rows[j];
      double t = seconds[j];
      int key = clamp_pitch(pitch[row]);
      size_t k = j;
      while (k > from) {
        int32_t other = rows[k - 1];
        int otherKey = clamp_pitch(pitch[other]);
        if (!(key < otherKey || (key == otherKey && row < other))) break;
        rows[k] = other;
        seconds[k] = seconds[k - 1];
        k--;
      }
      rows[k] = row;
      seconds[k] = t;
    }
    from = to;
  }
  double durationSeconds = 0;
  for (size_t n = 0; n < kept; n++) {
    int32_t i = rows[n];
    double t = seconds[n];
    double finish = ticks_to_seconds(r, end[i]);
    double d = finish > t ? finish - t : 0;
    time[n] = t;
    duration[n] = d;
    outPitch[n] = (uint8_t)clamp_pitch(pitch[i]);
    outVelocity[n] = (uint8_t)velocity[i];
    if (t + d > durationSeconds) durationSeconds = t + d;
  }
  r->outCount = kept;
  r->durationSeconds = durationSeconds;
  return 1;
}

/* ---- the whole file (src/midi/read-midi.ts) ------------------------------------------------ */

static void reset(Reader *r) {
  r->notes = r->pedals = r->tempos = 0;
  r->pedalLatest = 0;
  for (int k = 0; k < KEYS; k++) r->head[k] = r->tail[k] = -1;
  r->freeSlot = -1;
  r->usedSlots = r->openCount = r->openedCount = 0;
  r->outCount = 0;
  r->durationSeconds = 0;
  r->failed = 0;
}

/* The notes of a file into r->out*, or DECLINE. */
static int64_t read_file(Reader *r, const uint8_t *bytes, size_t length, int includeDrums, int sustain, double maxNotes) {
  reset(r);
  if (!read_layout(r, bytes, length)) return DECLINE;
  double budget = maxNotes;
  int over = 0;
  for (int t = 0; t < r->layout.tracks; t++) {
    r->openedCount = 0;
    double endTick =
        scan_track(r, bytes, ARR(r->layout.trackStart, size_t)[t], ARR(r->layout.trackEnd, size_t)[t], &budget, &over);
    close_all(r, endTick);
    if (r->failed) return DECLINE;
  }
  if (over) return DECLINE; /* the reader throws NoteLimitError */
  if (!build_tempo_map(r)) return DECLINE;

  size_t rows = r->notes, count = 0;
  double *start = WANT(r->keptStart, rows, double), *end = WANT(r->keptEnd, rows, double);
  int32_t *group = WANT(r->keptGroup, rows, int32_t), *pitch = WANT(r->keptPitch, rows, int32_t);
  int32_t *velocity = WANT(r->keptVelocity, rows, int32_t);
  if (!start || !end || !group || !pitch || !velocity) return DECLINE;
  const double *ns = ARR(r->start, double), *ne = ARR(r->end, double);
  const uint8_t *nc = ARR(r->channel, uint8_t), *np = ARR(r->pitch, uint8_t), *nv = ARR(r->velocity, uint8_t);
  for (size_t i = 0; i < rows; i++) {
    int channel = nc[i];
    if (channel == DRUM_CHANNEL && !includeDrums) continue;
    if (ns[i] > 4294967295.0) return DECLINE;
    start[count] = ns[i];
    end[count] = ne[i];
    group[count] = channel == DRUM_CHANNEL ? -1 : channel;
    pitch[count] = np[i];
    velocity[count] = nv[i];
    count++;
  }
  int32_t *byOnset = WANT(r->order, count, int32_t);
  if (!byOnset) return DECLINE;
  uint32_t *tickKeys = WANT(r->tickKeys, count, uint32_t);
  if (!tickKeys) return DECLINE;
  for (size_t i = 0; i < count; i++) tickKeys[i] = (uint32_t)start[i];
  if (!stable_order(r, tickKeys, byOnset, count)) return DECLINE;

  uint8_t *removed = NULL;
  if (sustain && r->pedals > 0 && count > 0) {
    double pieceEnd = r->pedalLatest;
    for (size_t i = 0; i < count; i++)
      if (end[i] > pieceEnd) pieceEnd = end[i];
    uint8_t *mask = WANT(r->removed, count, uint8_t);
    if (!mask) return DECLINE;
    memset(mask, 0, count);
    int anyRemoved = 0;
    if (!apply_sustain(r, count, start, end, group, pitch, byOnset, pieceEnd, mask, &anyRemoved)) return DECLINE;
    if (anyRemoved) removed = mask;
  }
  if (count > 0 && ticks_to_seconds(r, start[byOnset[count - 1]]) > MAX_ONSET_SECONDS) return DECLINE;
  if (!write_sorted_notes(r, count, start, end, pitch, velocity, byOnset, removed)) return DECLINE;
  return (int64_t)r->outCount;
}

/* ---- a batch of files on several threads -------------------------------------------------- */

#define MAX_LANES 16

/* One thread's reader, and the notes of the files it read, one after another. */
typedef struct {
  Reader reader;
  Buffer time, duration, pitch, velocity;
  size_t used;
} Lane;

/* What readMany leaves for takeMany: each file's lane, first row, count (-1: declined) and end. */
typedef struct {
  Lane *lanes[MAX_LANES];
  Buffer fileLane, fileOffset, fileCount, fileDuration;
  size_t files;
} Instance;

typedef struct {
  Instance *instance;
  const uint8_t **bytes;
  const size_t *lengths;
  size_t files;
  atomic_size_t next;
  int includeDrums, sustain;
  double maxNotes;
} ManyJob;

typedef struct {
  ManyJob *job;
  int lane;
} LaneStart;

/* Reads files from the shared queue until it is empty, keeping their notes in the lane. */
static void *run_lane(void *arg) {
  const LaneStart *start = arg;
  ManyJob *job = start->job;
  Instance *in = job->instance;
  Lane *lane = in->lanes[start->lane];
  int32_t *fileLane = ARR(in->fileLane, int32_t);
  size_t *fileOffset = ARR(in->fileOffset, size_t);
  int64_t *fileCount = ARR(in->fileCount, int64_t);
  double *fileDuration = ARR(in->fileDuration, double);
  for (;;) {
    size_t k = atomic_fetch_add(&job->next, 1);
    if (k >= job->files) break;
    Reader *r = &lane->reader;
    int64_t count = read_file(r, job->bytes[k], job->lengths[k], job->includeDrums, job->sustain, job->maxNotes);
    size_t at = lane->used, need = at + (count > 0 ? (size_t)count : 0);
    if (count >= 0 && (!WANT(lane->time, need, double) || !WANT(lane->duration, need, double) ||
                       !WANT(lane->pitch, need, uint8_t) || !WANT(lane->velocity, need, uint8_t)))
      count = DECLINE; /* out of memory: the TypeScript reader tries */
    fileCount[k] = count;
    fileLane[k] = start->lane;
    fileOffset[k] = at;
    if (count <= 0) continue;
    fileDuration[k] = r->durationSeconds;
    memcpy(ARR(lane->time, double) + at, r->outTime.data, (size_t)count * sizeof(double));
    memcpy(ARR(lane->duration, double) + at, r->outDuration.data, (size_t)count * sizeof(double));
    memcpy(ARR(lane->pitch, uint8_t) + at, r->outPitch.data, (size_t)count);
    memcpy(ARR(lane->velocity, uint8_t) + at, r->outVelocity.data, (size_t)count);
    lane->used = need;
  }
  return NULL;
}

/* Reads the files on `threads` threads (this one among them); 0 when out of memory. */
static int read_many(Instance *in, const uint8_t **bytes, const size_t *lengths, size_t files, int threads,
                     int includeDrums, int sustain, double maxNotes) {
  if (threads < 1) threads = 1;
  if (threads > MAX_LANES) threads = MAX_LANES;
  if ((size_t)threads > files) threads = files > 0 ? (int)files : 1;
  if (!WANT(in->fileLane, files, int32_t) || !WANT(in->fileOffset, files, size_t) ||
      !WANT(in->fileCount, files, int64_t) || !WANT(in->fileDuration, files, double))
    return 0;
  for (int k = 0; k < threads; k++) {
    if (in->lanes[k] == NULL && (in->lanes[k] = calloc(1, sizeof(Lane))) == NULL) return 0;
    in->lanes[k]->used = 0;
  }
  ManyJob job = {in, bytes, lengths, files, 0, includeDrums, sustain, maxNotes};
  atomic_init(&job.next, 0);
  LaneStart starts[MAX_LANES];
  pthread_t ids[MAX_LANES];
  int started[MAX_LANES] = {0};
  for (int k = 0; k < threads; k++) starts[k] = (LaneStart){&job, k};
  for (int k = 1; k < threads; k++) started[k] = pthread_create(&ids[k], NULL, run_lane, &starts[k]) == 0;
  run_lane(&starts[0]);
  for (int k = 1; k < threads; k++)
    if (started[k]) pthread_join(ids[k], NULL);
  in->files = files;
  return 1;
}

/* ---- the file's content hash (src/data/content-hash.ts: two MurmurHash3 x86_32 lanes) -------- */

static inline uint32_t mix_word(uint32_t word) {
  uint32_t k = word * 0xcc9e2d51u;
  k = (k << 15) | (k >> 17);
  return k * 0x1b873593u;
}

static inline uint32_t mix_state(uint32_t h, uint32_t k) {
  h ^= k;
  h = (h << 13) | (h >> 19);
  return h * 5 + 0xe6546b64u;
}

static inline uint32_t fmix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

/* contentHash: 16 hex digits of the two lanes, seeded "howl" and 0x9747b28c. */
static void content_hash(const uint8_t *bytes, size_t length, char out[17]) {
  uint32_t high = 0x686f776cu, low = 0x9747b28cu;
  size_t words = length >> 2;
  for (size_t w = 0, i = 0; w < words; w++, i += 4) {
    uint32_t k = mix_word((uint32_t)bytes[i] | ((uint32_t)bytes[i + 1] << 8) | ((uint32_t)bytes[i + 2] << 16) |
                          ((uint32_t)bytes[i + 3] << 24));
    high = mix_state(high, k);
    low = mix_state(low, k);
  }
  if (length & 3) {
    uint32_t tail = 0;
    for (size_t i = length; i-- > words * 4;) tail = (tail << 8) | bytes[i];
    uint32_t k = mix_word(tail);
    high ^= k;
    low ^= k;
  }
  snprintf(out, 17, "%08x%08x", fmix32(high ^ (uint32_t)length), fmix32(low ^ (uint32_t)length));
}

/* ---- Node-API ----------------------------------------------------------------------------- */

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

/* A typed array's type, length and data (NULL when empty); 0 when the value is not one. */
static int typed(napi_env env, napi_value value, napi_typedarray_type *type, size_t *length, void **data) {
  bool is = false;
  *data = NULL;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return 0;
  return napi_get_typedarray_info(env, value, type, length, data, NULL, NULL) == napi_ok;
}

/* This environment's state (each import worker loads the addon, and gets its own). */
static Instance *instance_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/*
 * Copies n notes into the columns argv[0..3] from row argv[4] (time Float64Array, duration
 * Float32Array or Float64Array, pitch and velocity Uint8Array); 0, with a TypeError thrown, when
 * they are not such arrays with room for the notes.
 */
static int copy_out(napi_env env, napi_value *argv, const double *time, const double *duration,
                    const uint8_t *pitch, const uint8_t *velocity, size_t n, const char *usage) {
  napi_typedarray_type tt = napi_int8_array, dt = napi_int8_array, pt = napi_int8_array, vt = napi_int8_array;
  size_t tl = 0, dl = 0, pl = 0, vl = 0;
  double at = -1;
  void *t = NULL, *d = NULL, *p = NULL, *v = NULL;
  int ok = typed(env, argv[0], &tt, &tl, &t) && typed(env, argv[1], &dt, &dl, &d) && typed(env, argv[2], &pt, &pl, &p) &&
           typed(env, argv[3], &vt, &vl, &v) && napi_get_value_double(env, argv[4], &at) == napi_ok;
  if (!ok || tt != napi_float64_array || (dt != napi_float32_array && dt != napi_float64_array) ||
      pt != napi_uint8_array || vt != napi_uint8_array || !(at >= 0) || at != floor(at) || tl < (size_t)at + n ||
      dl < (size_t)at + n || pl < (size_t)at + n || vl < (size_t)at + n) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  if (n == 0) return 1;
  size_t from = (size_t)at;
  memcpy((double *)t + from, time, n * sizeof(double));
  if (dt == napi_float64_array) {
    memcpy((double *)d + from, duration, n * sizeof(double));
  } else {
    float *out = (float *)d + from;
    for (size_t i = 0; i < n; i++) out[i] = (float)duration[i];
  }
  memcpy((uint8_t *)p + from, pitch, n);
  memcpy((uint8_t *)v + from, velocity, n);
  return 1;
}

static napi_value js_read_many(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Instance *in = instance_of(env);
  bool isArray = false, includeDrums = false, sustain = true;
  uint32_t files = 0;
  double maxNotes = 0, threads = 1;
  const char *usage = "howl-midi: readMany(files: Uint8Array[], includeDrums, sustain, maxNotes, threads)";
  if (in == NULL || argc != 5 || napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, argv[0], &files) != napi_ok || napi_get_value_bool(env, argv[1], &includeDrums) != napi_ok ||
      napi_get_value_bool(env, argv[2], &sustain) != napi_ok || napi_get_value_double(env, argv[3], &maxNotes) != napi_ok ||
      napi_get_value_double(env, argv[4], &threads) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  const uint8_t **bytes = calloc(files ? files : 1, sizeof(uint8_t *));
  size_t *lengths = calloc(files ? files : 1, sizeof(size_t));
  int ok = bytes != NULL && lengths != NULL;
  for (uint32_t k = 0; ok && k < files; k++) {
    napi_value file;
    napi_typedarray_type type = napi_int8_array;
    void *data = NULL;
    ok = napi_get_element(env, argv[0], k, &file) == napi_ok && typed(env, file, &type, &lengths[k], &data) &&
         type == napi_uint8_array;
    bytes[k] = data;
  }
  if (!ok) {
    free(bytes);
    free(lengths);
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  /* JavaScript waits in this call, so the files' bytes stay where they are while the threads read. */
  int read = read_many(in, bytes, lengths, files, threads >= 1 && threads <= MAX_LANES ? (int)threads : 1,
                       includeDrums, sustain, maxNotes);
  free(bytes);
  free(lengths);
  napi_value buffer, counts;
  void *data = NULL;
  if (napi_create_arraybuffer(env, (size_t)files * sizeof(double), &data, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_float64_array, files, buffer, 0, &counts) != napi_ok)
    return NULL;
  for (uint32_t k = 0; k < files; k++) ((double *)data)[k] = read ? (double)ARR(in->fileCount, int64_t)[k] : DECLINE;
  if (!read) in->files = 0;
  return counts;
}

static napi_value js_take_many(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Instance *in = instance_of(env);
  double k = -1;
  const char *usage = "howl-midi: takeMany(file, time: Float64Array, duration: Float32Array | Float64Array, "
                      "pitch: Uint8Array, velocity: Uint8Array, at), file a file of the last readMany that it read, "
                      "with room for its notes";
  if (in == NULL || argc != 6 || napi_get_value_double(env, argv[0], &k) != napi_ok || !(k >= 0) || k != floor(k) ||
      k >= (double)in->files || ARR(in->fileCount, int64_t)[(size_t)k] < 0) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  size_t file = (size_t)k, n = (size_t)ARR(in->fileCount, int64_t)[file];
  if (n == 0) {
    if (!copy_out(env, argv + 1, NULL, NULL, NULL, NULL, 0, usage)) return NULL;
    return number(env, 0);
  }
  Lane *lane = in->lanes[ARR(in->fileLane, int32_t)[file]];
  size_t at = ARR(in->fileOffset, size_t)[file];
  if (!copy_out(env, argv + 1, ARR(lane->time, double) + at, ARR(lane->duration, double) + at,
                ARR(lane->pitch, uint8_t) + at, ARR(lane->velocity, uint8_t) + at, n, usage))
    return NULL;
  return number(env, ARR(in->fileDuration, double)[file]);
}

static napi_value js_hash(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void *bytes = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || !typed(env, argv[0], &type, &length, &bytes) || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "howl-midi: hash(bytes: Uint8Array)");
    return NULL;
  }
  char hex[17];
  content_hash(bytes, length, hex);
  napi_create_string_latin1(env, hex, 16, &result);
  return result;
}

static void free_buffers(Reader *r) {
  Buffer *buffers[] = {&r->start, &r->end, &r->channel, &r->pitch, &r->velocity, &r->pedalTick, &r->pedalChannel,
                       &r->pedalDown, &r->tempoTick, &r->tempoMicros, &r->slotTick, &r->slotVelocity, &r->slotNext,
                       &r->opened, &r->keptStart, &r->keptEnd, &r->keptGroup, &r->keptPitch, &r->keptVelocity,
                       &r->order, &r->spare, &r->keys, &r->spareKeys, &r->removed, &r->bucketOf, &r->bucketed,
                       &r->atOnset, &r->rows, &r->seconds, &r->centis, &r->packed, &r->segTicks, &r->segSeconds,
                       &r->segPerTick, &r->tempoOrder, &r->tickKeys, &r->pedalOrder, &r->lineTicks, &r->lineDown,
                       &r->outTime, &r->outDuration, &r->outPitch, &r->outVelocity, &r->layout.trackStart,
                       &r->layout.trackEnd};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++) free(buffers[i]->data);
}

static void free_instance(napi_env env, void *data, void *hint) {
  Instance *in = data;
  for (int k = 0; k < MAX_LANES; k++) {
    Lane *lane = in->lanes[k];
    if (lane == NULL) continue;
    free_buffers(&lane->reader);
    free(lane->time.data);
    free(lane->duration.data);
    free(lane->pitch.data);
    free(lane->velocity.data);
    free(lane);
  }
  free(in->fileLane.data);
  free(in->fileOffset.data);
  free(in->fileCount.data);
  free(in->fileDuration.data);
  free(in);
}

static napi_value init(napi_env env, napi_value exports) {
  Instance *in = calloc(1, sizeof(Instance));
  if (in == NULL || napi_set_instance_data(env, in, free_instance, NULL) != napi_ok) {
    free(in);
    napi_throw_error(env, NULL, "howl-midi: out of memory");
    return NULL;
  }
  napi_value fn, abi;
  napi_create_function(env, "hash", NAPI_AUTO_LENGTH, js_hash, NULL, &fn);
  napi_set_named_property(env, exports, "hash", fn);
  napi_create_function(env, "readMany", NAPI_AUTO_LENGTH, js_read_many, NULL, &fn);
  napi_set_named_property(env, exports, "readMany", fn);
  napi_create_function(env, "takeMany", NAPI_AUTO_LENGTH, js_take_many, NULL, &fn);
  napi_set_named_property(env, exports, "takeMany", fn);
  napi_create_string_utf8(env, "howl-midi 3", NAPI_AUTO_LENGTH, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
