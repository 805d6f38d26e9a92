import { pipelineTargets } from '../targets';
import { reasonOf, type Check } from '../types';

/** `refs/tags/…` or `refs/heads/…` for a pipeline reference, as a run would use. */
function refNameOf(ref: { tag?: string; branch?: string }): string | undefined {
  if (ref.tag) return ref.tag.startsWith('refs/') ? ref.tag : `refs/tags/${ref.tag}`;
  if (ref.branch) return ref.branch.startsWith('refs/') ? ref.branch : `refs/heads/${ref.branch}`;
  return undefined;
}

/**
 * Azure DevOps: every pipeline exists, and resolves at its tag or branch with its stages (a
 * preview run: the service resolves the ref and the stages as for a run, and starts nothing).
 */
export const checkPipelines: Check = async (ctx, out) => {
  const targets = pipelineTargets(ctx.window);
  if (targets.length === 0) return;
  const ids = new Map<string, number | undefined>();
  out.count('credentials');
  let credentialsOk = true;
  for (const { ref, field } of targets) {
    out.count('pipelines');
    const project = ref.project ?? ctx.window.devops?.project ?? 'default';
    const key = `${project}/${ref.name}`.toLowerCase();
    let pipelineId = ref.id;
    if (pipelineId === undefined) {
      try {
        if (!ids.has(key)) ids.set(key, await ctx.ports.pipelines.findPipelineId(project, ref.name));
        pipelineId = ids.get(key);
      } catch (e) {
        const reason = reasonOf(e);
        // The first read is the credential check: a refused token fails every pipeline alike, so say it once.
        if (/\b(401|403)\b/.test(reason)) {
          if (credentialsOk) out.error('credentials', field, `the Azure DevOps token is refused: ${reason}`);
          credentialsOk = false;
        } else {
          out.error('pipelines', field, reason);
        }
        continue;
      }
      if (pipelineId === undefined) {
        out.error('pipelines', `${field}.name`, `pipeline "${ref.name}" does not exist in project ${project}`);
        continue;
      }
    }
    const refName = refNameOf(ref);
    try {
      await ctx.ports.pipelines.previewRun({
        project,
        pipelineName: ref.name,
        pipelineId,
        stages: ref.stages,
        ...(refName ? { refName } : {}),
        parameters: Object.fromEntries(Object.entries(ref.parameters).map(([k, v]) => [k, String(v)])),
      });
    } catch (e) {
      const at = ref.tag ? `${field}.tag` : ref.branch ? `${field}.branch` : field;
      out.error('pipelines', at, `pipeline "${ref.name}"${refName ? ` at ${refName}` : ''} would not start: ${reasonOf(e)}`);
    }
  }
};
