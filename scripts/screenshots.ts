// Screenshots of the packaged extension in a real VS Code (code-server + headless Chromium), as a user would see it:
// installs mora.vsix with `code-server --install-extension` into a private profile, opens a workspace holding the demo
// manifests, drives the UI and writes PNGs under docs/; then the media derived from them (scripts/render-media.ts).
//
//   npm run screenshots                 # every shot
//   npm run screenshots -- sidebar      # only the named shots
//   npm run screenshots -- experiment-dark --no-media   # …without re-rendering media/ from docs/ afterwards
//
// To add a shot, append to SHOTS: a name, the theme it needs, and what to do before `session.capture(...)`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { repoRoot, makeRunDir } from '../test/harness/paths';
import { installExtension, startCodeServer, type CodeServer } from '../test/harness/code-server';
import { launchBrowser } from '../test/harness/browser';
import { renderMedia } from './render-media';
import { demoManifests } from '../src/data/demo';

type Theme = 'dark' | 'light' | 'hc';
const THEMES: Record<Theme, string> = { dark: 'Default Dark Modern', light: 'Default Light Modern', hc: 'Default High Contrast' };
/** The class the workbench root carries once a theme is applied. */
const THEME_CLASS: Record<Theme, string> = { dark: 'vs-dark', light: 'vs', hc: 'hc-black' };

interface Shot {
  name: string;
  theme: Theme;
  take(session: Session): Promise<void>;
}

const SHOTS: Shot[] = [
  ...(['dark', 'light'] as const).map((theme): Shot => ({
    name: theme === 'dark' ? 'sidebar' : 'sidebar-light',
    theme,
    async take(s) {
      await s.openMoraView();
      await s.setSidebarWidth(640);
      // context → namespace → a mis-sized workload, so the picture shows every level of the tree and a recommendation.
      await s.expandTreeRow('demo');
      await s.expandTreeRow('shop');
      await s.expandTreeRow('productcatalogservice');
      await s.page.locator('.pane-body .monaco-list-row[aria-level="4"]').first().waitFor();
      await s.settle();
      await s.capture(theme === 'dark' ? 'docs/screenshot-sidebar.png' : 'docs/screenshot-sidebar-light.png');
    },
  })),
  ...(['dark', 'light'] as const).flatMap((theme): Shot[] => [
    {
      // CodeLenses over the demo manifests, then the evidence hover on a resource value.
      name: `codelens-${theme}`,
      theme,
      async take(s) {
        // Room for the lens text: hide the side bar if it is showing.
        if (await s.page.locator('.part.sidebar').first().isVisible()) await s.page.keyboard.press('Control+B');
        await s.openFile('k8s/shop.yaml');
        await s.page.locator('.codelens-decoration a:visible', { hasText: 'MOrA:' }).first().waitFor({ timeout: 60_000 });
        // Scroll so productcatalogservice (the over-provisioned one) is in view, then hover its CPU request.
        await s.page.keyboard.press('Control+G');
        const goTo = s.page.locator('.quick-input-widget input').first();
        await goTo.waitFor();
        await goTo.fill(':136'); // productcatalogservice's container and its resources, centred
        await s.page.keyboard.press('Enter');
        const value = s.page.locator('.view-lines .view-line', { hasText: /cpu:\s500m/ }).first().locator('span span', { hasText: '500m' }).last();
        await value.waitFor({ timeout: 30_000 });
        await s.settle(1500);
        await s.capture(`docs/screenshot-codelens-${theme}.png`);
        await value.hover();
        await s.page.locator('.monaco-hover', { hasText: 'observed over' }).first().waitFor({ timeout: 15_000 });
        await s.page.waitForTimeout(400);
        await s.capture(`docs/screenshot-hover-${theme}.png`);
        await s.page.keyboard.press('Escape');
      },
    },
    forecastShot(theme),
  ]),
  // The webview reads the theme's colours: high contrast too.
  forecastShot('hc'),
  {
    // A load experiment's results in the forecast view: a generated plan record (test/harness/experiment-fixture.ts)
    // in the workspace's .mora/experiments, opened with MOrA: Show Experiment Results.
    name: 'experiment-dark',
    theme: 'dark',
    async take(s) {
      const { fixturePlanDocument } = require('../test/harness/experiment-fixture') as typeof import('../test/harness/experiment-fixture');
      const dir = path.join(s.workspace, '.mora', 'experiments');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'shop.json'), JSON.stringify(fixturePlanDocument(path.join(s.workspace, 'shop.mora-plan.yaml')).doc));
      if (await s.page.locator('.part.sidebar').first().isVisible()) await s.page.keyboard.press('Control+B');
      await s.runCommand('MOrA: Show Experiment Results');
      await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'shop.json' }).first().waitFor({ timeout: 30_000 });
      await s.page.keyboard.press('Enter');
      await s.webview().locator('.experiment [data-chart="cpu"] canvas').waitFor({ timeout: 60_000 });
      await s.settle(1500);
      await s.capture('docs/screenshot-experiment-dark.png');
    },
  },
  {
    // The Get Started walkthrough, opened as a user would (Command Palette → Welcome: Open Walkthrough… → MOrA), with
    // its first step's picture loaded.
    name: 'walkthrough',
    theme: 'dark',
    async take(s) {
      if (await s.page.locator('.part.sidebar').first().isVisible()) await s.page.keyboard.press('Control+B');
      await s.runCommand('Welcome: Open Walkthrough');
      const input = s.page.locator('.quick-input-widget input').first();
      await input.fill('MOrA');
      await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with MOrA' }).first().waitFor();
      await s.page.keyboard.press('Enter');
      await s.page.locator('.getting-started-step', { hasText: 'Browse the demo shop' }).first().waitFor({ timeout: 30_000 });
      await s.page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.getting-started-media img')).some((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 30_000 });
      await s.settle(1500);
      await s.capture('docs/screenshot-walkthrough.png');
    },
  },
];

