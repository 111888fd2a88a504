// Choices for the palette commands, from what the server answers. No `vscode` import.

/** The question kyverno.pickSample asks without a label (server/lsp/commands.rs). */
export const PICK_PROMPT = 'Sample to evaluate expressions against';

export interface LensLike {
  command?: { title: string; command: string; arguments?: unknown[] };
}

export interface RuleChoice {
  label: string;
  description?: string;
  detail?: string;
  /** The arguments for kyverno.showRuleResults. */
  args: unknown[];
}

/**
 * One entry per rule that has a results lens, with the lens's own arguments (they name the
 * rule exactly, policy included), plus "All rules" when there are several.
 */
export function ruleChoices(uri: string, lenses: readonly LensLike[]): RuleChoice[] {
  const rules: RuleChoice[] = [];
  for (const lens of lenses) {
    const cmd = lens.command;
    if (cmd === undefined || cmd.command !== 'kyverno.showRuleResults') {
      continue;
    }
    const args = cmd.arguments ?? [uri];
    const named = args[1];
    let rule: string | undefined;
    let policy: string | undefined;
    if (typeof named === 'string') {
      rule = named;
    } else if (named !== null && typeof named === 'object') {
      const o = named as Record<string, unknown>;
      rule = typeof o.rule === 'string' ? o.rule : undefined;
      policy = typeof o.policy === 'string' ? o.policy : undefined;
    }
    if (rule === undefined) {
      continue;
    }
    rules.push({ label: rule, description: policy, detail: cmd.title, args });
  }
  if (rules.length > 1) {
    rules.unshift({ label: 'All rules', args: [uri] });
  }
  return rules;
}

/**
 * The answer of the proposed `kyverno.listSamples [uri]`: `{"labels": [...], "current": label
 * or null}`, or a bare array of labels.
 */
export function labelsOf(result: unknown): { labels: string[]; current: string | null } | undefined {
  const strings = (v: unknown) =>
    Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  const bare = strings(result);
  if (bare !== undefined) {
    return { labels: bare, current: null };
  }
  if (result === null || typeof result !== 'object') {
    return undefined;
  }
  const o = result as Record<string, unknown>;
  const labels = strings(o.labels);
  if (labels === undefined) {
    return undefined;
  }
  return { labels, current: typeof o.current === 'string' ? o.current : null };
}
