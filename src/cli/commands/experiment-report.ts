/**
 * `mora experiment report <record.json | folder> [--html report.html] [--format text|json]`: an experiment plan's
 * results from its record (what `mora experiment run` and VS Code's Run Load Experiment write): the quality report and
 * the capacity per service (text), the view data (json), and with --html a self-contained HTML report with the same
 * charts as the forecast view. A folder must hold exactly one plan record (else the choice is listed).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors';

export interface ExperimentReportOptions {
  html?: string;
  format: string;
}

export function registerReport(experiment: Command): void {
  experiment
    .command('report <record>')
    .description('Report an experiment plan\'s results from its record (<out>/<plan>.json, or its folder): quality, capacity per service, --html charts')
    .option('--html <file>', 'write a self-contained HTML report (charts per service: asked vs achieved rate, latency p95/p99, CPU per cell)')
    // No default here: `mora experiment` has a --format of its own, and the flag given to either one counts (optsWithGlobals).
    .option('--format <format>', 'text or json (default text)')
    .action((record: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Partial<ExperimentReportOptions>>();
      process.stdout.write(experimentReportCommand(record, { html: opts.html, format: opts.format ?? 'text' }));
    });
}

const isRecordText = (text: string) => text.slice(0, 400).includes('"mora.experiment-plan/1"');

/** The record file: the path itself, or the one plan record in a folder. */
export function findRecord(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UserError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
  }
  if (!st.isDirectory()) return path;
  const records = readdirSync(path).filter((f) => f.endsWith('.json')).map((f) => join(path, f)).filter((f) => {
    try {
      return isRecordText(readFileSync(f, 'utf8'));
    } catch {
      return false;
    }
  });
  if (records.length === 1) return records[0];
  if (!records.length) throw new UserError(`${path}: no experiment plan record there (the <plan>.json that mora experiment run writes into the plan's "out" folder)`);
  throw new UserError(`${path} holds ${records.length} plan records; name one: ${records.join(', ')}`);
}

/** Returns what goes to stdout; writes the HTML report when asked. */
export function experimentReportCommand(path: string, opts: ExperimentReportOptions): string {
  const format = opts.format.toLowerCase();
  if (format !== 'text' && format !== 'json') throw new UserError(`--format must be text or json, got "${opts.format}"`);
  // Named .html/.htm, in a folder that exists (report-path.ts): `--html shop.json` would replace the record with HTML.
  if (opts.html) (require('./report-path') as typeof import('./report-path')).checkReportPath(opts.html, '--html');
  const file = findRecord(path);
  const { parsePlanRecord, buildExperimentView } = require('../../views/experiment-model') as typeof import('../../views/experiment-model');
  const { capacityFromPlan } = require('../../pipeline/experiment-capacity') as typeof import('../../pipeline/experiment-capacity');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc;
  try {
    doc = parsePlanRecord(text, file);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const caps = capacityFromPlan(doc);
  const view = buildExperimentView(doc, caps);
  if (opts.html) {
    const { experimentHtml } = require('../format/experiment-html') as typeof import('../format/experiment-html');
    const { writeUserFile } = require('../format/write') as typeof import('../format/write');
    writeUserFile(opts.html, experimentHtml(view));
  }
  if (format === 'json') return `${JSON.stringify({ record: file, status: doc.status, quality: doc.quality, capacity: caps, view }, null, 2)}\n`;
  const { qualityTable, capacityTable } = require('./experiment-run') as typeof import('./experiment-run');
  return `${view.title} (${doc.status}): ${file}\n${qualityTable(doc)}${capacityTable(caps)}${opts.html ? `HTML report: ${opts.html}\n` : ''}`;
}
