/** Load experiments: service × replicas × load level → unified CSV + JSON per experiment. */
export { runExperiment, experimentId, validateExperimentConfig, levelFailure, MAX_FAILED_SHARE } from './runner';
export type { ExperimentConfig, ExperimentDocument, ExperimentHooks, ExperimentProgress, ExperimentResult, ExperimentStatus, LevelSummary, LevelTiming, ScalingNote } from './runner';
export { EXPERIMENT_CSV_COLUMNS, experimentCsv, parseExperimentCsv } from './csv';
export { runLoadLevel, defaultConnections } from './load';
export type { LoadLevelOptions, LoadRunner, LoadStats } from './load';
export { runExperimentPlan, kubeScaler } from './plan';
export type { PlanConfig, PlanHooks, Scaler } from './plan';
export { ExperimentDataSource, loadExperiments, EXPERIMENTS_CONTEXT } from './store';
export type { StoredExperiment } from './store';
export { parsePlan, expandPlan, cellSchedule, cellId, PlanError, SCENARIOS, DEFAULT_QUALITY } from './plan-file';
export type { ExperimentPlan, PlanService, PlanCell, PlanExpansion, CellLoadDriver, CellLoadRequest, CellLoadResult, RateSegment, Scenario, Slo, QualityThresholds } from './plan-file';
export { runPlan, planPaths, readPlanDocument, qualityReport } from './plan-run';
export type { PlanDocument, CellRecord, PlanEvent, PlanRunHooks, PlanRunResult } from './plan-run';
export type { CellQuality } from './quality';
