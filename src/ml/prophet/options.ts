/**
 * Prophet's options, under Prophet's own (snake_case) names so a user can carry a configuration over from
 * Python or R unchanged. Defaults are MOrA's configuration (the issue's): daily and weekly on, yearly off.
 */

/** `true`, `false`, `'auto'` (on when the history spans two periods and is sampled finer than one), or a Fourier order. */
export type SeasonalityArg = boolean | 'auto' | number;

export interface ProphetOptions {
  /** Only linear growth is implemented (the configuration MOrA uses). */
  growth: 'linear';
  /** Explicit changepoint times (Unix seconds); overrides n_changepoints / changepoint_range. */
  changepoints: readonly number[] | null;
  n_changepoints: number;
  changepoint_range: number;
  yearly_seasonality: SeasonalityArg;
  weekly_seasonality: SeasonalityArg;
  daily_seasonality: SeasonalityArg;
  seasonality_mode: 'additive';
  seasonality_prior_scale: number;
  changepoint_prior_scale: number;
  interval_width: number;
  uncertainty_samples: number;
  /** Seed of the uncertainty simulation (MOrA addition: Prophet uses the global RNG). */
  seed: number;
}

export const PROPHET_DEFAULTS: Readonly<ProphetOptions> = Object.freeze({
  growth: 'linear',
  changepoints: null,
  n_changepoints: 25,
  changepoint_range: 0.8,
  yearly_seasonality: false,
  weekly_seasonality: true,
  daily_seasonality: true,
  seasonality_mode: 'additive',
  seasonality_prior_scale: 10,
  changepoint_prior_scale: 0.05,
  interval_width: 0.9,
  uncertainty_samples: 1000,
  seed: 42,
});

/** The period, in days, of each built-in seasonality. */
const SEASONAL_PERIOD_DAYS = { yearly_seasonality: 365.25, weekly_seasonality: 7, daily_seasonality: 1 } as const;

/**
 * MOrA's default seasonalities (the ones the caller did not set) that a history spanning `spanDays` is too short for,
 * switched off: a seasonality needs one full period to be identified. Over 3 days a weekly Fourier term is collinear
 * with trend and level, and forced on it extrapolated into MASE 10–86 on the next day of real 4-day traces (and 37 on a
 * 3-day hourly one; docs/BENCHMARKS.md § Held-out traces). Prophet's own "auto" asks for two periods; one keeps MOrA's
 * configuration (weekly on) for the 13-day histories it was tuned and checked against R on. A seasonality set
 * explicitly (true, a Fourier order) is kept, as R's Prophet keeps it.
 */
export function seasonalitiesForSpan(partial: Partial<ProphetOptions>, spanDays: number): Partial<ProphetOptions> {
  const out: Partial<ProphetOptions> = {};
  for (const [name, period] of Object.entries(SEASONAL_PERIOD_DAYS) as Array<[keyof typeof SEASONAL_PERIOD_DAYS, number]>) {
    if (partial[name] === undefined && PROPHET_DEFAULTS[name] === true && spanDays < period) out[name] = false;
  }
  return out;
}

/** Thrown for options or data the model cannot use; callers turn it into a one-line user error. */
export class ProphetInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProphetInputError';
  }
}

/** Merges user options over the defaults and checks each one, naming the offending option in the error. */
export function resolveOptions(partial: Partial<ProphetOptions> = {}): ProphetOptions {
  const o: ProphetOptions = { ...PROPHET_DEFAULTS, ...stripUndefined(partial) };
  const known = new Set(Object.keys(PROPHET_DEFAULTS));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new ProphetInputError(`unknown Prophet option "${key}"; known: ${[...known].join(', ')}`);
  }
  if (o.growth !== 'linear') throw new ProphetInputError(`growth "${String(o.growth)}" is not supported; only "linear"`);
  if (o.seasonality_mode !== 'additive') throw new ProphetInputError(`seasonality_mode "${String(o.seasonality_mode)}" is not supported; only "additive"`);
  requireInt('n_changepoints', o.n_changepoints, 0);
  requireRange('changepoint_range', o.changepoint_range, 0, 1);
  requirePositive('seasonality_prior_scale', o.seasonality_prior_scale);
  requirePositive('changepoint_prior_scale', o.changepoint_prior_scale);
  if (!(o.interval_width > 0 && o.interval_width < 1)) throw new ProphetInputError(`interval_width must be in (0, 1), got ${o.interval_width}`);
  requireInt('uncertainty_samples', o.uncertainty_samples, 0);
  for (const name of ['yearly_seasonality', 'weekly_seasonality', 'daily_seasonality'] as const) {
    const v = o[name];
    if (!(v === true || v === false || v === 'auto' || (typeof v === 'number' && Number.isInteger(v) && v >= 0))) {
      throw new ProphetInputError(`${name} must be true, false, "auto" or a Fourier order (integer >= 0), got ${JSON.stringify(v)}`);
    }
  }
  if (o.changepoints !== null && !o.changepoints.every((c) => Number.isFinite(c))) {
    throw new ProphetInputError('changepoints must be finite Unix-second timestamps');
  }
  return o;
}

/**
 * Parses `name=value` strings (the CLI's `--set prophet.name=value`) into typed options:
 * booleans, "auto", numbers, and comma-separated changepoint lists.
 */
export function parseOptionValues(raw: Readonly<Record<string, string>>): Partial<ProphetOptions> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(raw)) {
    if (!(key in PROPHET_DEFAULTS)) throw new ProphetInputError(`unknown Prophet option "${key}"; known: ${Object.keys(PROPHET_DEFAULTS).join(', ')}`);
    const s = text.trim();
    const def = (PROPHET_DEFAULTS as unknown as Record<string, unknown>)[key];
    if (key === 'changepoints') {
      out[key] = s === '' || s === 'null' ? null : s.split(/[;,]/).map(Number);
    } else if (/^(true|false)$/i.test(s) && (typeof def === 'boolean' || key.endsWith('_seasonality'))) {
      out[key] = s.toLowerCase() === 'true';
    } else if (s === 'auto' || typeof def === 'string') {
      out[key] = s;
    } else {
      const n = Number(s);
      if (s === '' || !Number.isFinite(n)) throw new ProphetInputError(`Prophet option ${key}: "${s}" is not a number`);
      out[key] = n;
    }
  }
  return resolveOptionsPartial(out);
}

function resolveOptionsPartial(out: Record<string, unknown>): Partial<ProphetOptions> {
  resolveOptions(out as Partial<ProphetOptions>); // validate now so the message names the option
  return out as Partial<ProphetOptions>;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

function requireInt(name: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) throw new ProphetInputError(`${name} must be an integer >= ${min}, got ${v}`);
}
function requireRange(name: string, v: number, lo: number, hi: number): void {
  if (!(v >= lo && v <= hi)) throw new ProphetInputError(`${name} must be in [${lo}, ${hi}], got ${v}`);
}
function requirePositive(name: string, v: number): void {
  if (!(v > 0 && Number.isFinite(v))) throw new ProphetInputError(`${name} must be a positive number, got ${v}`);
}
