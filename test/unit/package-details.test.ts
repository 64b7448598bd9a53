// What the packaged extension shows on its Details page and in the Extensions view: the page vsce ships (the
// --readme-path of `npm run package`, made by vscode:prepublish) must show every image and follow every link inside
// VS Code, whose Details webview loads images only from https: and data: (CSP `img-src https: data:`) and opens only
// http(s)/mailto links or in-page anchors — a README link to docs/x.png or docs/X.md that is merely shipped stays broken
// there. The icon and every media file package.json refers to must be in the .vsix.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DETAILS_README, detailsReadme } from '../../scripts/details-readme';

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  icon?: string; galleryBanner?: { color?: string; theme?: string }; categories?: string[]; keywords?: string[];
  scripts: Record<string, string>; contributes: unknown;
};

/** The README `npm run package` ships: vsce's --readme-path, README.md without it. */
function packagedReadmePath(): string {
  return /--readme-path[= ](\S+)/.exec(pkg.scripts.package)?.[1] ?? 'README.md';
}

/** That README's text, as vsce will find it after vscode:prepublish. */
function packagedReadme(): string {
  const rel = packagedReadmePath();
  if (rel === DETAILS_README) {
    assert.match(pkg.scripts['vscode:prepublish'], /scripts\/details-readme\.ts/, `vscode:prepublish must write ${DETAILS_README}`);
    return detailsReadme(ROOT);
  }
  return fs.readFileSync(path.join(ROOT, rel), 'utf8');
}

/** Markdown outside code: fenced blocks and code spans removed. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`+[^`]*`+/g, '');
}

function images(markdown: string): string[] {
  const text = prose(markdown);
  return [...text.matchAll(/!\[[^\]]*\]\(\s*([^)\s]+)/g), ...text.matchAll(/<img\b[^>]*\ssrc=["']([^"']*)["']/gi)].map((m) => m[1]);
}

function links(markdown: string): string[] {
  const text = prose(markdown);
  return [...text.matchAll(/(?<!!)\[(?:[^\]\\]|\\.)*\]\(\s*([^)\s]+)/g), ...text.matchAll(/<a\b[^>]*\shref=["']([^"']*)["']/gi)].map((m) => m[1]);
}

/** The ids a click on `#id` can reach: explicit anchors and VS Code's heading slugs (GitHub style). */
function anchors(markdown: string): Set<string> {
  const ids = new Set([...markdown.matchAll(/<a\b[^>]*\sid=["']([^"']+)["']/gi)].map((m) => m[1]));
  const noCode = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  for (const m of noCode.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    ids.add(m[1].toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s/g, '-'));
  }
  return ids;
}

/** Files package.json points at (icon, walkthrough media, view icons): any string value under media/. */
function mediaReferences(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && /^media\/\S+\.(png|svg|md|gif|jpe?g)$/.test(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) mediaReferences(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) mediaReferences(v, out);
  return out;
}

describe('the packaged extension: Details page, icon and media', function () {
  this.timeout(60_000);

  it('the Details page shows every image: each is inline data (PNG, JPEG, GIF, WebP) or https', () => {
    const readme = packagedReadme();
    const srcs = images(readme);
    assert.ok(srcs.length >= 3, `the page shows the README's screenshots (${srcs.length} images)`);
    const broken = srcs.filter((s) => !/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*$/.test(s) && !s.startsWith('https://'));
    assert.deepEqual(broken.map((s) => s.slice(0, 80)), [], `images ${packagedReadmePath()} shows that VS Code's Details page cannot load`);
    for (const s of srcs.filter((x) => x.startsWith('data:image/png'))) {
      assert.equal(Buffer.from(s.slice(s.indexOf(',') + 1), 'base64').subarray(1, 4).toString('latin1'), 'PNG');
    }
  });

  it('the Details page follows every link: https, mailto, or an anchor on the page itself', () => {
    const readme = packagedReadme();
    const ids = anchors(readme);
    const hrefs = links(readme);
    assert.ok(hrefs.length > 0);
    const dead = hrefs.filter((h) => !(/^(https?|mailto):/.test(h) || (h.startsWith('#') && ids.has(decodeURIComponent(h.slice(1))))));
    assert.deepEqual(dead, [], `links in ${packagedReadmePath()} that lead nowhere on VS Code's Details page`);
    // Every document README.md links to is on the page (appended under its anchor).
    for (const m of prose(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).matchAll(/(?<!!)\[[^\]]*\]\(\s*(docs\/[^)\s#]+\.md)/g)) {
      assert.ok(readme.includes(fs.readFileSync(path.join(ROOT, m[1]), 'utf8').split('\n').find((l) => l.trim() && !l.startsWith('#'))!.trim().slice(0, 60)),
        `${m[1]} is linked from README.md but its text is not on the Details page`);
    }
  });

  it('the Changelog tab (CHANGELOG.md) has no image or link the page could not show', () => {
    const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, /^## \d+\.\d+\.\d+/m);
    assert.deepEqual(images(changelog).filter((s) => !s.startsWith('https://')), []);
    assert.deepEqual(links(changelog).filter((h) => !/^(https?|mailto):/.test(h)), []);
  });

  it('has a 128×128 PNG icon, a gallery banner, Marketplace categories and keywords', () => {
    assert.ok(pkg.icon, 'package.json sets an icon');
    const png = fs.readFileSync(path.join(ROOT, pkg.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'icon width × height');
    assert.match(pkg.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
    assert.ok(pkg.galleryBanner?.theme === 'dark' || pkg.galleryBanner?.theme === 'light');
    const marketplace = ['AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs',
      'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization'];
    assert.ok((pkg.categories ?? []).length > 0);
    for (const c of pkg.categories ?? []) assert.ok(marketplace.includes(c), `category ${c} is not one of the Marketplace's`);
    assert.ok((pkg.keywords ?? []).includes('kubernetes'));
    assert.ok((pkg.keywords ?? []).length <= 30, 'the Marketplace takes at most 30 keywords');
  });

  it('the .vsix file list (vsce, with the package script\'s options) holds the icon, the changelog and every media file package.json refers to', async () => {
    const { listFiles, PackageManager } = require('@vscode/vsce') as typeof import('@vscode/vsce');
    // vsce's listFiles hands every option to its packager, readmePath included (its public type leaves it out).
    const options = { cwd: ROOT, packageManager: PackageManager.None, readmePath: packagedReadmePath() };
    const files = new Set(await listFiles(options));
    const wanted = [...new Set([...(pkg.icon ? [pkg.icon] : []), ...mediaReferences(pkg.contributes), 'CHANGELOG.md'])];
    assert.ok(pkg.icon && wanted.includes(pkg.icon));
    for (const f of wanted) {
      assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} (named in package.json) does not exist`);
      assert.ok(files.has(f), `${f} is not in the .vsix (see .vscodeignore)`);
    }
    // The repository README is not shipped next to the Details page (two readme files would collide in the .vsix).
    if (packagedReadmePath() !== 'README.md') assert.equal(files.has('README.md'), false);
  });
});
