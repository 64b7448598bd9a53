/**
 * What the backtest can tell about the input's unit. MOrA and Autopilot scale with their input (a series in MiB gets
 * the same ratios as in bytes), but the re-implemented baselines carry absolute numbers in base units, as the originals
 * do: VPA's floors (25m, 250Mi) and histogram (0.01–1000 cores, 10 MB–1 TB), KRR's floors (10m, 100Mi) and rounding.
 * A series in MiB or KiB therefore gets VPA and KRR values that are their floors, and millicores or MHz overflow VPA's
 * histogram — silently, unless said. The unit cannot be told from the numbers in general (4 GB in KB looks like 4 MB),
 * so this only names what cannot be base units and says how to convert (`--scale`).
 */
import { CPU_BUCKETS } from '../../rightsizing/baselines/histogram';
import type { ResourceKind } from '../../rightsizing/baselines/strategy';

/** A memory series in bytes peaking under 1 MiB is no container: no process runs in less. */
const MIN_PLAUSIBLE_BYTES = 2 ** 20;

export function unitNotes(inputs: ReadonlyArray<{ name: string; series: { v: ArrayLike<number> }; cumulative?: boolean }>, kind: ResourceKind, strategies: readonly string[]): string[] {
  const baselines = strategies.filter((s) => s === 'vpa' || s === 'krr' || s === 'krr-limit');
  if (baselines.length === 0) return [];
  const peaks = inputs.map((i) => {
    let p = -Infinity;
    for (let k = 0; k < i.series.v.length; k++) if (i.series.v[k] > p) p = i.series.v[k];
    return { name: i.name, peak: p, cumulative: i.cumulative === true };
  }).filter((x) => Number.isFinite(x.peak));
  const named = (xs: typeof peaks): string => xs.slice(0, 3).map((x) => `${x.name} peaks at ${fmt(x.peak)}`).join(', ') + (xs.length > 3 ? ', …' : '');
  if (kind === 'memory') {
    // An all-zero series (an idle or missing metric) says nothing about the unit.
    const tiny = peaks.filter((x) => x.peak > 0 && x.peak < MIN_PLAUSIBLE_BYTES);
    if (tiny.length === 0) return [];
    return [`${tiny.length} of ${peaks.length} memory series peak under 1 MiB read as bytes (${named(tiny)}): `
      + `${baselines.join(' and ')} work in bytes (VPA's floor is 250Mi, KRR's 100Mi), so their values there are floors; `
      + 'if the values are KB, KiB, MiB or GiB, pass --scale 1000, 1024, 1048576 or 1073741824 (MOrA and Autopilot do not depend on the unit)'];
  }
  const top = CPU_BUCKETS.maxValue;
  // A series that looks like a cumulative counter is warned of as one (backtest-input.ts): --scale does not make it cores.
  const huge = peaks.filter((x) => x.peak > top && !x.cumulative);
  if (huge.length === 0 || !baselines.includes('vpa')) return [];
  return [`${huge.length} of ${peaks.length} CPU series go above ${top} read as cores (${named(huge)}): VPA's histogram ends at ${top} cores, `
    + 'so its values there are wrong; if the values are millicores or MHz, pass --scale 0.001 (MOrA and Autopilot do not depend on the unit)'];
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}