/** The forecast webview for productcatalogservice, opened from the Command Palette. */
function forecastShot(theme: Theme): Shot {
  return {
    name: `forecast-${theme}`,
    theme,
    async take(s) {
      const headline = s.webview().locator('.headline', { hasText: '→' });
      if (!(await headline.count().catch(() => 0))) {
        await s.runCommand('MOrA: Show Forecast');
        const input = s.page.locator('.quick-input-widget input').first();
        await input.waitFor();
        await input.fill('productcatalogservice');
        await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'productcatalogservice' }).first().waitFor();
        await s.page.keyboard.press('Enter');
      }
      await headline.waitFor({ timeout: 60_000 });
      await s.webview().locator('canvas#chart').waitFor();
      // The LSTM trains in a worker for CPU and memory (tens of seconds each); the view redraws when it is done.
      await s.webview().locator('.notes li', { hasText: /^Models run: .*lstm/ }).first().waitFor({ timeout: 300_000 })
        .catch(() => console.log('[screenshots] the LSTM did not finish in time: the picture shows Prophet + fused only'));
      if (await s.page.locator('.part.sidebar').first().isVisible()) await s.page.keyboard.press('Control+B');
      await s.settle(1500);
      await s.capture(`docs/screenshot-forecast-${theme}.png`);
    },
  };
}

class Session {
  constructor(
    readonly page: Page,
    readonly server: CodeServer,
    readonly runDir: string,
    readonly workspace: string,
  ) {}

