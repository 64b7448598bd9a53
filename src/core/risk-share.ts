/**
 * A risk target as a user types it (`--cpu-risk`, `--memory-risk`, the settings mora.risk.cpu / mora.risk.memory): a share
 * within RISK_RANGE, checked the same way everywhere. A percentage (`5`, `5%`) is refused with the share it probably
 * meant, since 5 would be "exceeded 500% of the time"; a share above the range (0.6, 1) is refused as the share it is
 * (0.6 = 60%). Editor-free: the CLI throws the problem (exit 2), the extension shows it as a warning and uses the default
 * meanwhile (src/views/recommend-settings.ts).
 */
import { RISK_RANGE } from '../rightsizing/engine/policy';

export type RiskShareCheck =
  | { ok: true; value: number }
  /** `problem`: `must be a share between 0.001 and 0.5 (a share, not a percentage: 5% is 0.05)`; `meant`: 0.05 there. */
  | { ok: false; problem: string; meant?: number };

export function checkRiskShare(raw: unknown): RiskShareCheck {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  // Standard numeric notation: 0.001, .001, 1e-3, 1E-3 (Number() alone would also take "0x1", "Infinity" and "").
  const x = /^(\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (Number.isFinite(x) && x >= RISK_RANGE.min && x <= RISK_RANGE.max) return { ok: true, value: x };
  // A percentage only when it looks like one: written with %, or a number above 1 (1 < x ≤ 50). 0.6, 0.9 or 1 are shares
  // out of range, not percentages: "0.9% is 0.009" would misread them; they are said as the share they are (0.9 = 90%).
  const pct = /^([0-9.]+)\s*%$/.exec(text) ?? (Number.isFinite(x) && x > 1 && x <= 50 ? [text, text] : null);
  const meant = pct && Number.isFinite(Number(pct[1])) ? Number((Number(pct[1]) / 100).toPrecision(12)) : undefined;
  const inRange = meant !== undefined && meant >= RISK_RANGE.min && meant <= RISK_RANGE.max;
  const tooHigh = Number.isFinite(x) && x > RISK_RANGE.max && x <= 1;
  const hint = meant !== undefined ? ` (a share, not a percentage: ${Number(pct![1])}% is ${meant})`
    : tooHigh ? ` (${x} = ${Number((x * 100).toPrecision(12))}%)` : ' (a share: 0.05 = 5%)';
  return { ok: false, problem: `must be a share between ${RISK_RANGE.min} and ${RISK_RANGE.max}${hint}`, ...(inRange ? { meant } : {}) };
}
