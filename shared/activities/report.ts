import type { StepState } from '../orchestrations/contracts';
import { writeReport } from '../api/reportRoute';
import type { ActivityDeps } from './types';

/** The window report, written once the window has ended (a retry writes the same blobs again). */
export function reportActivities({ store, windows, publicUrl }: ActivityDeps) {
  return {
    writeReport: async (input: { windowId: string; state: string; steps: Record<string, StepState> }) => (await writeReport(store, windows, input, publicUrl)) ?? null,
  };
}
