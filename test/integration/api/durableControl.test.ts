/**
 * The app's durable control against the local host through the real durable-functions
 * client: a duplicate start, which the extension refuses with a 500
 * (OrchestrationAlreadyExistsException), still reads as "already started".
 */
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { durableControl } from '../../../shared/api/durableControl';
import { AlreadyStartedError } from '../../../shared/api/windows';
import { durableClientData } from '../../../devhost/durable/managementApi';
import { type HostProcess, raiseEvent, spawnHost, uniqueHub, waitFor } from '../../support/devhostProcess';

let host: HostProcess;
let hub: string;

beforeAll(async () => {
  hub = uniqueHub('control');
  host = await spawnHost({ taskHub: hub });
});

afterAll(async () => {
  await host.stop();
});

test('a second start of a running instance is AlreadyStartedError; after it finished, a start runs again', async () => {
  // The client an HTTP starter gets through its durableClient input binding.
  const clientInput = df.input.durableClient();
  const context = new InvocationContext({ options: { extraInputs: [clientInput] } });
  context.extraInputs.set(clientInput, durableClientData(host.url, hub));
  const control = durableControl(df.getClient(context));
  const id = uniqueHub('dup');
  await control.startNew('WaitForGo', id, null);
  await waitFor(host, id, (s) => s.runtimeStatus === 'Running');
  await expect(control.startNew('WaitForGo', id, null)).rejects.toBeInstanceOf(AlreadyStartedError);
  await raiseEvent(host, id, 'Go', 1);
  await waitFor(host, id);
  await expect(control.startNew('WaitForGo', id, null)).resolves.toBeUndefined();
});
