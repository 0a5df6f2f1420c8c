// Renders media/logo.svg to media/icon.png (128×128), the extension's icon in the marketplace and
// the Extensions view, with Debian's Chromium. Run it after changing the logo; the PNG is committed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium, launchChromium } from './tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await ensureChromium();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  const svg = readFileSync(join(root, 'media', 'logo.svg'), 'utf8');
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: join(root, 'media', 'icon.png'), omitBackground: true });
} finally {
  await browser.close();
}
console.log('wrote media/icon.png');
