// Headless Debian Chromium driven by playwright-core (which downloads no browser of its own).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { privateEnv } from './paths';

export function chromiumPath(): string {
  const candidates = [process.env.MORA_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error('No Chromium found: run npm run setup:test (Debian package chromium), or set MORA_CHROMIUM');
}

export async function launchBrowser(runDir: string, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  const profile = path.join(runDir, 'browser', `profile-${Date.now()}`);
  fs.mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    env: privateEnv(runDir) as Record<string, string>,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
