/** The rightsizing engine's public surface (docs/ENGINE.md). */
export { recommendWorkload, type EngineInput, type EngineOptions, type EngineResult, type ContainerDetail, type ContainerUsage, type Savings } from './recommend';
export { DEFAULT_POLICY, DEFAULT_RISK, RISK_RANGE, resolvePolicy, PolicyError, type Policy, type EngineStrategy } from './policy';
export { recommendReplicas, hpaDesired, estimateCapacity } from './replicas';
export { checkForecast, forecastNeed, downsample, type ForecastProvider } from './forecast-choice';
export { MoraStrategy, MORA_DEFAULTS } from './mora-strategy';
export { allocateFleet, type FleetUsage } from './fleet-strategy';
export { defaultFleetCap, type AllottedRisk, type FleetBudget, type RiskAllotment } from './fleet-risk';
