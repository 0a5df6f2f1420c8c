import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** Stepwise's own version, from the package.json of the extension (bundled or built from source). */
export function stepwiseVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'stepwise-cache-migration' && typeof manifest.version === 'string') {
        cached = manifest.version;
        break;
      }
    } catch {
      // Not ours or not readable: keep looking up.
    }
  }
  return cached;
}
