/**
 * `mora demo`'s and `mora recommend --compare`'s text: the pipeline's runs as a comparison table, savings and
 * an optional HTML report. Kept apart from the commands so `mora --help` never loads it.
 */
import type { DataSource } from '../../data/datasource';
import { recommendFromSource, type RecommendRequest, type WorkloadRun } from '../../pipeline/recommend';

export { recommendFromSource, forecastProvider, type RecommendRequest, type WorkloadRun } from '../../pipeline/recommend';

export interface ComparisonReportOptions extends RecommendRequest {
  /** Where to write the HTML report; omitted = no report. */
  report?: string;
  title?: string;
}

/**
 * The text `mora demo` (or anything else) prints: MOrA's recommendation per workload next to VPA- and KRR-style values,
 * the savings and the replayed risk; writes the HTML report when asked. Returns the text and the runs.
 */
export async function comparisonReport(source: DataSource, opts: ComparisonReportOptions = {}): Promise<{ text: string; runs: WorkloadRun[] }> {
  const runs = await recommendFromSource(source, opts);
  const f = require('../format/recommendations') as typeof import('../format/recommendations');
  // The caller checked the path first (report-path.ts checkReportPath); its folder is never created.
  if (opts.report) (require('./report-path') as typeof import('./report-path')).writeReport(opts.report, runs, opts.title ?? 'MOrA recommendations');
  return { text: f.comparisonTable(runs) + f.savingsSummary(runs), runs };
}
