/**
 * The `mora.*` settings that decide a recommendation, read the same way for the tree, the CodeLenses, the hovers and the
 * forecast view's reference lines. Editor-free: the extension passes VS Code's configuration reader, tests pass
 * package.json's defaults, so "the extension's defaults give the CLI's numbers" is checked in plain Node.
 */
import { DEFAULT_RISK, RISK_RANGE, type Policy } from '../rightsizing/engine/policy';

/** Reads one `mora.<key>` setting, or the fallback. */
export type SettingsReader = <T>(key: string, fallback: T) => T;

/** The setting each risk target comes from, named next to it in the hover, the tree and the forecast view. */
export const RISK_SETTING = { cpu: 'setting mora.risk.cpu', memory: 'setting mora.risk.memory' } as const;

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
      cpuRisk: riskSetting(get<unknown>('risk.cpu', DEFAULT_RISK.cpu), DEFAULT_RISK.cpu),
      memoryRisk: riskSetting(get<unknown>('risk.memory', DEFAULT_RISK.memory), DEFAULT_RISK.memory),
    },
    model: forecastModel(get<string>('forecastModel', 'none')),
  };
}

/**
 * `mora.forecastModel`: none (default) or prophet. Anything else (an old or mistyped value) falls back to none, the
 * default, rather than failing every recommendation. The fused model trains (or refreshes) the context's global LSTM
 * and runs it for every workload, seconds to minutes of CPU the tree would wait on: it stays in the CLI
 * (`mora recommend -m fused`); the forecast view runs it for one workload in a worker.
 */
export function forecastModel(value: string | undefined): string | undefined {
  const v = (value ?? 'none').toLowerCase();
  return v === 'prophet' ? 'prophet' : undefined;
}

/**
 * `mora.risk.cpu` / `mora.risk.memory` as the engine takes them: a share within RISK_RANGE. VS Code only warns about a value
 * outside the schema's range, so one is clamped into it (0.9 → 0.5) and a non-number (a string typed into settings.json)
 * falls back to the default, rather than failing every recommendation.
 */
export function riskSetting(value: unknown, fallback: number): number {
  const x = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(x)) return fallback;
  return Math.min(RISK_RANGE.max, Math.max(RISK_RANGE.min, x));
}
