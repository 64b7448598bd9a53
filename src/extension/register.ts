import * as vscode from 'vscode';
import type { Log } from './log';

/**
 * Registers a command whose failures reach the user as one error message (and the log) instead of an unhandled
 * rejection; a cancelled operation ends quietly.
 */
export function registerCommand(context: vscode.ExtensionContext, log: Log, id: string, fn: (...args: never[]) => unknown): void {
  context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: never[]) => {
    try {
      return await fn(...args);
    } catch (e) {
      if (e instanceof vscode.CancellationError) return undefined;
      log.error(`${id} failed`, e);
      void vscode.window.showErrorMessage(`MOrA: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }));
}
