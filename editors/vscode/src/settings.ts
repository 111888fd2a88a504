// The `kyverno.*` settings the server reads, as it wants them. No `vscode` import: the caller
// passes a reader over the configuration section.
//
// The shape is the one VS Code itself produces for the section (dotted keys become nested
// objects), because the language client sends that raw section on every change; the server
// then sees the same shape at start-up and afterwards.

export const SECTION = 'kyverno';

export const SEVERITIES = ['error', 'warning', 'information', 'hint', 'off'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface ServerSettings {
  builtinSamples: boolean;
  samples: string[];
  diagnostics: {
    schema: boolean;
    severity: Record<string, Severity>;
    /** Globs, relative to each workspace folder, of files to report nothing on. */
    ignore: string[];
  };
  /** The Helm program (empty: `helm` on PATH) and values files relative to each chart. */
  helm: {
    path: string;
    values: string[];
  };
  /** The kustomize or kubectl program (empty: `kustomize`, else `kubectl`, on PATH). */
  kustomize: {
    path: string;
  };
}

export const DEFAULTS: ServerSettings = {
  builtinSamples: true,
  samples: [],
  diagnostics: { schema: true, severity: {}, ignore: [] },
  helm: { path: '', values: [] },
  kustomize: { path: '' },
};

/** Reads one key of the `kyverno` section, e.g. `diagnostics.schema`; undefined when unset. */
export type Reader = (key: string) => unknown;

function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

function nonEmptyStrings(list: unknown[]): string[] {
  return list.filter((s): s is string => typeof s === 'string' && s.trim().length > 0);
}

/** The settings, with wrong-typed values replaced by defaults so the server never guesses. */
export function serverSettings(read: Reader): ServerSettings {
  const builtin = read('builtinSamples');
  const samples = read('samples');
  const schema = read('diagnostics.schema');
  const severity = read('diagnostics.severity');
  const ignore = read('diagnostics.ignore');
  const helmPath = read('helm.path');
  const helmValues = read('helm.values');
  const kustomizePath = read('kustomize.path');
  const sev: Record<string, Severity> = {};
  if (severity !== null && typeof severity === 'object' && !Array.isArray(severity)) {
    for (const [code, level] of Object.entries(severity as Record<string, unknown>)) {
      if (isSeverity(level)) {
        sev[code] = level;
      }
    }
  }
  return {
    builtinSamples: typeof builtin === 'boolean' ? builtin : DEFAULTS.builtinSamples,
    samples: Array.isArray(samples) ? nonEmptyStrings(samples) : [],
    diagnostics: {
      schema: typeof schema === 'boolean' ? schema : DEFAULTS.diagnostics.schema,
      severity: sev,
      ignore: Array.isArray(ignore) ? nonEmptyStrings(ignore) : [],
    },
    helm: {
      path: typeof helmPath === 'string' ? helmPath.trim() : '',
      values: Array.isArray(helmValues) ? nonEmptyStrings(helmValues) : [],
    },
    kustomize: {
      path: typeof kustomizePath === 'string' ? kustomizePath.trim() : '',
    },
  };
}

/** What the client puts in `initialize`'s `initializationOptions`. */
export function initializationOptions(read: Reader): { kyverno: ServerSettings } {
  return { [SECTION]: serverSettings(read) } as { kyverno: ServerSettings };
}

/** A reader over a plain nested object, as in `settings.json` or a test. */
export function objectReader(section: Record<string, unknown>): Reader {
  return (key) => {
    let cur: unknown = section;
    for (const part of key.split('.')) {
      if (cur === null || typeof cur !== 'object') {
        return undefined;
      }
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  };
}
