// The README the .vsix ships as the extension's Details page, made from README.md so that page is whole.
//
// VS Code renders that page in a webview that loads images only from https: and data: URIs (its CSP is
// `img-src https: data:`) and opens only http(s)/mailto links; relative links resolve against the webview's own
// document, not the extension folder. So shipping docs/*.png beside the README is not enough (checked in code-server
// 4.100.3: the images stay broken, a click on docs/DEMO.md leads nowhere). There is no public repository URL to
// rewrite relative links against, so this makes the page self-contained instead:
//   - a relative image becomes a data: URI of the file (PNG, JPEG, GIF or WebP; SVG is refused: vsce and the
//     Marketplace forbid SVG data URIs);
//   - a relative link to a Markdown file appends that file (once, headings one level down, after an anchor) and
//     points the link at the anchor; links inside appended files are treated the same way;
//   - any other relative link (a source file, a folder) is an error: the page could not show it.
// Code spans and fenced blocks are left alone.
//
//   tsx scripts/details-readme.ts      # writes dist/README.md; `npm run package` passes it to vsce as --readme-path
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the generated README goes (gitignored build output), relative to the repository root. */
export const DETAILS_README = 'dist/README.md';

const IMAGE_TYPES: Readonly<Record<string, string>> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

/** The anchor an appended document gets: docs/DEMO.md → docs-demo-md. */
export function anchorFor(relPath: string): string {
  return relPath.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** True for a link the Details page can follow or show as it is: a URL with a scheme, or an in-page anchor. */
function isAbsolute(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#');
}

/**
 * Rewrites the Markdown outside code: `fn(isImage, target)` returns the new target. Handles inline links and images
 * (`[text](target "title")`, `![alt](target)`) and HTML `src`/`href` attributes; refuses reference-style definitions
 * with a relative target (simple to add when needed).
 */
function rewriteLinks(markdown: string, where: string, fn: (isImage: boolean, target: string) => string): string {
  const parts = markdown.split(/^(```[^\n]*\n[\s\S]*?^```[^\n]*$)/m);
  return parts.map((part, i) => {
    if (i % 2 === 1) return part; // a fenced block
    // Inline code spans stay as they are.
    return part.split(/(`+[^`]*`+)/).map((chunk, j) => {
      if (j % 2 === 1) return chunk;
      const def = /^\s*\[[^\]]+\]:\s*(\S+)/m.exec(chunk);
      if (def && !isAbsolute(def[1])) throw new Error(`${where}: reference-style link to ${def[1]}: write it inline`);
      return chunk
        .replace(/(!?)\[((?:[^\]\\]|\\.)*)\]\(\s*([^)\s]+)((?:\s+"[^"]*")?)\s*\)/g, (_all, bang: string, text: string, target: string, title: string) =>
          `${bang}[${text}](${fn(bang === '!', target)}${title})`)
        .replace(/(<(?:img|a)\b[^>]*?\s(src|href)=)(["'])([^"']*)\3/gi, (_all, head: string, attr: string, q: string, target: string) =>
          `${head}${q}${fn(attr.toLowerCase() === 'src', target)}${q}`);
    }).join('');
  }).join('');
}

/** Headings one level down (outside fenced blocks), so an appended document sits under the page's own title. */
function demoteHeadings(markdown: string): string {
  return markdown.split(/^(```[^\n]*\n[\s\S]*?^```[^\n]*$)/m)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/^(#{1,5})(\s)/gm, '#$1$2')))
    .join('');
}

/** The Details page for `readme` (relative to `root`), with every image inlined and every linked document appended. */
export function detailsReadme(root: string, readme = 'README.md'): string {
  const appended: string[] = [];
  const queued = new Set<string>();
  const queue: string[] = [];

  const convert = (fromFile: string, text: string): string => rewriteLinks(text, fromFile, (isImage, raw) => {
    if (isAbsolute(raw)) return raw;
    const [target] = raw.split('#');
    if (!target || target.startsWith('/')) throw new Error(`${fromFile}: link ${raw} cannot be shown on the Details page`);
    const rel = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), decodeURI(target)));
    const file = path.join(root, ...rel.split('/'));
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`${fromFile}: links to ${rel}, which does not exist`);
    const ext = path.extname(rel).toLowerCase();
    if (IMAGE_TYPES[ext]) return `data:${IMAGE_TYPES[ext]};base64,${fs.readFileSync(file).toString('base64')}`;
    if (isImage) throw new Error(`${fromFile}: image ${rel} must be PNG, JPEG, GIF or WebP to show on the Details page`);
    if (ext === '.md') {
      if (!queued.has(rel)) { queued.add(rel); queue.push(rel); }
      return `#${anchorFor(rel)}`;
    }
    throw new Error(`${fromFile}: links to ${rel}, which the Details page cannot show (link a Markdown document, an image, or an https URL)`);
  });

  queued.add(readme);
  const page = convert(readme, fs.readFileSync(path.join(root, readme), 'utf8'));
  for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
    const text = convert(doc, fs.readFileSync(path.join(root, ...doc.split('/')), 'utf8'));
    appended.push(`\n---\n\n<a id="${anchorFor(doc)}"></a>\n\n*${doc}*\n\n${demoteHeadings(text).trim()}\n`);
  }
  return page.trimEnd() + '\n' + appended.join('');
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const out = path.join(root, ...DETAILS_README.split('/'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, detailsReadme(root));
  console.log(`[details-readme] wrote ${DETAILS_README} (${Math.round(fs.statSync(out).size / 1024)} KiB)`);
}
