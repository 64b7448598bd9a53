import type { Command } from 'commander';
import { DEFAULT_RISK, RISK_RANGE } from '../../rightsizing/engine/policy';

export function register(program: Command): void {
  program
    .command('demo')
    .description('MOrA on the embedded demo shop (no cluster needed): recommendations against VPA- and KRR-style values, savings and risk, and an HTML report')
    .option('--report <file.html>', 'where to write the HTML report (a name ending in .html or .htm, in a folder that exists)', 'mora-demo-report.html')
    .option('--no-report', 'do not write the HTML report')
    .option('-m, --model <name>', 'forecast checked against the moving window: none (default, as in mora recommend and the extension: the window '
      + 'rule alone, a few seconds), prophet (a few seconds more), fused (Prophet + LSTM: one global LSTM for the shop, trained once and cached: 5–20 s on 2 cores), '
      + 'lstm (the LSTM of fused alone, without Prophet); '
      + 'a forecast replaces the window only where it beat it on the service\'s own last day', 'none')
    .option('--cpu-risk <share>', `the CPU risk you accept: share of time usage may exceed the request, ${RISK_RANGE.min}–${RISK_RANGE.max} (default ${DEFAULT_RISK.cpu} = 5% of the time), as in mora recommend`)
    .option('--memory-risk <share>', `the memory risk you accept: share of days whose peak may exceed the limit, an OOM day, ${RISK_RANGE.min}–${RISK_RANGE.max} (default ${DEFAULT_RISK.memory} = 1 day in 100), as in mora recommend`)
    .option('--usage', 'only the usage table: requests/limits against observed p50/p95/max (no recommendations, so not with --report, -m, '
      + '--cpu-risk or --memory-risk, which are for them)')
    .option('--manifests <file>', 'also write the demo shop\'s Kubernetes manifests (multi-document YAML) to <file>')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: import('./demo-run').DemoOptions, cmd: Command) => {
      // --usage writes no report: the default name is no request for one, a --report given is refused (demo-run.ts).
      if (cmd.getOptionValueSource('report') === 'default') opts.reportFromDefault = true;
      // -m typed (even -m none) is refused with --usage, as --report is: the default is no request for a forecast.
      if (cmd.getOptionValueSource('model') === 'cli') opts.modelGiven = true;
      // Loaded on use so `mora --help` stays instant (require, not import(): tsx's CJS hook handles it in checkouts).
      const { runDemo } = require('./demo-run') as typeof import('./demo-run');
      await runDemo(opts);
    });
}
