//! `kyverno-ls migrate`: ClusterPolicy and Policy validate rules rewritten as
//! ValidatingPolicies, with the proof that they decide alike (`crate::migrate`).

use std::path::PathBuf;

use crate::migrate::{self, proof};
use crate::testing;

pub struct MigrateOptions {
    pub write: bool,
    pub check: bool,
    pub paths: Vec<PathBuf>,
}

impl MigrateOptions {
    pub fn parse(args: &[String]) -> Result<MigrateOptions, String> {
        let mut opts = MigrateOptions {
            write: false,
            check: false,
            paths: Vec::new(),
        };
        for a in args {
            match a.as_str() {
                "--write" => opts.write = true,
                "--check" => opts.check = true,
                s if s.starts_with('-') => return Err(format!("unknown option `{s}`")),
                s => opts.paths.push(PathBuf::from(s)),
            }
        }
        if opts.paths.is_empty() {
            return Err("migrate needs a policy file".into());
        }
        Ok(opts)
    }
}

pub fn run(
    opts: &MigrateOptions,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    let files = crate::vfs::FsFiles::anywhere();
    let env = super::eval::system_env();
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut failed = false;
    let mut first = true;
    for path in &opts.paths {
        let text = match crate::vfs::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        };
        let shown = path.display().to_string();
        let analysis = crate::analysis::analyze(&text);
        let migration = migrate::migrate(&text, &analysis);
        for r in &migration.refused {
            let at = crate::text::LineIndex::new(&text).position_utf16(&text, r.span.start);
            let (line, col) = (at.line, at.character);
            let rule = if r.rule.is_empty() {
                String::new()
            } else {
                format!(", rule `{}`", r.rule)
            };
            let place = if r.place.is_empty() {
                String::new()
            } else {
                format!(" at `{}`", r.place)
            };
            let _ = writeln!(
                err,
                "{shown}:{}:{}: not migrated: policy `{}`{rule}{place}: {}",
                line + 1,
                col + 1,
                r.policy,
                r.reason
            );
        }
        if migration.migrated.is_empty() {
            continue;
        }
        for m in &migration.migrated {
            let kind = m.document["kind"].as_str().unwrap_or_default();
            let _ = writeln!(
                err,
                "{shown}: policy `{}`, rule `{}` → {kind} `{}`",
                m.policy, m.rule, m.name
            );
            for n in &m.notes {
                let _ = writeln!(err, "  note: {n}");
            }
        }
        let absolute = crate::samples::discover::normalize(&cwd.join(path));
        let options = testing::Options {
            compat: false,
            roots: Vec::new(),
            per_manifest: true,
            rendering: None,
        };
        let proof = proof::prove_file(&files, &absolute, &analysis, &migration, &options, &env);
        report_proof(&proof, &cwd, err);
        let mut yaml = migration.yaml();
        if !proof.holds() {
            // A translation that decides otherwise is worse than none: never written, and
            // printed only for review.
            failed |= opts.check;
            let _ = writeln!(
                err,
                "{shown}: not migrated: the proof found differences; the result is printed for review only"
            );
            if opts.write {
                continue;
            }
            yaml = format!("{}{yaml}", proof::DIFFERS);
        }
        if opts.write {
            let target = proof::migrated_path(path);
            if let Err(e) = std::fs::write(&target, &yaml) {
                let _ = writeln!(err, "error: cannot write {}: {e}", target.display());
                return 2;
            }
            let _ = writeln!(err, "wrote {}", target.display());
            for m in &proof.manifests {
                if let Err(e) = std::fs::write(&m.migrated_manifest, &m.text) {
                    let _ = writeln!(
                        err,
                        "error: cannot write {}: {e}",
                        m.migrated_manifest.display()
                    );
                    return 2;
                }
                let _ = writeln!(err, "wrote {}", relative(&m.migrated_manifest, &cwd));
            }
        } else {
            if !first {
                let _ = writeln!(out, "---");
            }
            first = false;
            let _ = write!(out, "{yaml}");
        }
    }
    i32::from(failed)
}

fn relative(p: &std::path::Path, cwd: &std::path::Path) -> String {
    p.strip_prefix(cwd).unwrap_or(p).display().to_string()
}

fn report_proof(proof: &proof::FileProof, cwd: &std::path::Path, err: &mut dyn std::io::Write) {
    if proof.differences.is_empty() {
        let _ = writeln!(
            err,
            "proof: {} sample resources give the same verdicts before and after",
            proof.samples
        );
    } else {
        for (name, d) in &proof.differences {
            let _ = writeln!(
                err,
                "proof: `{name}` differs on {}: {} before, {} after{}",
                d.resource,
                d.before,
                d.after,
                if d.same_decision() {
                    " (the same admission decision)"
                } else {
                    ""
                }
            );
        }
    }
    for m in &proof.manifests {
        let _ = writeln!(
            err,
            "proof: {} migrated as {}: {}/{} rows pass (the original: {}/{})",
            relative(&m.manifest, cwd),
            relative(&m.migrated_manifest, cwd),
            m.passed,
            m.rows,
            m.original_passed,
            m.rows
        );
        for r in &m.failures {
            let _ = writeln!(
                err,
                "  row {} {}: expected {}, got {}",
                r.kind, r.resource, r.expected, r.actual
            );
        }
    }
    for (manifest, e) in &proof.manifest_errors {
        let _ = writeln!(err, "proof: {}: {e}", relative(manifest, cwd));
    }
}
