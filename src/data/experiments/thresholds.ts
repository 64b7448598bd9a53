/**
 * Thresholds shared by the plan quality gate (plan-file DEFAULT_QUALITY, quality.ts) and plain `mora experiment`
 * levels (runner.ts), in a module of their own so neither imports the other.
 */

/** The least share of the asked rate a cell or level must be served; below it, it is saturated (or generator-bound). */
export const MIN_ACHIEVED_SHARE = 0.9;
