/**
 * `mora experiment jmx-template [--out cell.jmx] [--target url] [--segments n] [--force]`: writes MOrA's JMeter test
 * plan template (src/data/experiments/jmx-template.ts) to start a plan's `jmx:` service from (docs/EXPERIMENTS.md,
 * "JMeter cells"). Without --out it goes to stdout; an existing file is kept unless --force.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors';

export interface JmxTemplateCliOptions {
  out?: string;
  target?: string;
  segments?: string;
  force?: boolean;
}

export function registerJmxTemplate(experiment: Command): void {
  experiment
    .command('jmx-template')
    .description('Write MOrA\'s JMeter test plan template (.jmx) for a plan service\'s "jmx:": HTTP GETs at the rate and time MOrA passes as properties')
    .option('--out <file>', 'write it there (default: stdout)')
    .option('--target <url>', 'default host, port and path baked into the file (MOrA passes the plan\'s target anyway)')
    .option('--segments <n>', 'thread groups, one per stretch of constant rate a scenario needs (default 5: enough for all)')
    .option('--force', 'overwrite an existing --out file')
    // `mora experiment` has an --out and a --target of its own (the load run's), and commander hands such a flag to the
    // parent wherever it stands on the line, so read both commands' values (optsWithGlobals, as `experiment report`).
    .action((_opts: unknown, cmd: Command) => {
      const all = cmd.optsWithGlobals<JmxTemplateCliOptions>();
      const opts: JmxTemplateCliOptions = { out: all.out, target: all.target, segments: all.segments, force: all.force };
      const text = jmxTemplateCommand(opts);
      if (!opts.out) process.stdout.write(text);
      else process.stderr.write(`wrote ${opts.out}; use it as "jmx: ${opts.out}" in a plan service that also has "target:"\n`);
    });
}

/** The template's text; writes it when `out` is given. Throws UserError on bad input. */
export function jmxTemplateCommand(opts: JmxTemplateCliOptions): string {
  const { jmxTemplate } = require('../../data/experiments/jmx-template') as typeof import('../../data/experiments/jmx-template');
  let defaults: NonNullable<Parameters<typeof jmxTemplate>[0]>['defaults'];
  if (opts.target !== undefined) {
    let u: URL | undefined;
    try { u = new URL(opts.target); } catch { /* below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new UserError(`--target "${opts.target}" is not an http(s) URL such as http://127.0.0.1:8080/`);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    defaults = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (protocol === 'https' ? 443 : 80)), protocol, path: `${u.pathname}${u.search}` };
  }
  const segments = opts.segments === undefined ? undefined : Number(opts.segments);
  if (segments !== undefined && !(Number.isInteger(segments) && segments >= 1 && segments <= 50)) throw new UserError(`--segments must be a whole number from 1 to 50, got "${opts.segments}"`);
  const text = jmxTemplate({ segments, defaults });
  if (opts.out) {
    if (!/\.jmx$/i.test(opts.out)) throw new UserError(`--out "${opts.out}" must end in .jmx (a plan's "jmx:" accepts only .jmx files)`);
    if (existsSync(opts.out) && !opts.force) throw new UserError(`${opts.out} exists; pass --force to overwrite it`);
    const { writeUserFile } = require('../format/write') as typeof import('../format/write');
    writeUserFile(opts.out, text);
  }
  return text;
}
