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

/**
 * The default each risk setting fell back to at the last `recommendSettings` read, where its value was invalid: the
 * targets the views show then are the default's, not the setting's, and are labelled so (riskSettingLabels).
 */
let invalidRisk: { cpu?: number; memory?: number } = {};

/**
 * What set each risk target, said next to it in the hover, the tree and the forecast view: `setting mora.risk.cpu`, or
 * while that setting is invalid (the default used, a warning shown) `default 0.05 (mora.risk.cpu is invalid)`.
 */
export function riskSettingLabels(): { cpu: string; memory: string } {
  const label = (key: 'cpu' | 'memory'): string => {
    const fallback = invalidRisk[key];
    return fallback === undefined ? RISK_SETTING[key] : `default ${fallback} (mora.risk.${key} is invalid)`;
  };
  return { cpu: label('cpu'), memory: label('memory') };
}

/**
 * Which setting warnings to show: each once while it stands (every refresh reads the settings and would repeat it), again
 * after a settings change (`reset`: the user edited them; an invalid value written again is warned about again).
 */
export class SettingWarnings {
  private readonly shown = new Set<string>();

  /** The warnings not shown since the last reset, now marked shown. */
  fresh(warnings: readonly string[]): string[] {
    const out = warnings.filter((w) => !this.shown.has(w));
    for (const w of out) this.shown.add(w);
    return out;
  }

  reset(): void {
    this.shown.clear();
  }
}

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
   * A setting the engine would refuse, in the words of `riskSettingCheck` / `settingCheck`: a risk setting that is not a
   * share within the range, in words the CLI uses for the same value (exit 2 there): `Setting mora.risk.cpu is 5: must be a
   * share between 0.001 and 0.5 (a share, not a percentage: 5% is 0.05); using the default 0.05 until it is fixed.`, or
   * `Setting mora.historyDays is 120: must be a number of days between 1 and 90; using the default 14 until it is fixed.`
   * The extension shows each as a warning; empty when all are valid.
   */
  warnings?: string[];
}

/**
 * The other settings `recommendSettings` passes to the engine, with package.json's contributes.configuration schema for
 * each (default, minimum/maximum, enum; test/unit/recommend-settings-check.test.ts checks they agree). The schema's range
 * is the one checked, not the engine's wider one (resolvePolicy takes margins up to 10): the settings editor shows it.
 */
export const ENGINE_SETTINGS = {
  historyDays: { default: 14, minimum: 1, maximum: 90 },
  safetyMargin: { default: 0, minimum: 0, maximum: 2 },
  qos: { default: 'Burstable', enum: ['Burstable', 'Guaranteed'] },
  cpuLimits: { default: false },
  forecastModel: { default: 'none', enum: EXTENSION_FORECAST_MODELS },
} as const;

export type EngineSettingKey = keyof typeof ENGINE_SETTINGS;

/** The value each engine setting gives (qos and forecastModel as the enum spells them). */
interface EngineSettingValue {
  historyDays: number;
  safetyMargin: number;
  qos: 'Burstable' | 'Guaranteed';
  cpuLimits: boolean;
  forecastModel: typeof EXTENSION_FORECAST_MODELS[number];
}

