/**
 * The repository's folder on disk. Tests run from a mirror of the repository (scripts/compile-ts.mjs) in which
 * everything is reachable as in the sources except what lies beside the repository (../shared, the recorded
 * Hyperliquid data): a path leaving the repository is built from here. package.json is a symlink in the mirror,
 * so its real path is the repository's.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = dirname(realpathSync(fileURLToPath(new URL('../../package.json', import.meta.url))));
