/**
 * Fast sampling helpers for the 1000-sample band: a ziggurat normal sampler (Marsaglia & Tsang, 2000) on the
 * project's seeded Rng (Box–Muller's log/sqrt/sin/cos made normals most of the band's cost), and a selection
 * routine for the two order statistics a type-7 quantile needs (instead of sorting every row).
 */
import type { Rng } from '../../core/random';

const M1 = 2147483648;
const KN = new Float64Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
const R = 3.442619855899;
(function setup(): void {
  const vn = 9.91256303526217e-3;
  let dn = R, tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * M1; KN[1] = 0;
  WN[0] = q / M1; WN[127] = dn / M1;
  FN[0] = 1; FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * M1;
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / M1;
  }
})();

/**
 * Fills `out` with standard normals by the ziggurat method on a mulberry32 stream seeded from `rng`
 * (the same generator as `Rng`, inlined so the 288,000 draws of a band stay in one tight loop).
 */
export function fillNormals(rng: Rng, out: Float64Array): void {
  let state = (Math.floor(rng.next() * 4294967296) >>> 0) || 0x9e3779b9;
  const nextU32 = (): number => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const uniform = (): number => nextU32() / 4294967296;
  for (let i = 0; i < out.length; i++) {
    let hz = nextU32() | 0;
    let iz = hz & 127;
    if (Math.abs(hz) < KN[iz]) { out[i] = hz * WN[iz]; continue; }
    for (;;) {
      if (iz === 0) {
        let x: number, y: number;
        do {
          x = -Math.log(1 - uniform()) / R;
          y = -Math.log(1 - uniform());
        } while (y + y < x * x);
        out[i] = hz > 0 ? R + x : -R - x;
        break;
      }
      const x = hz * WN[iz];
      if (FN[iz] + uniform() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) { out[i] = x; break; }
      hz = nextU32() | 0;
      iz = hz & 127;
      if (Math.abs(hz) < KN[iz]) { out[i] = hz * WN[iz]; break; }
    }
  }
}

/** A standard normal draw from `rng` by the ziggurat method. */
export function zigguratNormal(rng: Rng): number {
  for (;;) {
    const hz = (rng.next() * 4294967296) | 0; // signed 32-bit
    const iz = hz & 127;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    if (iz === 0) {
      // Tail beyond R.
      let x: number, y: number;
      do {
        x = -Math.log(1 - rng.next()) / R;
        y = -Math.log(1 - rng.next());
      } while (y + y < x * x);
      return hz > 0 ? R + x : -R - x;
    }
    const x = hz * WN[iz];
    if (FN[iz] + rng.next() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
  }
}

/**
 * Type-7 quantile (as R's quantile() and numpy's default) of `a` for each q, reordering `a` in place
 * by quickselect: O(n) per order statistic instead of O(n log n) for a sort.
 */
export function quantilesInPlace(a: Float64Array, qs: readonly number[], out: Float64Array): void {
  const n = a.length;
  // Ascending qs let each selection start above the previous one (everything there is already >= it).
  let from = 0, prevLo = -1;
  for (let j = 0; j < qs.length; j++) {
    const h = (n - 1) * qs[j];
    const lo = Math.floor(h);
    if (lo < prevLo) from = 0;
    const vLo = select(a, lo, from);
    from = lo;
    prevLo = lo;
    // The next order statistic is the minimum of the part above lo after selection.
    let vHi = vLo;
    if (lo + 1 < n && h > lo) {
      vHi = Infinity;
      for (let i = lo + 1; i < n; i++) if (a[i] < vHi) vHi = a[i];
    }
    out[j] = vLo + (h - lo) * (vHi - vLo);
  }
}

/**
 * k-th smallest (0-based) of a, partially reordering a so a[k] holds it, smaller before and larger after (Hoare).
 * `from`: a[0..from) is known to hold values <= all of a[from..] (a previous selection), so the search starts there.
 */
export function select(a: Float64Array, k: number, from = 0): number {
  let left = from, right = a.length - 1;
  while (right > left) {
    // Median-of-three pivot keeps sorted or constant inputs linear.
    const mid = (left + right) >>> 1;
    const x = a[left], y = a[mid], z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = left, j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}
