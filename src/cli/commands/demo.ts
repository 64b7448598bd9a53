import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('demo')
    .description('Show the embedded demo shop: current requests/limits against observed usage')
    .action(async () => {
      const { runDemo } = await import('./demo-run');
      await runDemo();
    });
}
