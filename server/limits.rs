//! Every bound kyverno-ls puts on the work an input can cause, in one place.
//!
//! A policy file, a sample resource or a test manifest comes from a repository we do not
//! control, and the editor analyses it on every keystroke. Each limit below keeps one kind of
//! input from costing unbounded time, memory or stack. None of them is silent: hitting one gives
//! a diagnostic (or, inside a simulation, a `rule-error` verdict) whose message names the limit,
//! so a user whose real policy is cut short knows why. The values are far above anything a real
//! Kyverno policy needs; each comment says what the value is measured against.

// ---- Files and YAML ----------------------------------------------------------------------

/// Largest text analysed (`file-too-large`). The API server refuses requests over 3 MiB, so a
/// bigger policy could never be applied anyway.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Largest file `kyverno-ls test` reads (a test error naming the file). Test resources may be
/// bulk exports of a cluster, so this is looser than [`MAX_FILE_BYTES`], but still bounded.
pub const MAX_TEST_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Deepest nesting of YAML collections (`nesting-too-deep`). Real policies nest about 15
/// levels; 128 keeps the recursive schema walk far from the end of a 2 MiB thread stack.
pub const MAX_YAML_DEPTH: usize = 128;

/// Most nodes one YAML document may build, aliases expanded (`alias-expansion-limit` when an
/// alias crosses it, `document-too-large` otherwise). A 4 MiB file of short scalars has fewer;
/// an alias bomb reaches billions.
pub const MAX_YAML_NODES: usize = 200_000;

// ---- JMESPath ----------------------------------------------------------------------------

/// Longest expression parsed, in bytes (`jmespath-syntax`). Kyverno's longest expressions are
/// a few hundred bytes.
pub const MAX_EXPRESSION_BYTES: usize = 10_000;

/// Deepest expression tree parsed (`jmespath-syntax`): brackets, `!`, chained `.`/`|`. The
/// parser and evaluator recurse on it.
pub const MAX_EXPRESSION_NESTING: u32 = 100;

/// Step budget of one expression evaluation: node visits, elements visited and the size of the
/// values given to and returned by functions. Values share their parts, so a 40-byte
/// expression can describe an astronomically large result; the budget stops it. A million
/// steps is tens of milliseconds.
pub const MAX_EVAL_STEPS: u64 = 1_000_000;

/// Deepest recursion of the evaluator (above [`MAX_EXPRESSION_NESTING`], since `map` and
/// friends re-enter it).
pub const MAX_EVAL_DEPTH: u32 = 256;

/// Most re-scans of one string during `{{ }}` substitution: a result that contains a new
/// template is scanned again, and a self-reproducing template would loop forever.
pub const MAX_SUBSTITUTION_PASSES: usize = 64;

/// Deepest value `{{ }}` substitution walks (a pattern or a condition built from JSON data).
pub const MAX_SUBSTITUTION_DEPTH: usize = 200;

/// How deeply context entries may load one another on demand (an entry whose expression
/// refers to another entry, and so on, possibly in a cycle).
pub const MAX_CONTEXT_LOAD_DEPTH: usize = 32;

/// Largest compiled program of one regular expression (`regex_match`, `regex_replace_all`,
/// pattern values); past it the function fails with Go's `expression too large`. Kyverno's
/// patterns compile to a few kilobytes.
pub const MAX_REGEX_PROGRAM_BYTES: usize = 1024 * 1024;

/// Largest lazy-DFA cache of one regular expression; past it the regex engine falls back to a
/// slower, still linear, matcher rather than using more memory.
pub const MAX_REGEX_DFA_BYTES: usize = 2 * 1024 * 1024;

/// Largest string `replace`, `replace_all` and `regex_replace_all` may build: an empty pattern
/// matches between every two characters, so the output can be the input times the
/// replacement (a terabyte from two 1 MiB strings).
pub const MAX_BUILT_STRING_BYTES: usize = 4 * 1024 * 1024;

/// The error of a function whose result would pass [`MAX_BUILT_STRING_BYTES`].
pub fn built_string_too_large() -> String {
    format!(
        "the result would be longer than {} bytes, kyverno-ls's limit for a string a function builds",
        thousands(MAX_BUILT_STRING_BYTES as u64)
    )
}

/// Longest rendering of a pattern in an error message; huge patterns are shown cut.
pub const MAX_PATTERN_IN_MESSAGE: usize = 200;

/// Deepest JSON `parse_json` accepts: Go's `encoding/json` limit, kept for identical errors.
pub const MAX_JSON_DEPTH: usize = 10_000;

// ---- The simulator -----------------------------------------------------------------------

/// Deepest pattern (`pattern`, `anyPattern`, `foreach` patterns) the matcher walks. YAML stops
/// at [`MAX_YAML_DEPTH`], but substituted values from `parse_json` can be deeper.
pub const MAX_PATTERN_DEPTH: usize = 256;

/// Most `foreach` elements evaluated for one rule on one resource, every list and nesting
/// level together. Each element runs the rule's conditions or pattern again, so this is what
/// bounds a `foreach` over a huge list, or nested lists multiplying each other.
pub const MAX_FOREACH_ELEMENTS: usize = 10_000;

/// Largest list index a `patchesJson6902` `add` may pad a list to. Kyverno fills a list with
/// nulls up to the index a path names; `/spec/x/99999999` must not allocate that much.
pub const MAX_JSON_PATCH_INDEX: usize = 100_000;

