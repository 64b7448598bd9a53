/**
 * Kubernetes resource quantities at the edges of MOrA: parse every form the API server accepts
 * (`500m`, `0.5`, `1`, `128Mi`, `1G`, `1e3`, `"250m"`) into base units (cores, bytes), and print
 * base units back in the form people write in manifests. Internally MOrA only uses numbers.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource): <sign><digits>[.<digits>]<suffix>, where suffix is a
 * binary SI suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
 */

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/**
 * Parses a quantity into base units. Accepts numbers as-is (YAML may already have turned `1` into a number).
 * Throws QuantityError with a message naming the bad text and the accepted forms.
 */
export function parseQuantity(raw: string | number, what = 'quantity'): number {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new QuantityError(`${what}: ${raw} is not a finite number`);
    return raw;
  }
  const s = raw.trim().replace(/^(["'])(.*)\1$/, '$2').trim();
  const m = QUANTITY_RE.exec(s);
  if (!m) {
    const hint = /^\d+(\.\d+)?\s*[a-zA-Z]+$/.test(s)
      ? ` (unknown suffix or space; use one of m, k, M, G, T, Ki, Mi, Gi, Ti, or an exponent like 1e3)`
      : ' (expected e.g. 500m, 0.5, 2, 128Mi, 1G, 1e3)';
    throw new QuantityError(`${what}: "${raw}" is not a Kubernetes quantity${hint}`);
  }
  const [, sign, digits, exponent, suffix] = m;
  let value = Number(digits);
  if (exponent !== undefined) value *= 10 ** Number(exponent.slice(1));
  else if (suffix !== undefined) value *= BINARY[suffix] ?? DECIMAL[suffix];
  // Avoid float dust such as 0.1 * 3 style artefacts on millis: 1e-9 is the API's finest unit.
  value = Math.round(value * 1e9) / 1e9 || value;
  if (!Number.isFinite(value)) throw new QuantityError(`${what}: "${raw}" is too large to be a number`);
  return sign === '-' ? -value : value;
}

/** The largest amounts Kubernetes holds: its int64 fields, 2^63-1 bytes of memory (~8Ei) and 2^63-1 millicores of CPU. */
export const MAX_MEMORY_BYTES = 2 ** 63 - 1;
export const MAX_CPU_CORES = (2 ** 63 - 1) / 1000;

/**
 * A CPU or memory request or limit to write into a manifest, in base units: a Kubernetes quantity, 0 or more (0 is
 * what Kubernetes accepts too: nothing reserved), at most what Kubernetes can hold, and for memory at least one byte
 * when not 0 (`100m` of memory is 0.1 byte: a typo for `100Mi`). Throws QuantityError with one line that says why.
 */
export function parseResourceQuantity(resource: 'cpu' | 'memory', raw: string, what: string = resource): number {
  const value = parseQuantity(raw, what);
  if (value < 0) throw new QuantityError(`${what}: "${raw}" is negative; requests and limits are 0 or more`);
  if (resource === 'cpu' && value > MAX_CPU_CORES) throw new QuantityError(`${what}: "${raw}" is more CPU than Kubernetes can hold (at most 9223372036854775807m)`);
  if (resource === 'memory' && value > MAX_MEMORY_BYTES) throw new QuantityError(`${what}: "${raw}" is more memory than Kubernetes can hold (at most 8Ei)`);
  if (resource === 'memory' && value > 0 && value < 1) {
    throw new QuantityError(`${what}: "${raw}" is less than one byte ("m" means thousandths; did you mean Mi?)`);
  }
  return value;
}

/** A memory amount a person types without a unit below this is taken for a forgotten unit (`256` for 256Mi). */
export const MIN_UNITLESS_MEMORY = 2 ** 20;

/**
 * A CPU amount a person types without a unit from this many cores on is taken for millicores without their `m`
 * (`cpu=100` for 100m). The round millicore amounts people write for a container (20m, 25m, 50m, 100m, 250m, 500m) are all
 * 20 or more, while plain 0.5, 1, 2, 4, 8 and 16 (a whole 16-core node) are real core counts; a request of 20 cores or
 * more is written explicitly in millicores (`32000m`). Not caught: 10m–19m typed without the m (10 cores is a real size).
 */
export const MIN_UNITLESS_CPU_TYPO_CORES = 20;

/** `100` cores as `100000m` (a plain number of millicores, whole when it can be). */
function formatMillicores(cores: number): string {
  return `${Number((cores * 1000).toPrecision(15))}m`;
}

const MEMORY_SUFFIXES = new Set(['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'k', 'M', 'G', 'T', 'P', 'E']);

/**
 * A plain number the user typed, as a hint writes it back: the number it is (`020` → 20, `20.` → 20, `+.5` → 0.5), so
 * `did you mean 20m?` is a quantity to copy, not `020m` or `20.m`. One too long for plain digits keeps its text.
 */
function asTyped(text: string): string {
  const n = Number(text);
  const s = String(n);
  return Number.isFinite(n) && !/e/i.test(s) ? s : text.replace(/^\+/, '');
}

/**
 * A CPU or memory amount typed by a person (`manifests apply --set`, `recommend --cpu-min` and the other policy flags),
 * checked as parseResourceQuantity checks it and for the unit mix-ups that parse as valid Kubernetes quantities but
 * cannot be meant (Kubernetes itself would take them):
 * - CPU with a memory suffix (`1Gi` is ~1.07 billion cores, `500M` 500 million): refused, naming the suffix.
 * - memory in thousandths (`m`; also `u`, `n`): `2000m` is 2 bytes, a typo for Mi: refused.
 * - memory as a plain number (no suffix; an exponent counts as plain) above 0 and below 1Mi: bytes, so `256` is 256
 *   bytes, which no container runs in; refused with the Mi it probably meant (below 1024; from 1024 on, `1000000`,
 *   it is taken for the byte count it is and said in Mi and Ki instead). A small amount written with its unit
 *   (`512Ki`, `500k`) is explicit and taken; 0 and plain byte counts of 1Mi or more (`268435456`) are taken too.
 * - CPU without a unit suffix, a plain number or an exponent (`100`, `1e2`, `0.1E3`), whose value is
 *   MIN_UNITLESS_CPU_TYPO_CORES (20) cores or more: refused as millicores missing their `m`, naming both readings (`100m`,
 *   or `100000m` for 100 cores). The value decides, not the spelling: `1e2` is the same 100 cores as `100`. A suffix
 *   (`100000m`, `250m`) is explicit and taken.
 * Not for values read from clusters or files (a metrics-server usage in bytes is fine): parseResourceQuantity there.
 * Throws QuantityError with one line naming `what`.
 */
export function parseInputQuantity(resource: 'cpu' | 'memory', raw: string, what: string = resource): number {
  const text = raw.trim().replace(/^(["'])(.*)\1$/, '$2').trim();
  const suffix = QUANTITY_RE.exec(text)?.[4];
  if (resource === 'cpu' && suffix !== undefined && MEMORY_SUFFIXES.has(suffix)) {
    throw new QuantityError(`${what}: "${raw}" has a memory unit (${suffix}); CPU is in cores (2, 0.5) or millicores (500m)`);
  }
  if (resource === 'memory' && (suffix === 'm' || suffix === 'u' || suffix === 'n')) {
    const amount = asTyped(text.slice(0, -1));
    throw new QuantityError(`${what}: "${raw}" is in ${suffix === 'm' ? 'thousandths' : suffix === 'u' ? 'millionths' : 'billionths'} of a byte `
      + `("${suffix}" is not a memory unit); did you mean ${amount}${suffix === 'm' ? 'Mi' : 'Mi or Ki'}?`);
  }
  if (resource === 'cpu' && suffix === undefined && QUANTITY_RE.test(text)) {
    // A number without a unit is cores, however it is spelled (`100`, `1e2`, `0.1E3`: the value is judged, not the
    // digits); one from MIN_UNITLESS_CPU_TYPO_CORES on is far more likely millicores without their m.
    const cores = parseQuantity(text, what);
    if (cores >= MIN_UNITLESS_CPU_TYPO_CORES) {
      const amount = asTyped(text);
      throw new QuantityError(`${what}: "${raw}" is ${amount} cores (a number without a unit is cores); did you mean ${amount}m? `
        + `For ${amount} cores write ${formatMillicores(cores)}`);
    }
  }
  if (resource === 'memory' && suffix === undefined && QUANTITY_RE.test(text)) {
    const bytes = parseQuantity(text, what);
    if (bytes > 0 && bytes < MIN_UNITLESS_MEMORY) {
      // A plain amount under 1 (0.5) was more likely meant in Gi, a small one (256) in Mi. From 1024 on it reads as the
      // byte count it is (1000000 as Mi would be ~954Gi): said in Mi, with the unit to write it in.
      const plain = /^\+?(\d+(?:\.\d*)?|\.\d+)$/.test(text) ? asTyped(text) : undefined;
      if (bytes >= 1024) {
        throw new QuantityError(`${what}: "${raw}" is ${bytes} bytes, ${Math.min(Number((bytes / 2 ** 20).toPrecision(3)), 0.999)}Mi (a number without a unit is bytes); `
          + `an amount under 1Mi needs its unit: ${Math.ceil(bytes / 1024)}Ki, or 1Mi`);
      }
      const guess = plain === undefined ? '' : `; did you mean ${plain}${bytes < 1 ? 'Gi' : 'Mi'}?`;
      throw new QuantityError(`${what}: "${raw}" is ${bytes} byte${bytes === 1 ? '' : 's'} (a number without a unit is bytes)${guess}`
        + `${guess ? ' An' : '; an'} amount under 1Mi needs its unit (512Ki)`);
    }
  }
  const value = parseResourceQuantity(resource, raw, what);
  return value;
}

/**
 * The most replicas MOrA writes into a manifest. Kubernetes would take up to 2^31-1, but a workload of more than 10,000
 * pods is beyond what clusters run (5,000 nodes, 150,000 pods per cluster); a larger count is a typo. Write it by hand if meant.
 */
export const MAX_REPLICAS = 10_000;

/** A replica count to write: a whole number from 0 to MAX_REPLICAS. Throws QuantityError with one line that says why. */
export function checkReplicas(raw: number | string, what = 'replicas'): number {
  const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_REPLICAS) {
    throw new QuantityError(`${what} must be a whole number from 0 to ${MAX_REPLICAS}, got ${typeof raw === 'string' ? `"${raw}"` : raw}`);
  }
  return n;
}

/** True when `raw` parses. */
export function isQuantity(raw: string | number): boolean {
  try { parseQuantity(raw); return true; } catch { return false; }
}

/**
 * CPU in cores → the usual manifest form: whole cores as `2`, otherwise millicores `250m`
 * (sub-millicore amounts are rounded up to 1m: the API server rounds up too).
 */
export function formatCpu(cores: number): string {
  if (!Number.isFinite(cores)) throw new QuantityError(`cpu: ${cores} is not a finite number`);
  // Rounded to micro-cores first so float noise (0.25000000001) stays 250m; a positive amount that rounds to nothing
  // is still 1m, never `0` (a request of 0 is not what was recommended).
  const rounded = Math.ceil(Math.round(cores * 1e6) / 1e3);
  const milli = cores > 0 && rounded < 1 ? 1 : rounded;
  if (milli % 1000 === 0) return String(milli / 1000);
  return `${milli}m`;
}

/**
 * Memory in bytes → the largest binary unit that represents it exactly (`128Mi`, `1Gi`, `1536Mi`);
 * amounts that are not a whole KiB print as plain bytes.
 */
export function formatMemory(bytes: number): string {
  if (!Number.isFinite(bytes)) throw new QuantityError(`memory: ${bytes} is not a finite number`);
  const b = Math.ceil(bytes);
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const f = BINARY[unit];
    if (b !== 0 && b % f === 0) return `${b / f}${unit}`;
  }
  return String(b);
}

/** Human-oriented, not for manifests: `1.5Gi`, `300Mi`, `0.25` cores shown as `250m`. */
export function humanMemory(bytes: number): string {
  const abs = Math.abs(bytes);
  for (const unit of ['Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const f = BINARY[unit];
    if (abs >= f) {
      const x = bytes / f;
      return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/\.?0+$/, '')}${unit}`;
    }
  }
  return `${Math.round(bytes)}B`;
}

/**
 * Memory in bytes rounded UP to a whole MiB: the precision a memory request or limit is shown at. MOrA's own values are
 * whole MiB already (1Mi steps); a VPA/KRR value in raw bytes (511772988) becomes the next MiB (489Mi), never the one below.
 */
export function memoryUpToMi(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes <= 0) return bytes;
  return Math.ceil(bytes / BINARY.Mi) * BINARY.Mi;
}

/**
 * A memory request or limit for people (the CLI tables, the HTML report, the editor's hover, lens and tree text): the
 * value rounded UP to a whole MiB (memoryUpToMi), written as Kubernetes writes it (formatMemory: `1100Mi`, `1Gi`,
 * `1536Mi`), so what one reads is what MOrA writes into the manifest and the CSV, and copying it never sets less than
 * recommended. Not humanMemory's `1.07Gi` (1100Mi rounded to the nearest: 1095.68Mi, below the 1100Mi written) nor a
 * rounded-up `1.08Gi` (a third number): whole MiB is what `kubectl get -o yaml` prints back for such a value and what
 * `kubectl top` shows. Usage (p95, peaks, chart axes) stays humanMemory: it is measured, not set.
 */
export function humanMemoryQuantity(bytes: number): string {
  if (!Number.isFinite(bytes)) throw new QuantityError(`memory: ${bytes} is not a finite number`);
  return bytes < 0 ? `-${formatMemory(memoryUpToMi(-bytes))}` : formatMemory(memoryUpToMi(bytes));
}

export function formatQuantity(kind: 'cpu' | 'memory', value: number): string {
  return kind === 'cpu' ? formatCpu(value) : formatMemory(value);
}

/** Rounds up to a multiple of `step` (5m = 0.005 cores, 1Mi = 1048576 bytes) so recommendations are readable and never below the need. */
export function roundUpTo(value: number, step: number): number {
  if (!(step > 0)) return value;
  // The epsilon keeps exact multiples (e.g. 0.25 / 0.005) from creeping up one step through float error.
  const n = Math.ceil(value / step - 1e-9);
  const r = n * step;
  return step < 1 ? Math.round(r * 1e9) / 1e9 : r;
}

/**
 * A CPU cap in whole millicores, rounded down: formatCpu writes whole millicores rounding up, so a cap of 12500u
 * (12.5m) would be written as 13m, above the cap. Micro-core noise (0.0125000001) is rounded away first.
 */
export function cpuCapToMillicores(cores: number): number {
  if (!Number.isFinite(cores)) return cores;
  return Math.floor(Math.round(cores * 1e6) / 1e3) / 1e3;
}

export interface QuantityPolicy {
  /** Rounding step in base units. */
  step: number;
  /** Lower bound (floor) in base units. */
  min: number;
  /** Upper bound (cap) in base units; Infinity for none. */
  max: number;
}

/**
 * MOrA's defaults, per container: 5m / 1Mi steps, floors 10m and 32Mi. The floors are small enough for real sidecars
 * (proxies, log shippers and exporters use 10–50 MiB) and only guard against sizing a container from too little
 * usage; VPA's per-pod 25m / 250Mi inflated every small service (docs/ENGINE.md says why these values).
 */
export const DEFAULT_CPU_POLICY: QuantityPolicy = { step: 0.005, min: 0.01, max: Infinity };
export const DEFAULT_MEMORY_POLICY: QuantityPolicy = { step: 2 ** 20, min: 32 * 2 ** 20, max: Infinity };

/** Floor, cap, then round up to the step (the cap wins over rounding so a cap is never exceeded). */
export function applyQuantityPolicy(value: number, policy: QuantityPolicy): number {
  const floored = Math.max(value, policy.min);
  const rounded = roundUpTo(floored, policy.step);
  return Math.min(rounded, policy.max);
}
