/**
 * What the backtest can tell about the input's unit. MOrA and Autopilot scale with their input (a series in MiB gets
 * the same ratios as in bytes), but the re-implemented baselines carry absolute numbers in base units, as the originals
 * do: VPA's floors (25m, 250Mi) and histogram (0.01–1000 cores, 10 MB–1 TB), KRR's floors (10m, 100Mi) and rounding.
 * A series in MiB or KiB therefore gets VPA and KRR values that are their floors, and millicores or MHz overflow VPA's
 * histogram — silently, unless said. The unit cannot be told from the numbers in general (4 GB in KB looks like 4 MB),
 * so this names what cannot be base units, and a unit the value column's header names (`Memory usage [KB]`), and says
 * how to convert (`--scale`).
 */
import { CPU_BUCKETS, MEMORY_BUCKETS } from '../../rightsizing/baselines/histogram';
import { VPA } from '../../rightsizing/baselines/vpa';
import type { ResourceKind } from '../../rightsizing/baselines/strategy';

/** A memory series in bytes peaking under 1 MiB is no container: no process runs in less. */
const MIN_PLAUSIBLE_BYTES = 2 ** 20;

/**
 * Units a value column's header may name (`Memory usage [KB]`, `CPU usage [MHZ]`, `mem (MiB)`, `mem_mib`), with the
 * --scale that converts them to base units. Only in brackets or parentheses, or as an underscore suffix: a series name
 * such as `web-mb-cache` names no unit.
 */
const HEADER_UNITS: Readonly<Record<ResourceKind, ReadonlyArray<{ unit: string; words: readonly string[]; scale: string }>>> = {
  memory: [
    { unit: 'KB', words: ['kb', 'kbytes', 'kilobytes'], scale: '1000 (KB) or 1024 (KiB)' },
    { unit: 'KiB', words: ['kib'], scale: '1024' },
    { unit: 'MB', words: ['mb', 'mbytes', 'megabytes'], scale: '1000000 (MB) or 1048576 (MiB)' },
    { unit: 'MiB', words: ['mib', 'mi'], scale: '1048576' },
    { unit: 'GB', words: ['gb', 'gbytes', 'gigabytes'], scale: '1000000000 (GB) or 1073741824 (GiB)' },
    { unit: 'GiB', words: ['gib', 'gi'], scale: '1073741824' },
  ],
  cpu: [
    { unit: 'MHz', words: ['mhz'], scale: '0.001 (1 GHz read as a core)' },
    { unit: 'millicores', words: ['millicores', 'millicore', 'mcpu', 'm'], scale: '0.001' },
    { unit: '%', words: ['%', 'percent', 'pct'], scale: '0.01 (if 100% is one core)' },
  ],
};

/** The unit a column's header names for this kind, or undefined (none, or base units). */
export function headerUnit(column: string, kind: ResourceKind): { unit: string; scale: string } | undefined {
  const lower = column.toLowerCase();
  const tagged = [...lower.matchAll(/[[(]\s*([^\])]+?)\s*[\])]/g)].map((m) => m[1]);
  const suffix = /_([a-z%]+)$/.exec(lower)?.[1];
  for (const word of [...tagged, ...(suffix ? [suffix] : [])]) {
    const u = HEADER_UNITS[kind].find((x) => x.words.includes(word));
    if (u) return { unit: u.unit, scale: u.scale };
  }
  return undefined;
}

/**
 * `scale`: the --scale given (1 when none). A header's unit is named only without one: with it, the values were converted.
 * `column`: the value column's header, where the input had one.
 */
