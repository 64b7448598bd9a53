/**
 * The lowest level a forecast of a series may reach, read from what the series has done (docs/LSTM.md § Floor).
 *
 * A usage series (CPU, bytes, counts) cannot go below 0, and its models can: Prophet's linear trend and Fourier terms, an
 * LSTM continuing a drain, a carried level. Such a series was floored at 0 only when no observed value was below 0, so a
 * CPU series of 0.2–1.0 with a few samples of measurement noise at −0.01 lost its floor, and a downward trend at the
 * origin drained its forecast to −0.3 and its band further. What the floor asks instead is whether the series is below 0
 * as a level or only as noise: where its negative samples are rarer than the band's lower tail (NEGATIVE_SHARE, the 5% a
 * 90% band leaves below it), the series is a non-negative quantity measured with noise, and its forecast, its members and
 * its band are floored at min(0, its lowest observed value) — 0 for a series that never went below 0, as before, and
 * −0.01 for the noisy one. A series below 0 more often than that (a centred metric spanning −5..5, a difference, a
 * temperature) is genuinely signed: no floor, as before.
 */

/** Share of observed samples below 0 up to which a series counts as non-negative with noise (the 90% band's lower tail). */
export const NEGATIVE_SHARE = 0.05;

/**
 * The floor for forecasts and bands of a series with these values (NaN or infinite values, a filled gap's points, are not
 * observed and are skipped): 0 when none is below 0; min(0, the lowest value) when at most NEGATIVE_SHARE of them are; else
 * −Infinity (no floor). −Infinity also for a series with no finite value.
 */
export function historyFloor(values: ArrayLike<number>, from = 0, to = values.length): number {
  let n = 0, negative = 0, min = Infinity;
  for (let i = Math.max(0, from); i < Math.min(to, values.length); i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    n++;
    if (x < 0) negative++;
    if (x < min) min = x;
  }
  if (n === 0) return -Infinity;
  if (negative === 0) return 0;
  return negative <= NEGATIVE_SHARE * n ? min : -Infinity;
}

/** `a` with every value below `floor` raised to it (`a` itself when the floor is −Infinity). */
export function floored(a: Float64Array, floor: number): Float64Array {
  return floor === -Infinity ? a : a.map((x) => (x < floor ? floor : x));
}
