import { readFileSync } from 'fs';
import { join } from 'path';
import { revisionOf } from '../../shared/window/runbook';
import type { WindowSource } from '../../shared/window/source';

/** A window source holding only test/fixtures/windows/e2e-mini.yaml (scheduler and pre-flight unit tests). */
export function miniWindowSource(): WindowSource {
  const file = join(__dirname, '../fixtures/windows/e2e-mini.yaml');
  const text = readFileSync(file, 'utf8');
  return {
    read: async (id) => (id === 'e2e-mini' ? { windowId: id, file, text, revision: revisionOf(text) } : undefined),
    readRevision: async () => undefined,
    list: async () => [{ windowId: 'e2e-mini', file, revision: revisionOf(text) }],
  };
}
