/**
 * The `mora.*` settings that decide a recommendation, read the same way for the tree, the CodeLenses, the hovers and the
 * forecast view's reference lines. Editor-free: the extension passes VS Code's configuration reader, tests pass
 * package.json's defaults, so "the extension's defaults give the CLI's numbers" is checked in plain Node.
 */
import { checkRiskShare } from '../core/risk-share';
import { DEFAULT_RISK, type Policy } from '../rightsizing/engine/policy';

/** Reads one `mora.<key>` setting, or the fallback. */
export type SettingsReader = <T>(key: string, fallback: T) => T;

/** The setting each risk target comes from, named next to it in the hover, the tree and the forecast view. */
export const RISK_SETTING = { cpu: 'setting mora.risk.cpu', memory: 'setting mora.risk.memory' } as const;

/** The forecasts the extension may check against the moving window (package.json's enum; see `forecastModel`). */
export const EXTENSION_FORECAST_MODELS = ['none', 'prophet', 'fused'] as const;

/**
 * Settings whose change recomputes every recommendation in the editor (the listener in src/extension/manifest-commands.ts):
 * those `recommendSettings` reads, and the in-cluster source's. mora.fusion (prophetWeight) decides them only with
 * mora.forecastModel fused: `settingsChangeRecomputes` says whether a change does.
 */
export const RECOMPUTE_SETTINGS = ['mora.qos', 'mora.cpuLimits', 'mora.safetyMargin', 'mora.historyDays', 'mora.forecastModel', 'mora.risk', 'mora.inCluster', 'mora.fusion'] as const;

/**
 * Whether a settings change recomputes the recommendations: it affects one of RECOMPUTE_SETTINGS (`affects`: VS Code's
 * ConfigurationChangeEvent.affectsConfiguration), mora.fusion only while `forecastModel()` (mora.forecastModel) is fused.
 */
export function settingsChangeRecomputes(affects: (section: string) => boolean, forecastModelSetting: () => string | undefined): boolean {
  return RECOMPUTE_SETTINGS.some((k) => affects(k) && (k !== 'mora.fusion' || forecastModel(forecastModelSetting()) === 'fused'));
}

export interface RecommendSettings {
  policy: Partial<Policy>;
  /** Undefined: the moving-window rule alone (the default everywhere, as in `mora recommend` and `mora demo`). */
  model?: string;
  /**
   * The model's options (RecommendRequest.modelOptions), only with `mora.forecastModel` fused and a numeric
   * `mora.fusion.prophetWeight`: the recommendation defaults (`forecastDefaults('fused')`: the LSTM's 8 epochs, 256 windows)
   * plus the fusion's weights from the setting, as the forecast view weighs them (`fusionModelOptions`). Otherwise unset:
   * the model's defaults.
   */
  modelOptions?: Record<string, Record<string, string>>;
  /**
   * A risk setting that is not a share within the range, in words the CLI uses for the same value (exit 2 there):
   * `Setting mora.risk.cpu is 5: must be a share between 0.001 and 0.5 (a share, not a percentage: 5% is 0.05); using the
   * default 0.05 until it is fixed.`. The extension shows each as a warning; empty when all are valid.
   */
  warnings?: string[];
}

export function recommendSettings(get: SettingsReader): RecommendSettings {
  const margin = get<number>('safetyMargin', 0);
  const warnings: string[] = [];
  const risk = (key: 'risk.cpu' | 'risk.memory', fallback: number): number => {
    const r = riskSettingCheck(key, get<unknown>(key, fallback), fallback);
    if (r.warning) warnings.push(r.warning);
    return r.value;
  };
  const model = forecastModel(get<string>('forecastModel', 'none'));
  return {
    policy: {
      qos: get<'Burstable' | 'Guaranteed'>('qos', 'Burstable'),
      cpuLimits: get<boolean>('cpuLimits', false),
      historyDays: get<number>('historyDays', 14),
      cpuMargin: margin,
      memoryMargin: margin,
      cpuRisk: risk('risk.cpu', DEFAULT_RISK.cpu),
      memoryRisk: risk('risk.memory', DEFAULT_RISK.memory),
    },
    model,
    ...(model === 'fused' ? fusedModelOptions(get<unknown>('fusion.prophetWeight', undefined)) : {}),
    warnings,
  };
}

/** `{ modelOptions }` for the fused recommendations with this Prophet weight, or nothing (not a number: the defaults). */
function fusedModelOptions(prophetWeight: unknown): { modelOptions?: Record<string, Record<string, string>> } {
  // Required here, not imported: only the fused model loads the pipeline and the forecast view's modules.
  const { fusionModelOptions } = require('./forecast-panels') as typeof import('./forecast-panels');
  const weights = fusionModelOptions(prophetWeight);
  if (!weights) return {};
  const { forecastDefaults } = require('../pipeline/recommend') as typeof import('../pipeline/recommend');
  return { modelOptions: { ...forecastDefaults('fused').modelOptions, ...weights } };
}

/**
 * `mora.forecastModel`: none (default), prophet or fused. Anything else (an old or mistyped value, lstm included) falls
 * back to none, the default, rather than failing every recommendation. Fused in the editor trains nothing: the extension
 * passes RecommendRequest.savedLstmRoot, so a container's LSTM member is the model "MOrA: Train Models" saved for it when
 * accepted, and otherwise the fusion runs without one (Prophet and the seasonal baseline), the evidence saying which.
 * The CLI's `-m fused` trains (or refreshes) the context's global LSTM instead, seconds to minutes of CPU the tree would
 * wait on for every workload.
 */
export function forecastModel(value: string | undefined): string | undefined {
  const v = (value ?? 'none').toLowerCase();
  return v === 'prophet' || v === 'fused' ? v : undefined;
}

/**
 * `mora.risk.cpu` / `mora.risk.memory` as the engine takes them: a share within RISK_RANGE, checked as the CLI checks
 * `--cpu-risk` (src/core/risk-share.ts). VS Code only warns about a value outside the schema's range, so an invalid one
 * (5, "5%", 0.9, 0, a word) is not used: the default is, and `warning` says so, naming the setting, the value and the share
 * it probably meant, rather than failing every recommendation or silently using a clamped value. Unset (null): the default.
 */
export function riskSettingCheck(key: 'risk.cpu' | 'risk.memory', value: unknown, fallback: number): { value: number; warning?: string } {
  if (value === undefined || value === null) return { value: fallback };
  const check = checkRiskShare(value);
  if (check.ok) return { value: check.value };
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return { value: fallback, warning: `Setting mora.${key} is ${shown}: ${check.problem}; using the default ${fallback} until it is fixed.` };
}

/** The value `riskSettingCheck` uses. */
export function riskSetting(value: unknown, fallback: number, key: 'risk.cpu' | 'risk.memory' = 'risk.cpu'): number {
  return riskSettingCheck(key, value, fallback).value;
}