/// Most operations of one `patchesJson6902` whose paths the checks follow through the
/// matched kinds' fields. A patch is a handful of operations; past this many the rest are not
/// checked (no diagnostic: the check only adds warnings).
pub const MAX_JSON_PATCH_OPS_CHECKED: usize = 1_000;

/// Most objects a GeneratingPolicy may create for one trigger (`generator.Apply` calls and
/// templates together). Kyverno sets no bound, but every object is kept for the comparison
/// with `generatedResource`; a comprehension calling `generator.Apply` over a huge list must
/// not fill memory. Past it the policy's response is an error.
pub const MAX_GENERATED_OBJECTS: usize = 10_000;

/// Deepest `foreach` nesting evaluated.
pub const MAX_FOREACH_NESTING: usize = 16;

/// JMESPath steps one engine run (one policy on one resource, every rule) may spend in total,
/// as `kyverno-ls test` runs it. [`MAX_EVAL_STEPS`] bounds one expression; this bounds a rule
/// that evaluates many (a `foreach` over thousands of elements).
pub const MAX_RUN_STEPS: u64 = 20_000_000;

/// Samples one file is simulated against (`too-many-samples` past it: only the first ones are
/// used). A modeline or a test manifest can name thousands of resources.
pub const MAX_SAMPLES: usize = 100;

/// (rule, sample) pairs simulated for one file (`simulation-limit` past it). Each one is a
/// full engine run; a file may hold many policies with many rules.
pub const MAX_SIMULATIONS: usize = 5_000;

/// JMESPath steps the whole simulation of one file may spend, over all its policies and
/// samples (`rule-error` on the rule that runs out, `simulation-limit` once on the file). This
/// is what keeps the per-keystroke analysis bounded whatever the policies compute.
pub const MAX_SIMULATION_STEPS: u64 = 20_000_000;

/// A count as limit messages print it: `1,000,000`.
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Folder entries one walk visits (`check` over a folder, the index of a workspace): a walk of
/// `/` or a home folder by mistake ends instead of taking minutes. The public policy library,
/// chainsaw tests included, has about 8,000 entries.
pub const MAX_WALK_ENTRIES: usize = 200_000;

/// Folders below the starting one that a walk enters: deeper trees are generated or vendored,
/// not written by hand.
pub const MAX_WALK_DEPTH: usize = 32;

/// How long `helm template` or `kustomize build` may take. Rendering a chart of policies, or
/// building an overlay of them, takes well under a second; a template that loops without end,
/// or a program that waits on something, must not keep the editor's analysis (or `check`)
/// waiting. Hitting it gives a `helm-render-failed` or `kustomize-build-failed` diagnostic.
pub const RENDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Bytes of `helm template` or `kustomize build` output read: four times the size of a file
/// analysed, since one render holds every template of a chart (every resource of an overlay).
/// Over it, `helm-render-failed` or `kustomize-build-failed`.
pub const MAX_RENDER_OUTPUT_BYTES: usize = 4 * MAX_FILE_BYTES;

/// Kustomization folders read below one another (an overlay, its base, the base's base...).
/// Real repositories nest three or four; the bound stops a chain of folders naming each other
/// in a ring the cycle check misses (through different spellings of one path). Deeper folders
/// are left out of the plan, so their findings land on the kustomization file.
pub const MAX_KUSTOMIZE_DEPTH: usize = 16;

/// Files one kustomization's plan reads (kustomizations, resources, patches). An overlay of a
/// policy library reads a few hundred; past the bound the rest is not read for placing
/// findings.
pub const MAX_KUSTOMIZE_FILES: usize = 2_000;

/// Keys and values of one rendered document that hover, inlay hints and lenses look for in
/// its Helm template. Each is followed down the template from the document's top, so the work
/// grows with their number times the template's size: a policy of 300 rules has about 5,000,
/// found in about 40 ms (release build), while one of ordinary size has a few hundred. Past
/// the bound, the rest of the document gets no hover or hint on the template (its diagnostics
/// are still placed).
pub const MAX_HELM_MAPPED_NODES: usize = 5_000;

// ---- CustomResourceDefinitions ----------------------------------------------------------

/// Deepest schema node of a workspace CRD that is read (`openAPIV3Schema` nested in
/// `properties`, `items` and `additionalProperties`). Real CRDs nest about 25 levels (Argo's
/// workflow templates); YAML's own depth limit allows about 60. Below the bound the schema is
/// free: nothing is reported there, rather than something wrong.
pub const MAX_CRD_SCHEMA_DEPTH: usize = 48;

/// Most schema nodes read from one CRD (every version counted). Large operator CRDs have
/// about 20,000; past the bound the rest of the schema is free, as past the depth bound.
pub const MAX_CRD_SCHEMA_NODES: usize = 100_000;

/// Most CRDs a workspace contributes (the files of one walk, and the analysed text's own):
/// past the bound, further kinds are unknown, and their rules are not checked.
pub const MAX_CRD_DEFINITIONS: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_separators() {
        assert_eq!(thousands(0u32), "0");
        assert_eq!(thousands(999u32), "999");
        assert_eq!(thousands(1000u32), "1,000");
        assert_eq!(thousands(20_000_000u64), "20,000,000");
    }
}
