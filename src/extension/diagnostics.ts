import * as vscode from 'vscode';
import type { ManifestViews } from './codelens';

const SEVERITY: Record<string, vscode.DiagnosticSeverity | undefined> = {
  hint: vscode.DiagnosticSeverity.Hint,
  information: vscode.DiagnosticSeverity.Information,
  warning: vscode.DiagnosticSeverity.Warning,
  off: undefined,
};

/**
 * Marks containers that set no CPU or memory request (`mora.diagnostics.missingRequests`, hint by default).
 * Updates on open and on edits (debounced), clears on close; malformed or templated documents get nothing.
 */
export class MissingRequestsDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mora');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly views: ManifestViews) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.views.forget(d);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mora.diagnostics.missingRequests')) for (const d of vscode.workspace.textDocuments) this.update(d);
      }),
    ];
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.update(doc);
    }, 300));
  }

  update(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'yaml' || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) return;
    const severity = SEVERITY[vscode.workspace.getConfiguration('mora', doc.uri).get<string>('diagnostics.missingRequests', 'hint')];
    const view = severity === undefined ? undefined : this.views.get(doc);
    if (severity === undefined || !view) {
      this.collection.delete(doc.uri);
      return;
    }
    this.collection.set(doc.uri, view.missingRequests.map((m) => {
      const d = new vscode.Diagnostic(new vscode.Range(m.span.line, m.span.character, m.span.endLine, m.span.endCharacter), m.message, severity);
      d.source = 'MOrA';
      d.code = 'missing-requests';
      return d;
    }));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