  /** Themes are user settings; the workbench applies a changed settings.json live. */
  async setTheme(theme: Theme): Promise<void> {
    writeSettings(this.runDir, theme);
    const cls = THEME_CLASS[theme];
    const applied = (timeout: number) => this.page.waitForFunction((c) => document.querySelector('.monaco-workbench')?.classList.contains(c) ?? false, cls, { timeout });
    if (await applied(5_000).then(() => true, () => false)) return;
    // Once the workbench runs, code-server does not always pick up an edited settings.json: pick the theme as a user would
    // (Ctrl+K Ctrl+T opens the Color Theme picker).
    await this.page.keyboard.press('Escape');
    await this.page.locator('.monaco-workbench .part.editor').first().click({ position: { x: 5, y: 5 } }).catch(() => {});
    await this.page.keyboard.press('Control+K');
    await this.page.keyboard.press('Control+T');
    const input = this.page.locator('.quick-input-widget input:visible').first();
    await input.waitFor({ timeout: 10_000 });
    await input.fill(THEMES[theme]);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: THEMES[theme] }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await applied(30_000);
  }

  async openMoraView(): Promise<void> {
    // Clicking the activity-bar icon of a view that is already open would close it.
    const title = await this.page.locator('.part.sidebar .title-label').first().textContent().catch(() => '');
    if (!/mora/i.test(title ?? '') || !(await this.page.locator('.part.sidebar').first().isVisible())) {
      await this.page.locator('.activitybar .action-item a[aria-label^="MOrA"], .activitybar .action-item[aria-label^="MOrA"]').first().click();
    }
    await this.page.locator('.pane-body .monaco-list-row').first().waitFor({ timeout: 30_000 });
  }

  /** Drags the sash between the side bar and the editor, so tree descriptions are not cut off. */
  async setSidebarWidth(px: number): Promise<void> {
    const sidebar = this.page.locator('.part.sidebar').first();
    const box = await sidebar.boundingBox();
    if (!box) throw new Error('no side bar');
    const edge = box.x + box.width;
    await this.page.mouse.move(edge - 1, box.y + box.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + px, box.y + box.height / 2, { steps: 8 });
    await this.page.mouse.up();
  }

  /** Expands the tree row with this label (a no-op when it is already expanded). */
  async expandTreeRow(label: string): Promise<void> {
    const row = this.page.locator('.pane-body .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first();
    await row.waitFor({ timeout: 30_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    await this.page.waitForFunction(
      (l) => Array.from(document.querySelectorAll('.pane-body .monaco-list-row')).some((r) => r.querySelector('.label-name')?.textContent === l && r.getAttribute('aria-expanded') === 'true'),
      label,
      { timeout: 30_000 },
    );
  }

  /** Opens a workspace file through Quick Open, as a user would. */
  async openFile(relPath: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    await this.page.keyboard.type(relPath);
    // Enter before the file search answers would open nothing.
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relPath) }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.editor-instance .view-lines').first().waitFor();
  }

  /** Runs a command from the Command Palette by its title, e.g. "MOrA: Show Forecast". */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input').first();
    await input.waitFor();
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await this.page.keyboard.press('Enter');
  }

  /**
   * The content frame of the visible webview panel (webviews are two nested iframes), to wait on or click in;
   * a page screenshot afterwards includes it.
   */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready:visible').first().frameLocator('iframe#active-frame');
  }

  /** Lets hovers, progress bars and animations finish. */
  async settle(ms = 800): Promise<void> {
    await this.page.mouse.move(1, 1);
    await this.page.waitForTimeout(ms);
  }

  async capture(relFile: string): Promise<void> {
    const out = path.join(repoRoot, relFile);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await this.page.screenshot({ path: out });
    console.log(`[screenshots] wrote ${relFile}`);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function writeSettings(runDir: string, theme: Theme): void {
  const file = path.join(runDir, 'user', 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = {
    'workbench.colorTheme': THEMES[theme],
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'window.commandCenter': false,
    // The run folder lives inside this repository: do not offer to open it.
    'git.openRepositoryInParentFolders': 'never',
    'git.enabled': false,
    // The documented screenshots show the forecast beside the manifest, as an editor tab.
    'mora.forecast.location': 'editor',
  };
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => a !== '--no-media');
  const shots = wanted.length ? SHOTS.filter((s) => wanted.includes(s.name)) : SHOTS;
  if (shots.length === 0) throw new Error(`no such shot: ${wanted.join(', ')} (known: ${SHOTS.map((s) => s.name).join(', ')})`);
  const vsix = path.join(repoRoot, 'mora.vsix');
  if (!fs.existsSync(vsix)) throw new Error('mora.vsix is missing: run npm run package');

  const runDir = makeRunDir('screenshots');
  console.log(`[screenshots] ${(await installExtension(runDir, vsix)).trim()}`);
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(path.join(workspace, 'k8s'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'k8s', 'shop.yaml'), demoManifests());
  writeSettings(runDir, shots[0].theme);

  const server = await startCodeServer(runDir);
  const context = await launchBrowser(runDir, { width: 1280, height: 800 });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .activitybar').waitFor({ timeout: 60_000 });
    const session = new Session(page, server, runDir, workspace);
    for (const shot of shots) {
      await session.setTheme(shot.theme);
      await shot.take(session).catch(async (err) => {
        // Keep what the page looked like when a step failed: the quickest way to see why.
        const failure = path.join(runDir, `failed-${shot.name}.png`);
        await page.screenshot({ path: failure }).catch(() => {});
        throw new Error(`shot "${shot.name}" failed (page at ${path.relative(repoRoot, failure)}): ${(err as Error).message}`);
      });
    }
  } finally {
    await context.close().catch(() => {});
    await server.stop();
  }
  if (!process.argv.includes('--no-media')) await renderMedia();
}

main().catch((err) => {
  console.error(`[screenshots] ${(err as Error).stack ?? err}`);
  process.exit(1);
});
