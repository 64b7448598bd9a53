/**
 * The `mora.*` settings that decide a recommendation, read the same way for the tree, the CodeLenses, the hovers and the
 * forecast view's reference lines. Editor-free: the extension passes VS Code's configuration reader, tests pass
 * package.json's defaults, so "the extension's defaults give the CLI's numbers" is checked in plain Node.
 */
import type { Policy } from '../rightsizing/engine/policy';

/** Reads one `mora.<key>` setting, or the fallback. */
export type SettingsReader = <T>(key: string, fallback: T) => T;

/** The forecasts the extension may check against the moving window. `fused` is CLI-only (see `forecastModel`). */
export const EXTENSION_FORECAST_MODELS = ['none', 'prophet'] as const;

export interface RecommendSettings {
  policy: Partial<Policy>;
  /** Undefined: the moving-window rule alone (the default everywhere, as in `mora recommend` and `mora demo`). */
  model?: string;
}

export function recommendSettings(get: SettingsReader): RecommendSettings {
  const margin = get<number>('safetyMargin', 0);
  return {
    policy: {
      qos: get<'Burstable' | 'Guaranteed'>('qos', 'Burstable'),
      cpuLimits: get<boolean>('cpuLimits', false),
      historyDays: get<number>('historyDays', 14),
      cpuMargin: margin,
      memoryMargin: margin,
    },
    model: forecastModel(get<string>('forecastModel', 'none')),
  };
}

/**
 * `mora.forecastModel`: none (default) or prophet. Anything else (an old or mistyped value) falls back to none, the
 * default, rather than failing every recommendation. The fused model trains an LSTM per series on the calling thread,
 * which would stall the extension host for minutes: it stays in the CLI (`mora recommend -m fused`).
 */
export function forecastModel(value: string | undefined): string | undefined {
  const v = (value ?? 'none').toLowerCase();
  return v === 'prophet' ? 'prophet' : undefined;
}
