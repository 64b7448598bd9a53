// Renders the extension's bitmap media with the headless Chromium the test harness uses (no image tools needed):
//   - media/icon.png, the 128×128 extension icon, from media/icon.svg;
//   - media/walkthrough/*.png, the Get Started walkthrough's pictures, cropped from the screenshots in docs/
//     (`npm run screenshots` regenerates those, then calls this so the walkthrough shows the same numbers);
//   - media/walkthrough/connect-{dark,light,hc}.png from media/walkthrough/connect.svg in each theme's colours. (A
//     walkthrough's `svg` media cannot follow the theme: VS Code inlines it under a CSP that drops the SVG's own styles.)
//
//   npm run media
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/harness/browser';
import { makeRunDir, repoRoot } from '../test/harness/paths';

interface Crop { from: string; to: string; x: number; y: number; width: number; height: number }

// The screenshots are 1280×800 (scripts/screenshots.ts); these rectangles frame one feature each.
const SIDEBAR = { x: 48, y: 30, width: 640, height: 350 };
const LENS = { x: 48, y: 266, width: 540, height: 264 };
const FORECAST = { x: 665, y: 65, width: 615, height: 520 };

const CROPS: Crop[] = [
  { from: 'docs/screenshot-sidebar.png', to: 'media/walkthrough/tree-dark.png', ...SIDEBAR },
  { from: 'docs/screenshot-sidebar-light.png', to: 'media/walkthrough/tree-light.png', ...SIDEBAR },
  { from: 'docs/screenshot-codelens-dark.png', to: 'media/walkthrough/codelens-dark.png', ...LENS },
  { from: 'docs/screenshot-codelens-light.png', to: 'media/walkthrough/codelens-light.png', ...LENS },
  { from: 'docs/screenshot-forecast-dark.png', to: 'media/walkthrough/forecast-dark.png', ...FORECAST },
  { from: 'docs/screenshot-forecast-light.png', to: 'media/walkthrough/forecast-light.png', ...FORECAST },
  { from: 'docs/screenshot-forecast-hc.png', to: 'media/walkthrough/forecast-hc.png', ...FORECAST },
];

/** VS Code's colours for the variables connect.svg uses, per theme (Default Dark Modern, Light Modern, High Contrast). */
const THEMES: Record<'dark' | 'light' | 'hc', Record<string, string>> = {
  dark: { foreground: '#cccccc', 'editorWidget-background': '#202020', descriptionForeground: '#9d9d9d', 'textPreformat-foreground': '#d7ba7d', focusBorder: '#0078d4', 'testing-iconPassed': '#73c991' },
  light: { foreground: '#3b3b3b', 'editorWidget-background': '#f8f8f8', descriptionForeground: '#616161', 'textPreformat-foreground': '#a31515', focusBorder: '#005fb8', 'testing-iconPassed': '#388a34' },
  hc: { foreground: '#ffffff', 'editorWidget-background': '#0c141f', descriptionForeground: '#ffffff', 'textPreformat-foreground': '#ffd700', focusBorder: '#f38518', 'testing-iconPassed': '#73c991' },
};

function dataUri(file: string, type: string): string {
  return `data:${type};base64,${fs.readFileSync(path.join(repoRoot, file)).toString('base64')}`;
}

async function renderIcon(page: Page): Promise<void> {
  await page.setViewportSize({ width: 128, height: 128 });
  await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${dataUri('media/icon.svg', 'image/svg+xml')}" width="128" height="128" style="display:block"></body></html>`);
  await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
  await page.screenshot({ path: path.join(repoRoot, 'media', 'icon.png'), omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
  console.log('[media] wrote media/icon.png');
}

async function crop(page: Page, c: Crop): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.setContent(`<html><body style="margin:0"><img src="${dataUri(c.from, 'image/png')}" style="display:block"></body></html>`);
  await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
  const out = path.join(repoRoot, c.to);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, clip: { x: c.x, y: c.y, width: c.width, height: c.height } });
  console.log(`[media] wrote ${c.to}`);
}

async function renderThemed(page: Page, svgFile: string): Promise<void> {
  const svg = fs.readFileSync(path.join(repoRoot, svgFile), 'utf8');
  const [, w, h] = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg) ?? [];
  if (!w || !h) throw new Error(`${svgFile}: the <svg> needs width and height`);
  for (const [theme, colours] of Object.entries(THEMES)) {
    const vars = Object.entries(colours).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ');
    await page.setViewportSize({ width: Number(w), height: Number(h) });
    await page.setContent(`<html><body style="margin:0;background:transparent;${vars}">${svg}</body></html>`);
    const out = svgFile.replace(/\.svg$/, `-${theme}.png`);
    await page.screenshot({ path: path.join(repoRoot, out), omitBackground: true, clip: { x: 0, y: 0, width: Number(w), height: Number(h) } });
    console.log(`[media] wrote ${out}`);
  }
}

export async function renderMedia(): Promise<void> {
  const context = await launchBrowser(makeRunDir('render-media'));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await renderIcon(page);
    for (const c of CROPS) await crop(page, c);
    await renderThemed(page, 'media/walkthrough/connect.svg');
  } finally {
    await context.close();
  }
}

if (require.main === module) {
  renderMedia().catch((err) => {
    console.error(`[media] ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
