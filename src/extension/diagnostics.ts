import * as vscode from 'vscode';
import type { ManifestViews } from './codelens';

const SEVERITY: Record<string, vscode.DiagnosticSeverity | undefined> = {
  hint: vscode.DiagnosticSeverity.Hint,
  information: vscode.DiagnosticSeverity.Information,
  warning: vscode.DiagnosticSeverity.Warning,
  off: undefined,
};

/**
 * A diagnostic collection kept for the open documents: computed on open (and by `start` for those already open), on
 * edits after a 300 ms pause, deleted on close. Subclasses say what they compute in `update`.
 */
export abstract class DocumentDiagnostics implements vscode.Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(name: string, onClose?: (doc: vscode.TextDocument) => void, more: vscode.Disposable[] = []) {
    this.collection = vscode.languages.createDiagnosticCollection(name);
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        onClose?.(d);
      }),
      ...more,
    ];
  }

  /** Called by the subclass once its own fields are set: the documents already open. */
  protected start(): void {
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  /** Whether a document is this collection's concern at all (edits to others schedule nothing). */
  protected abstract applies(doc: vscode.TextDocument): boolean;

  abstract update(doc: vscode.TextDocument): void;

  private schedule(doc: vscode.TextDocument): void {
    if (!this.applies(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.update(doc);
    }, 300));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}

/**
 * Marks containers that set no CPU or memory request (`mora.diagnostics.missingRequests`, hint by default).
 * Updates on open and on edits (debounced), clears on close; malformed or templated documents get nothing.
 */
export class MissingRequestsDiagnostics extends DocumentDiagnostics {
  constructor(private readonly views: ManifestViews) {
    super('mora', (d) => views.forget(d), [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mora.diagnostics.missingRequests')) for (const d of vscode.workspace.textDocuments) this.update(d);
      }),
    ]);
    this.start();
  }

  protected applies(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'yaml' && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled');
  }

  update(doc: vscode.TextDocument): void {
    if (!this.applies(doc)) return;
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
}
