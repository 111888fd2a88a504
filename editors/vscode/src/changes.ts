// What mutate and generate rules change, as the server's kyverno.showMutations and
// kyverno.showGenerated commands answer it (server/ide/changes.rs), turned into the documents
// the editor opens. No `vscode` import.

export const SHOW_MUTATIONS = 'kyverno.showMutations';
export const SHOW_GENERATED = 'kyverno.showGenerated';
export const SHOW_RENDERED = 'kyverno.showRendered';

/** One mutated sample: its YAML before and after the policy's mutations. */
export interface Mutation {
  rule: string;
  sample: string;
  original: string;
  mutated: string;
}

/** The resources a generate rule creates for one sample, as a YAML stream. */
export interface Generated {
  rule: string;
  sample: string;
  resources: string;
}

function entries(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result)
    ? result.filter((e): e is Record<string, unknown> => e !== null && typeof e === 'object')
    : [];
}

function text(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** The well-formed entries of a kyverno.showMutations answer. */
export function mutations(result: unknown): Mutation[] {
  const out: Mutation[] = [];
  for (const e of entries(result)) {
    const [rule, sample, original, mutated] = ['rule', 'sample', 'original', 'mutated'].map((k) => text(e, k));
    if (rule !== undefined && sample !== undefined && original !== undefined && mutated !== undefined) {
      out.push({ rule, sample, original, mutated });
    }
  }
  return out;
}

/** The well-formed entries of a kyverno.showGenerated answer. */
export function generated(result: unknown): Generated[] {
  const out: Generated[] = [];
  for (const e of entries(result)) {
    const [rule, sample, resources] = ['rule', 'sample', 'resources'].map((k) => text(e, k));
    if (rule !== undefined && sample !== undefined && resources !== undefined) {
      out.push({ rule, sample, resources });
    }
  }
  return out;
}

/** The diff editor's title: `Pod bare: before ↔ after add-team`. */
export function diffTitle(m: Mutation): string {
  return `${m.sample}: before ↔ after ${m.rule}`;
}

/** One YAML stream of every sample's resources, each introduced by a comment. */
export function generatedDocument(list: readonly Generated[]): string {
  return list
    .map((g) => `# Created by rule ${g.rule} for ${g.sample}\n${g.resources}`)
    .join('---\n');
}

/**
 * What Helm renders from a template (`{chart, template, rendered}`) or kustomize builds from a
 * kustomization (`{kustomization, rendered}`), as kyverno.showRendered answers it: the YAML
 * stream, introduced by a comment naming where it comes from; undefined for an answer of
 * another shape.
 */
export function renderedDocument(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    return undefined;
  }
  const o = result as Record<string, unknown>;
  const kustomization = text(o, 'kustomization');
  if (kustomization !== undefined) {
    const built = text(o, 'rendered');
    return built === undefined ? undefined : `# Built by kustomize from ${kustomization}\n${built}`;
  }
  const [chart, template, rendered] = ['chart', 'template', 'rendered'].map((k) => text(o, k));
  if (chart === undefined || template === undefined || rendered === undefined) {
    return undefined;
  }
  return `# Rendered by Helm from ${template} of ${chart}\n${rendered}`;
}
