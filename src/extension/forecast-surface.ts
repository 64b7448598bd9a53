import * as vscode from 'vscode';

/** `mora.forecast.location`: an editor tab (a WebviewPanel) or a view in the bottom panel (a WebviewView). */
export type ForecastLocation = 'editor' | 'panel';

/** The bottom panel's forecast view (package.json `views.mora-forecast`). */
export const FORECAST_PANEL_VIEW_ID = 'mora.forecastView';

export function forecastLocation(): ForecastLocation {
  return vscode.workspace.getConfiguration('mora').get<string>('forecast.location', 'panel') === 'editor' ? 'editor' : 'panel';
}

/**
 * What the forecast view draws in, whichever of the two it is. The difference that matters: an editor tab is destroyed
 * when the user closes it, so the next one is a new webview, which in a browser (code-server, VS Code for the Web) waits
 * ~1 s for VS Code's service worker before its page runs (docs/BENCHMARKS.md § Forecast view inside VS Code); the bottom
 * panel's view is only hidden when the user closes the panel, and keeps its page (retainContextWhenHidden).
 */
export interface ForecastSurface {
  readonly location: ForecastLocation;
  readonly webview: vscode.Webview;
  readonly visible: boolean;
  title: string | undefined;
  /** Whether a hidden surface keeps its page; otherwise it reloads when shown again and says `ready` once more. */
  readonly retainsContext: boolean;
  readonly onDidDispose: vscode.Event<void>;
  readonly onDidHide: vscode.Event<void>;
  reveal(preserveFocus?: boolean): void;
  /** Closes an editor tab; a view stays (it is the user's to hide), only MOrA's use of it ends. */
  dispose(): void;
}

function onHidden(changed: vscode.Event<unknown>, visible: () => boolean): vscode.Event<void> {
  return (listener, thisArgs, disposables) => changed(() => {
    if (!visible()) listener.call(thisArgs);
  }, undefined, disposables);
}

export function editorSurface(panel: vscode.WebviewPanel, extensionUri: vscode.Uri): ForecastSurface {
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'mora.svg');
  return {
    location: 'editor',
    get webview() { return panel.webview; },
    get visible() { return panel.visible; },
    get title() { return panel.title; },
    set title(t: string | undefined) { panel.title = t ?? ''; },
    get retainsContext() { return panel.options.retainContextWhenHidden === true; },
    onDidDispose: panel.onDidDispose,
    onDidHide: onHidden(panel.onDidChangeViewState, () => panel.visible),
    reveal: (preserveFocus) => panel.reveal(vscode.ViewColumn.Beside, preserveFocus),
    dispose: () => panel.dispose(),
  };
}

/** The bottom panel's view; registered with retainContextWhenHidden (ForecastPanels). */
export function viewSurface(view: vscode.WebviewView): ForecastSurface {
  return {
    location: 'panel',
    get webview() { return view.webview; },
    get visible() { return view.visible; },
    get title() { return view.title; },
    set title(t: string | undefined) { view.title = t; },
    retainsContext: true,
    onDidDispose: view.onDidDispose,
    onDidHide: onHidden(view.onDidChangeVisibility, () => view.visible),
    // show() only expands a view whose container is open; the focus command also opens the panel the user closed.
    reveal: (preserveFocus) => (view.visible ? view.show(preserveFocus) : void vscode.commands.executeCommand(`${FORECAST_PANEL_VIEW_ID}.focus`)),
    dispose: () => {},
  };
}
