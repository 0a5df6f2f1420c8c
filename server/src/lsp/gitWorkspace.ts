import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Whether a folder is inside a git working tree (a `.git` folder or file on the way up). */
export function isGitWorkspace(root: string): boolean {
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}
