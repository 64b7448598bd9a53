import { InputError } from '../../../src/data/timeseries-csv';

/** A midnight UTC. */
export const T0 = 1_700_006_400;

/** `n` rows of `timestamp,value` from T0 at `step` seconds (a slow wave by default). */
export function rows(n: number, step = 300, value = (i: number) => (1 + 0.5 * Math.sin(i / 45)).toFixed(4)): string[] {
  return Array.from({ length: n }, (_, i) => `${T0 + i * step},${value(i)}`);
}

/** For assert.throws: an InputError whose message matches. */
export function inputError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof InputError && pattern.test(e.message);
}
