import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('demo')
    .description('Show the embedded demo shop: current requests/limits against observed usage')
    .action(async () => {
      // Loaded on use so `mora --help` stays instant (require, not import(): tsx's CJS hook handles it in checkouts).
      const { runDemo } = require('./demo-run') as typeof import('./demo-run');
      await runDemo();
    });
}
