// Whether to hand the YAML extension a Kyverno JSON Schema for a document. No `vscode` import.
//
// kyverno-ls reports schema problems itself. Only when the user turns that off
// (`kyverno.diagnostics.schema: false`) does the YAML extension get our schemas, so that each
// problem is reported exactly once.
//
// The YAML extension applies one schema to every document of a file, so a schema is offered
// only when all the documents of the file are Kyverno policies of the same kind and version:
// a sample Pod next to a policy must not be judged by the policy's schema.

/** The contributor name the YAML extension knows us by; it is also the schema URIs' scheme. */
export const SCHEME = 'kyverno-ls';

/** `apiVersion kind` → the file in `schemas/` (copied from the repository at package time). */
export const SCHEMA_FILES: Readonly<Record<string, string>> = {
  'kyverno.io/v1 ClusterPolicy': 'clusterpolicy-v1.json',
  'kyverno.io/v2beta1 ClusterPolicy': 'clusterpolicy-v2beta1.json',
  'kyverno.io/v1 Policy': 'policy-v1.json',
  'kyverno.io/v2beta1 Policy': 'policy-v2beta1.json',
  'policies.kyverno.io/v1 ValidatingPolicy': 'validatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 ValidatingPolicy': 'validatingpolicy-v1beta1.json',
  'policies.kyverno.io/v1alpha1 ValidatingPolicy': 'validatingpolicy-v1alpha1.json',
  'policies.kyverno.io/v1 NamespacedValidatingPolicy': 'namespacedvalidatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 NamespacedValidatingPolicy': 'namespacedvalidatingpolicy-v1beta1.json',
  'policies.kyverno.io/v1 PolicyException': 'policyexception-v1.json',
  'policies.kyverno.io/v1beta1 PolicyException': 'policyexception-v1beta1.json',
  'policies.kyverno.io/v1alpha1 PolicyException': 'policyexception-v1alpha1.json',
  'policies.kyverno.io/v1 MutatingPolicy': 'mutatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 MutatingPolicy': 'mutatingpolicy-v1beta1.json',
  'policies.kyverno.io/v1alpha1 MutatingPolicy': 'mutatingpolicy-v1alpha1.json',
  'policies.kyverno.io/v1 NamespacedMutatingPolicy': 'namespacedmutatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 NamespacedMutatingPolicy': 'namespacedmutatingpolicy-v1beta1.json',
  'policies.kyverno.io/v1 GeneratingPolicy': 'generatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 GeneratingPolicy': 'generatingpolicy-v1beta1.json',
  'policies.kyverno.io/v1alpha1 GeneratingPolicy': 'generatingpolicy-v1alpha1.json',
  'policies.kyverno.io/v1 NamespacedGeneratingPolicy': 'namespacedgeneratingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 NamespacedGeneratingPolicy': 'namespacedgeneratingpolicy-v1beta1.json',
  'policies.kyverno.io/v1 DeletingPolicy': 'deletingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 DeletingPolicy': 'deletingpolicy-v1beta1.json',
  'policies.kyverno.io/v1alpha1 DeletingPolicy': 'deletingpolicy-v1alpha1.json',
  'policies.kyverno.io/v1 NamespacedDeletingPolicy': 'namespaceddeletingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 NamespacedDeletingPolicy': 'namespaceddeletingpolicy-v1beta1.json',
  'policies.kyverno.io/v1 ImageValidatingPolicy': 'imagevalidatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 ImageValidatingPolicy': 'imagevalidatingpolicy-v1beta1.json',
  'policies.kyverno.io/v1alpha1 ImageValidatingPolicy': 'imagevalidatingpolicy-v1alpha1.json',
  'policies.kyverno.io/v1 NamespacedImageValidatingPolicy': 'namespacedimagevalidatingpolicy-v1.json',
  'policies.kyverno.io/v1beta1 NamespacedImageValidatingPolicy': 'namespacedimagevalidatingpolicy-v1beta1.json',
  'kyverno.io/v2 PolicyException': 'policyexception-v2.json',
  'kyverno.io/v2beta1 PolicyException': 'policyexception-v2beta1.json',
  'kyverno.io/v2 CleanupPolicy': 'cleanuppolicy-v2.json',
  'kyverno.io/v2beta1 CleanupPolicy': 'cleanuppolicy-v2beta1.json',
  'kyverno.io/v2 ClusterCleanupPolicy': 'clustercleanuppolicy-v2.json',
  'kyverno.io/v2beta1 ClusterCleanupPolicy': 'clustercleanuppolicy-v2beta1.json',
  'kyverno.io/v2 GlobalContextEntry': 'globalcontextentry-v2.json',
  'kyverno.io/v2beta1 GlobalContextEntry': 'globalcontextentry-v2beta1.json',
  'kyverno.io/v2alpha1 GlobalContextEntry': 'globalcontextentry-v2alpha1.json',
  'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy': 'validatingadmissionpolicy-v1.json',
  'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding': 'validatingadmissionpolicybinding-v1.json',
  'admissionregistration.k8s.io/v1 MutatingAdmissionPolicy': 'mutatingadmissionpolicy-v1.json',
  'admissionregistration.k8s.io/v1 MutatingAdmissionPolicyBinding': 'mutatingadmissionpolicybinding-v1.json',
};

