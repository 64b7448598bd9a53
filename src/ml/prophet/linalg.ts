/** Small dense linear algebra on row-major Float64Arrays (the systems here are at most a few dozen unknowns). */

/**
 * Solves A x = r for symmetric positive-definite A (n×n, row-major) by Cholesky. Adds a tiny ridge when
 * round-off makes a pivot non-positive (nearly collinear changepoint columns), rather than failing.
 */
export function choleskySolve(A: Float64Array, n: number, r: Float64Array): Float64Array {
  const L = new Float64Array(n * n);
  let jitter = 0;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * n + i]));
  for (let attempt = 0; attempt < 8; attempt++) {
    if (factor(A, n, L, jitter)) return substitute(L, n, r);
    jitter = jitter === 0 ? maxDiag * 1e-13 : jitter * 100;
  }
  throw new Error('choleskySolve: matrix is not positive definite');
}

function factor(A: Float64Array, n: number, L: Float64Array, jitter: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] + (i === j ? jitter : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return false;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  return true;
}

function substitute(L: Float64Array, n: number, r: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = r[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}
