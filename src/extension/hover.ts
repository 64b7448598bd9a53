import * as vscode from 'vscode';
import type { ManifestViews } from './codelens';

/** The evidence behind a recommendation, on the container's name, its resource values and the replicas count. */
export class MoraHoverProvider implements vscode.HoverProvider {
  constructor(private readonly views: ManifestViews) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const view = this.views.get(doc);
    if (!view) return undefined;
    const { hoverAt } = require('../views/manifest-lens-model') as typeof import('../views/manifest-lens-model');
    const region = hoverAt(view, position.line, position.character);
    if (!region) return undefined;
    const { span } = region;
    const md = new vscode.MarkdownString(region.markdown);
    md.isTrusted = false;
    return new vscode.Hover(md, new vscode.Range(span.line, span.character, span.endLine, span.endCharacter));
  }
}
