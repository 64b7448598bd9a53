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
  for (let j = 0; j < qs.length; j++) {
    const h = (n - 1) * qs[j];
    const lo = Math.floor(h);
    const vLo = select(a, lo);
    // The next order statistic is the minimum of the part above lo after selection.
    let vHi = vLo;
    if (lo + 1 < n && h > lo) {
      vHi = Infinity;
      for (let i = lo + 1; i < n; i++) if (a[i] < vHi) vHi = a[i];
    }
    out[j] = vLo + (h - lo) * (vHi - vLo);
  }
}

/** k-th smallest (0-based) of a, partially reordering a so a[k] holds it, smaller before and larger after (Hoare). */
export function select(a: Float64Array, k: number): number {
  let left = 0, right = a.length - 1;
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
