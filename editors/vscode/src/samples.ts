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

export interface SampleChoice {
  label: string;
  description?: string;
  detail?: string;
  /** The label to send to kyverno.pickSample; null goes back to the default. */
  value: string | null;
}

/**
 * The QuickPick items for `kyverno.listSamples [uri]`, which answers
 * `[{"label": "Pod hello-world", "description": "built-in samples", "current": true}, ...]`:
 * "Default sample" first, then the samples, the current one marked. Undefined when the answer
 * has another shape; entries without a string label are skipped.
 */
export function sampleChoices(result: unknown): SampleChoice[] | undefined {
  if (!Array.isArray(result)) {
    return undefined;
  }
  const samples: SampleChoice[] = [];
  let picked = false;
  for (const entry of result) {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { label?: unknown }).label !== 'string') {
      continue;
    }
    const e = entry as { label: string; description?: unknown; current?: unknown };
    const current = e.current === true;
    picked ||= current;
    samples.push({
      label: e.label,
      description: [typeof e.description === 'string' ? e.description : undefined, current ? 'current' : undefined]
        .filter((d) => d !== undefined)
        .join(' · ') || undefined,
      value: e.label,
    });
  }
  if (samples.length === 0) {
    return samples;
  }
  const fallback: SampleChoice = {
    label: 'Default sample',
    detail: 'for each expression, the first sample its rule applies to',
    value: null,
  };
  if (!picked) {
    fallback.description = 'current';
  }
  return [fallback, ...samples];
}