export function recommendSettings(get: SettingsReader): RecommendSettings {
  const warnings: string[] = [];
  const invalid: { cpu?: number; memory?: number } = {};
  const risk = (key: 'risk.cpu' | 'risk.memory', fallback: number): number => {
    const r = riskSettingCheck(key, get<unknown>(key, fallback), fallback);
    if (r.warning) {
      warnings.push(r.warning);
      invalid[key === 'risk.cpu' ? 'cpu' : 'memory'] = fallback;
    }
    return r.value;
  };
  const setting = <K extends EngineSettingKey>(key: K): EngineSettingValue[K] => {
    const r = settingCheck(key, get<unknown>(key, ENGINE_SETTINGS[key].default));
    if (r.warning) warnings.push(r.warning);
    return r.value;
  };
  const qos = setting('qos');
  const cpuLimits = setting('cpuLimits');
  const historyDays = setting('historyDays');
  const margin = setting('safetyMargin');
  const model = forecastModel(setting('forecastModel'));
  const cpuRisk = risk('risk.cpu', DEFAULT_RISK.cpu);
  const memoryRisk = risk('risk.memory', DEFAULT_RISK.memory);
  invalidRisk = invalid;
  return {
    policy: {
      qos,
      cpuLimits,
      historyDays,
      cpuMargin: margin,
      memoryMargin: margin,
      cpuRisk,
      memoryRisk,
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
 * back to none, the default, rather than failing every recommendation (`recommendSettings` warns about it: `settingCheck`).
 * Fused in the editor trains nothing: the extension passes RecommendRequest.savedLstmRoot, so a container's LSTM member is
 * the model "MOrA: Train Models" saved for it when accepted, and otherwise the fusion runs without one (Prophet and the seasonal baseline), the evidence saying which.
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
  return { value: fallback, warning: `Setting mora.${key} is ${shownValue(value)}: ${check.problem}; using the default ${fallback} until it is fixed.` };
}

/**
 * One of ENGINE_SETTINGS as the engine takes it. VS Code only warns about a value outside the schema in the settings
 * editor and passes it on (`mora.historyDays: 120`, `mora.safetyMargin: -0.1`, `mora.qos: "gold"`), and the engine
 * refused it for every workload, in its own field names (`cpuMargin must be between 0 and 10`): every recommendation
 * was gone. An invalid value is not used: the default is, and `warning` says so as `riskSettingCheck` does, naming the
 * setting, the value and the schema's range or values. A number may be written as a string in standard notation ("30"),
 * as the risk settings may; qos and forecastModel are matched ignoring case (`mora recommend --qos guaranteed` is too).
 * Unset (null): the default.
 */
export function settingCheck<K extends EngineSettingKey>(key: K, value: unknown): { value: EngineSettingValue[K]; warning?: string } {
  const schema = ENGINE_SETTINGS[key];
  const fallback = schema.default as EngineSettingValue[K];
  if (value === undefined || value === null) return { value: fallback };
  let problem: string;
  if ('enum' in schema) {
    const found = typeof value === 'string' ? (schema.enum as readonly string[]).find((v) => v.toLowerCase() === value.trim().toLowerCase()) : undefined;
    if (found !== undefined) return { value: found as EngineSettingValue[K] };
    problem = `must be ${orList(schema.enum)}`;
  } else if ('minimum' in schema) {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    const x = /^[-+]?(\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
    if (Number.isFinite(x) && x >= schema.minimum && x <= schema.maximum) return { value: x as EngineSettingValue[K] };
    problem = key === 'historyDays' ? `must be a number of days between ${schema.minimum} and ${schema.maximum}`
      : `must be a fraction between ${schema.minimum} and ${schema.maximum}${marginHint(text, x, schema)}`;
  } else {
    if (typeof value === 'boolean') return { value: value as EngineSettingValue[K] };
    problem = 'must be true or false';
  }
  return { value: fallback, warning: `Setting mora.${key} is ${shownValue(value)}: ${problem}; using the default ${String(fallback)} until it is fixed.` };
}

/**
 * `(0.1 = +10%)`; a number above the range as the headroom it would be, and the fraction a percentage meant when that is
 * in range (`10`: `(a fraction: 10 = +1000%; 10% is 0.1)`), as the risk check says what `5` meant; `"15%"`: `15% is 0.15`.
 */
function marginHint(text: string, x: number, range: { minimum: number; maximum: number }): string {
  const meantBy = (pct: number): number | undefined => {
    const meant = Number((pct / 100).toPrecision(12));
    return meant >= range.minimum && meant <= range.maximum ? meant : undefined;
  };
  const written = /^([0-9.]+)\s*%$/.exec(text)?.[1];
  if (written !== undefined && Number.isFinite(Number(written))) {
    const meant = meantBy(Number(written));
    return ` (a fraction, not a percentage${meant === undefined ? ': 0.1 = +10%' : `: ${Number(written)}% is ${meant}`})`;
  }
  if (Number.isFinite(x) && x > range.maximum) {
    const meant = meantBy(x);
    return ` (a fraction: ${x} = +${Number((x * 100).toPrecision(12))}%${meant === undefined ? '' : `; ${x}% is ${meant}`})`;
  }
  return ' (0.1 = +10%)';
}

/** "none, prophet or fused" */
function orList(values: readonly string[]): string {
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/** A setting's value as settings.json spells it: strings quoted, numbers and booleans bare, objects as JSON. */
function shownValue(value: unknown): string {
  return typeof value === 'string' || (typeof value === 'object' && value !== null) ? JSON.stringify(value) : String(value);
}

/** The value `riskSettingCheck` uses. */
export function riskSetting(value: unknown, fallback: number, key: 'risk.cpu' | 'risk.memory' = 'risk.cpu'): number {
  return riskSettingCheck(key, value, fallback).value;
}
