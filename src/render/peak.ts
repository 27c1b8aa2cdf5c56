import type { StereoAudio } from './render-notes.js';

/** Default normalisation target: the loudest sample at -1 dBFS (0.891), leaving room for MP3 overshoot. */
export const DEFAULT_PEAK_DB = -1;

/**
 * The largest absolute sample value in some channels.
 *
 * @param channels - sample arrays
 * @returns max |x| (0 for silence)
 * @example peakAmplitude(audio.left, audio.right); // 0.37
 */
export function peakAmplitude(...channels: readonly Float32Array[]): number {
  let peak = 0;
  for (const channel of channels) {
    for (let i = 0; i < channel.length; i++) {
      const x = channel[i]!;
      if (x > peak) peak = x;
      else if (-x > peak) peak = -x;
    }
  }
  return peak;
}

/**
 * Peak normalisation: the gain that brings the loudest sample to `targetDb` dB full scale. Silence
 * (peak 0) gets gain 1. The synthesizer's raw output is quiet (a piano piece peaks around 0.05 to
 * 0.5, depending on its loudest chord), so renders are normalised by default; the gain is one
 * factor for the whole piece, so dynamics are kept.
 *
 * @param peak - the peak amplitude (`peakAmplitude`), or the audio to measure
 * @param targetDb - where the peak should land, <= 0. Default -1 dBFS.
 * @returns the factor to multiply every sample by
 * @example encodeWav(audio, { gain: peakGain(audio) }); // loudest sample at 0.891
 */
export function peakGain(peak: number | StereoAudio, targetDb = DEFAULT_PEAK_DB): number {
  const value = typeof peak === 'number' ? peak : peakAmplitude(peak.left, peak.right);
  return value > 0 ? 10 ** (targetDb / 20) / value : 1;
}
