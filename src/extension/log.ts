import * as vscode from 'vscode';

/** The "MOrA" output channel. Secrets never reach it: callers pass messages, never request headers or kubeconfig content. */
export class Log {
  readonly channel = vscode.window.createOutputChannel('MOrA', { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string, error?: unknown): void {
    this.channel.error(error === undefined ? message : `${message}: ${error instanceof Error ? error.message : String(error)}`);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
