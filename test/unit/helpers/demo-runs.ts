import { DemoDataSource } from '../../../src/data/demo';
import { recommendFromSource } from '../../../src/pipeline/recommend';
import type { EngineResult } from '../../../src/rightsizing/engine';

let cached: Promise<EngineResult[]> | undefined;

/**
 * The engine's results on the embedded demo with the default policy, computed once per test process: several suites read
 * them (tables, savings) and none changes them, so they share one run instead of paying for it per file.
 */
export function demoEngineRuns(): Promise<EngineResult[]> {
  return (cached ??= recommendFromSource(new DemoDataSource(), {}));
}
