import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('demo')
    .description('Show the embedded demo shop: what each service asks for against what it uses (no cluster needed)')
    .option('--manifests <file>', 'also write the demo shop\'s Kubernetes manifests (multi-document YAML) to <file>')
    .action(async (opts: { manifests?: string }) => {
      // Loaded on use so `mora --help` stays instant (require, not import(): tsx's CJS hook handles it in checkouts).
      const { runDemo } = require('./demo-run') as typeof import('./demo-run');
      await runDemo(opts);
    });
}
