/**
 * Starting without local.settings.json (the sample is used, and the host says so) and with
 * a storage provider the local host does not run (a one-line notice, not silence).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateLocalSettings } from '../../../devhost/core/settings';
import { spawnHost, startOrchestration, uniqueHub, waitFor } from '../../support/devhostProcess';

test('local.settings.json wins, the sample is the fallback, an explicit file is kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
  expect(locateLocalSettings(dir)).toEqual({ file: 'local.settings.json', fallback: false });
  fs.writeFileSync(path.join(dir, 'local.settings.sample.json'), '{}');
  expect(locateLocalSettings(dir)).toEqual({ file: 'local.settings.sample.json', fallback: true });
  fs.writeFileSync(path.join(dir, 'local.settings.json'), '{}');
  expect(locateLocalSettings(dir)).toEqual({ file: 'local.settings.json', fallback: false });
  expect(locateLocalSettings(dir, '/elsewhere/my.json')).toEqual({ file: '/elsewhere/my.json', fallback: false });
});

test('an app with only the sample settings and an azureManaged provider runs, with a notice for each', async () => {
  const host = await spawnHost({ taskHub: uniqueHub('sample'), app: path.resolve(__dirname, '..', '..', 'fixtures', 'sample-settings-app') });
  try {
    const id = await startOrchestration(host, 'Sequence');
    expect((await waitFor(host, id)).runtimeStatus).toBe('Completed');
  } finally {
    await host.stop();
  }
  const log = fs.readFileSync(host.logFile, 'utf8');
  expect(log).toContain('no local.settings.json: using local.settings.sample.json');
  expect(log).toContain("storageProvider.type 'azureManaged' runs on the local host's own task hub store");
});