export function unitNotes(inputs: ReadonlyArray<{ name: string; series: { v: ArrayLike<number> }; cumulative?: boolean; column?: string }>, kind: ResourceKind, strategies: readonly string[], scale = 1): string[] {
  const baselines = strategies.filter((s) => s === 'vpa' || s === 'krr' || s === 'krr-limit');
  if (baselines.length === 0) return [];
  // The header says the unit (Bitbrains' "Memory usage [KB]": VPA 333× MOrA's waste over KB read as bytes, not a word).
  const byHeader = new Map<string, { unit: string; scale: string; names: string[] }>();
  if (scale === 1) {
    for (const i of inputs) {
      const u = i.column === undefined ? undefined : headerUnit(i.column, kind);
      if (!u) continue;
      const seen = byHeader.get(i.column!) ?? { ...u, names: [] };
      seen.names.push(i.name);
      byHeader.set(i.column!, seen);
    }
  }
  const headerNotes = [...byHeader].map(([column, u]) => `${u.names.length} of ${inputs.length} ${kind === 'cpu' ? 'CPU' : 'memory'} series: their column "${column}" says ${u.unit}, `
    + `read as ${kind === 'cpu' ? 'cores' : 'bytes'}: ${baselines.join(' and ')} work in ${kind === 'cpu' ? 'cores' : 'bytes'} (${kind === 'cpu' ? "VPA's histogram 0.01–1000 cores, floors 25m and 10m" : "VPA's floor is 250Mi, KRR's 100Mi"}), `
    + `so their values are off by the unit; pass --scale ${u.scale} (MOrA and Autopilot do not depend on the unit)`);
  const unnamed = new Set(inputs.filter((i) => i.column !== undefined && byHeader.has(i.column)).map((i) => i.name));
  return [...headerNotes, ...valueNotes(inputs.filter((i) => !unnamed.has(i.name)), kind, baselines)];
}

/** What the values alone say: a memory series under 1 MiB or above VPA's histogram (1 TB), a CPU series above VPA's histogram. */
function valueNotes(inputs: ReadonlyArray<{ name: string; series: { v: ArrayLike<number> }; cumulative?: boolean }>, kind: ResourceKind, baselines: readonly string[]): string[] {
  const peaks = inputs.map((i) => {
    let p = -Infinity;
    for (let k = 0; k < i.series.v.length; k++) if (i.series.v[k] > p) p = i.series.v[k];
    return { name: i.name, peak: p, cumulative: i.cumulative === true };
  }).filter((x) => Number.isFinite(x.peak));
  const named = (xs: typeof peaks): string => xs.slice(0, 3).map((x) => `${x.name} peaks at ${fmt(x.peak)}`).join(', ') + (xs.length > 3 ? ', …' : '');
  if (kind === 'memory') {
    // An all-zero series (an idle or missing metric) says nothing about the unit.
    const tiny = peaks.filter((x) => x.peak > 0 && x.peak < MIN_PLAUSIBLE_BYTES);
    const notes = tiny.length === 0 ? [] : [`${tiny.length} of ${peaks.length} memory series peak under 1 MiB read as bytes (${named(tiny)}): `
      + `${baselines.join(' and ')} work in bytes (VPA's floor is 250Mi, KRR's 100Mi), so their values there are floors; `
      + 'if the values are KB, KiB, MiB or GiB, pass --scale 1000, 1024, 1048576 or 1073741824 (MOrA and Autopilot do not depend on the unit)'];
    // Above VPA's histogram (1e12 bytes) every sample falls in its last bucket: VPA's value stops at that bucket's end
    // with its margin, whatever the usage, and each day above it counts an OOM.
    const top = MEMORY_BUCKETS.maxValue;
    const huge = peaks.filter((x) => x.peak > top && !x.cumulative);
    if (huge.length > 0 && baselines.includes('vpa')) {
      const cap = MEMORY_BUCKETS.start(MEMORY_BUCKETS.numBuckets - 1) * (1 + VPA.safetyMargin);
      notes.push(`${huge.length} of ${peaks.length} memory series go above 1 TB read as bytes (${named(huge)}): VPA's memory histogram ends at ${fmt(top)} bytes, `
        + `so its values there are capped at ${fmt(cap)} (its last bucket and ${VPA.safetyMargin * 100}% margin) and its OOM days are wrong; no container uses that much: `
        + 'if the values are in another unit, or a sum over many containers, pass the --scale that makes them bytes per container (MOrA and Autopilot do not depend on the unit)');
    }
    return notes;
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
