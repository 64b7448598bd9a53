import * as vscode from 'vscode';
import type { Log } from './log';

let beforeCommands: () => Promise<unknown> = () => Promise.resolve();

/**
 * What every command awaits before it runs: the extension builds its configured data source on first use, and a
 * command must read that one, not the demo it starts on.
 */
export function setBeforeCommands(fn: () => Promise<unknown>): void {
  beforeCommands = fn;
}

/**
 * Registers a command whose failures reach the user as one error message (and the log) instead of an unhandled
 * rejection; a cancelled operation ends quietly.
 */
export function registerCommand(context: vscode.ExtensionContext, log: Log, id: string, fn: (...args: never[]) => unknown): void {
  context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: never[]) => {
    try {
      await beforeCommands();
      return await fn(...args);
    } catch (e) {
      if (e instanceof vscode.CancellationError) return undefined;
      log.error(`${id} failed`, e);
      void vscode.window.showErrorMessage(`MOrA: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }));
}