/** A top-level scalar value: unquoted, without a trailing comment. */
function scalar(raw: string): string {
  let v = raw.trim();
  if (v.startsWith('"') || v.startsWith("'")) {
    const q = v[0];
    const end = v.indexOf(q, 1);
    return end > 0 ? v.slice(1, end) : v.slice(1);
  }
  const hash = v.search(/\s#/);
  if (hash >= 0) {
    v = v.slice(0, hash);
  }
  return v.trim();
}

/**
 * The schema file for one YAML document's text, `null` for a document with nothing in it
 * (blank lines and comments), `undefined` for anything that is not a policy we have a schema for.
 */
export function documentSchema(doc: string): string | null | undefined {
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let content = false;
  for (const line of doc.split(/\r\n|\r|\n/)) {
    if (/^\s*(#.*)?$/.test(line)) {
      continue;
    }
    content = true;
    const m = /^(apiVersion|kind)\s*:(.*)$/.exec(line);
    if (m === null) {
      continue;
    }
    const value = scalar(m[2]);
    if (m[1] === 'apiVersion' && apiVersion === undefined) {
      apiVersion = value;
    } else if (m[1] === 'kind' && kind === undefined) {
      kind = value;
    }
  }
  if (!content) {
    return null;
  }
  if (apiVersion === undefined || kind === undefined) {
    return undefined;
  }
  const key = `${apiVersion} ${kind}`;
  return Object.prototype.hasOwnProperty.call(SCHEMA_FILES, key) ? SCHEMA_FILES[key] : undefined;
}

/** The schema file for a whole file's text, when all its documents agree on one. */
export function fileSchema(text: string): string | undefined {
  let found: string | undefined;
  // A document starts at a `---` line (possibly with a comment or content after a space) and
  // ends at the next one or at a `...` line.
  const docs = text.split(/^(?:---(?:[ \t].*)?|\.\.\.[ \t]*)$/m);
  for (const doc of docs) {
    const schema = documentSchema(doc);
    if (schema === null) {
      continue;
    }
    if (schema === undefined || (found !== undefined && found !== schema)) {
      return undefined;
    }
    found = schema;
  }
  return found;
}

/** The schema URI to offer for a document, or undefined to stay out of the YAML extension's way. */
export function schemaToContribute(text: string, schemaDiagnostics: boolean): string | undefined {
  if (schemaDiagnostics) {
    return undefined;
  }
  const file = fileSchema(text);
  return file === undefined ? undefined : schemaUri(file);
}

export function schemaUri(file: string): string {
  return `${SCHEME}://schemas/${file}`;
}

/** The file a schema URI names, if it is one of ours. */
export function schemaFileOf(uri: string): string | undefined {
  const prefix = `${SCHEME}://schemas/`;
  if (!uri.startsWith(prefix)) {
    return undefined;
  }
  const file = uri.slice(prefix.length);
  return Object.values(SCHEMA_FILES).includes(file) ? file : undefined;
}
