/**
 * The forecast webview's decisions that need no DOM (unit-tested in plain Node): axis and tooltip numbers, how far a line
 * may bridge a gap, the clock the chart is drawn in, and what the screen-reader live region says.
 * Imports only the protocol and src/core/quantity (dependency-free: no Node modules, no vscode): the webview bundle uses this file.
 */
import { formatCpu, humanMemoryQuantity } from '../core/quantity';
import { NO_PANELS_NOTE, type PanelUnit, type ReferenceLine } from '../protocol/forecast';

export { NO_PANELS_NOTE };

const KI = 1024;
const MI = KI * 1024;
const GI = MI * 1024;

/** Fewest decimals (0..6) that write `step` exactly (1, 2, 5 × 10^k steps: 0.2 → 1, 0.05 → 2, 10 → 0). */
export function stepDecimals(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  for (let d = 0; d <= 6; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 6;
}

const fixed = (x: number, d: number): string => {
  const s = x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
};

/**
 * A y-axis tick label whose unit and decimals come from the tick step, so neighbouring ticks never read the same
 * (0.4m of CPU: 0, 0.1m, 0.2m…; 0.02 req/s: 0, 0.005, 0.01…). One unit for the whole axis.
 */
export function tickLabel(unit: PanelUnit, x: number, step: number): string {
  switch (unit) {
    case 'cores':
      if (step >= 0.1) return fixed(x, stepDecimals(step));
      return `${fixed(x * 1000, stepDecimals(step * 1000))}m`;
    case 'bytes': {
      const [div, suffix] = step >= GI / 10 ? [GI, 'Gi'] : step >= MI / 10 ? [MI, 'Mi'] : step >= KI / 10 ? [KI, 'Ki'] : [1, 'B'];
      return `${fixed(x / div, stepDecimals(step / div))}${suffix}`;
    }
    case 'req/s':
    case 'count':
      return fixed(x, stepDecimals(step));
  }
}

/** The step between a chart's ticks (their values in order), or 1 for a single tick. */
export function tickStep(values: number[]): number {
  for (let i = 1; i < values.length; i++) {
    const d = Math.abs(values[i] - values[i - 1]);
    if (d > 0) return d;
  }
  return 1;
}

/** Three significant digits (trailing zeros dropped), for a tooltip or a single value. */
const sig = (x: number): string => `${Number(x.toPrecision(3))}`;

/** One value in the panel's unit, precise enough to tell close values apart (tooltips). */
export function formatValue(unit: PanelUnit, x: number): string {
  if (!Number.isFinite(x)) return '–';
  switch (unit) {
    case 'cores': return Math.abs(x) >= 1 ? sig(x) : `${sig(x * 1000)}m`;
    case 'bytes': {
      const a = Math.abs(x);
      return a >= GI ? `${sig(x / GI)}Gi` : a >= MI ? `${sig(x / MI)}Mi` : a >= KI ? `${sig(x / KI)}Ki` : `${sig(x)}B`;
    }
    case 'req/s':
    case 'count':
      return sig(x);
  }
}

/**
 * A request, limit or replica count drawn as a line (ReferenceLine), as the host's headline, summary table and YAML
 * write it: memory rounded up to whole Mi (humanMemoryQuantity: `1100Mi`, `1535Mi`; three significant digits read
 * 1.07Gi and 1.5Gi, the first below what is written), CPU in whole millicores rounded up (formatCpu: `1234m`, not 1.23).
 */
export function lineValue(unit: PanelUnit, x: number): string {
  if (!Number.isFinite(x)) return '–';
  switch (unit) {
    case 'cores': return formatCpu(Math.max(0, x));
    case 'bytes': return humanMemoryQuantity(Math.max(0, x));
    case 'req/s':
    case 'count':
      return formatValue(unit, x);
  }
}

/**
 * The chart tooltip's text for a point of the dataset labelled `label`: a panel's reference line (same label and value)
 * as its setting is written (lineValue), every usage or forecast series (history, models, bands) with formatValue.
 */
export function tooltipLabel(unit: PanelUnit, lines: readonly ReferenceLine[], label: string, y: number): string {
  const line = lines.some((l) => l.label === label && l.value === y);
  return `${label}: ${line ? lineValue(unit, y) : formatValue(unit, y)}`;
}

/**
 * The smallest y range the axis shows, so an all-zero or tiny series gets readable ticks (1m of CPU, 1Mi, 1 req/s)
 * instead of a 0..1 byte axis. Chart.js's suggestedMax: larger data widens it as usual.
 */
export function suggestedMax(unit: PanelUnit): number {
  return unit === 'cores' ? 0.001 : unit === 'bytes' ? MI : 1;
}

/**
 * How far (ms) a line may bridge missing points: two buckets (the median spacing of `t`, Unix seconds). A longer gap
 * stays a gap instead of a ramp across it. Undefined with fewer than two points.
 */
export function spanGapsMs(t: number[]): number | undefined {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) if (t[i] > t[i - 1]) d.push(t[i] - t[i - 1]);
  if (d.length === 0) return undefined;
  d.sort((a, b) => a - b);
  return 2 * d[Math.floor(d.length / 2)] * 1000;
}

/**
 * The chart's x for a Unix-second time: shifted so that the time axis, which formats in the browser's local zone,
 * reads UTC wall-clock time (the tables' clock). `utcShown(ms)` inverts it.
 */
export function utcWall(seconds: number): number {
  const ms = seconds * 1000;
  return ms + new Date(ms).getTimezoneOffset() * 60_000;
}

/** LSTM training progress: shown, not read out (up to 60 epochs a series). */
const PROGRESS = /\bepoch \d+\/\d+/i;

/**
 * What the polite live region says for a host message, or undefined for nothing: progress lines are only shown; a
 * forecast arriving (first paint or an update) is announced once.
 */
export function announcement(m: { type: 'show' } | { type: 'loading' | 'error'; message: string }): string | undefined {
  if (m.type === 'show') return 'Forecast updated';
  if (m.type === 'loading' && PROGRESS.test(m.message)) return undefined;
  return m.message;
}
