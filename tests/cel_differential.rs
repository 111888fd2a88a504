//! Differential test of our CEL evaluator against Google's cel-cpp (PyPI's cel-expr-python).
//! `scripts/cel_differential.py` generates expressions from a seed and answers each with the
//! oracle; this test evaluates the same expressions with our evaluator and compares: values
//! exactly (type and value, doubles bit for bit with every NaN alike, maps in any order),
//! errors as "both fail". Where cel-go (what Kubernetes runs, so what we follow) and cel-cpp
//! differ, `tests/cel-differential-known.txt` says so with the reason; the test fails on any
//! other disagreement, and, at the default seed and count, on a listed difference no
//! expression shows any more, so the list stays honest.
//!
//! Without Python or cel-expr-python the test passes with a `skipped:` line, so that a plain
//! `cargo test` works anywhere; `KYVERNO_LS_REQUIRE_ORACLE=1` (CI sets it) makes that a
//! failure. `KYVERNO_LS_CEL_DIFF_SEED`, `KYVERNO_LS_CEL_DIFF_COUNT` and
//! `KYVERNO_LS_CEL_DIFF_DEPTH` try other seeds, sizes and nestings; `KYVERNO_LS_PYTHON` names
//! the interpreter (default `python3`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;

use kyverno_ls::cel::{self, Bindings, Env, Key, Program, Value};
use serde_json::Value as J;

const DEFAULT_SEED: u64 = 1;
const DEFAULT_COUNT: usize = 4000;
const DEFAULT_DEPTH: u32 = 3;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The oracle's JSON lines, or `None` when the oracle is absent and the test may skip.
fn oracle_lines(seed: u64, count: usize, depth: u32) -> Option<String> {
    let python = std::env::var("KYVERNO_LS_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cel_differential.py");
    let out = Command::new(&python)
        .arg(script)
        .args(["--seed", &seed.to_string(), "--count", &count.to_string()])
        .args(["--depth", &depth.to_string()])
        .output();
    let missing = match &out {
        Err(e) => Some(format!("{python} does not run ({e})")),
        Ok(o) if o.status.code() == Some(3) => Some("cel-expr-python is not installed".into()),
        Ok(_) => None,
    };
    if let Some(why) = missing {
        if std::env::var("KYVERNO_LS_REQUIRE_ORACLE").is_ok_and(|v| v == "1") {
            panic!(
                "the CEL differential test needs its oracle: {why} (KYVERNO_LS_REQUIRE_ORACLE=1 \
                 forbids skipping); pip install cel-expr-python"
            );
        }
        let line = format!(
            "skipped: the CEL differential test needs its oracle: {why}; pip install \
             cel-expr-python"
        );
        // Both streams: runners differ in which one they show for a passing test.
        eprintln!("{line}");
        println!("{line}");
        return None;
    }
    let out = out.expect("checked above");
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("the script writes UTF-8"))
}

/// A listed difference, with the reason. A disagreement is excused when every piece of
/// `needle` (joined by ` && `, so that a difference can be pinned down narrowly) is found. A
/// piece is looked for in the expression, in cel-cpp's encoded answer and in ours (a value as
/// we print it, or our error), or only in one of them with an `expr:`, `cel-cpp:` or `ours:`
/// prefix; after that prefix, `re:` makes it a regular expression rather than plain text.
struct Known {
    needle: String,
    pieces: Vec<Piece>,
    reason: String,
    seen: usize,
}

struct Piece {
    /// 0: the expression, 1: cel-cpp's answer, 2: ours; `None`: any of them.
    place: Option<usize>,
    pattern: Pattern,
}

enum Pattern {
    Text(String),
    Regex(regex::Regex),
}

impl Piece {
    fn parse(text: &str) -> Piece {
        let (place, rest) = [("expr:", 0), ("cel-cpp:", 1), ("ours:", 2)]
            .iter()
            .find_map(|(p, i)| text.strip_prefix(p).map(|r| (Some(*i), r)))
            .unwrap_or((None, text));
        let pattern = match rest.strip_prefix("re:") {
            Some(re) => Pattern::Regex(
                regex::Regex::new(re).unwrap_or_else(|e| panic!("known difference {text}: {e}")),
            ),
            None => Pattern::Text(rest.to_string()),
        };
        Piece { place, pattern }
    }

    fn found(&self, texts: [&str; 3]) -> bool {
        texts
            .iter()
            .enumerate()
            .filter(|(i, _)| self.place.is_none_or(|p| p == *i))
            .any(|(_, t)| match &self.pattern {
                Pattern::Text(s) => t.contains(s.as_str()),
                Pattern::Regex(r) => r.is_match(t),
            })
    }
}

fn read_known() -> Vec<Known> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cel-differential-known.txt"
    );
    let text = std::fs::read_to_string(path).expect("tests/cel-differential-known.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (needle, reason) = l
                .split_once(" | ")
                .unwrap_or_else(|| panic!("known difference without ' | reason': {l}"));
            let needle = needle.trim().to_string();
            Known {
                pieces: needle.split(" && ").map(Piece::parse).collect(),
                needle,
                reason: reason.trim().to_string(),
                seen: 0,
            }
        })
        .collect()
}

fn evaluate(expr: &str) -> Result<Value, String> {
    let (ast, errors) = cel::parse(expr);
    let Some(ast) = ast.filter(|_| errors.is_empty()) else {
        return Err(format!("syntax error: {errors:?}"));
    };
    let mut env = Env::fixed();
    // Generated expressions are small; the limit is not what is being compared.
    env.cost_limit = None;
    // Kyverno's orValue compatibility is not in cel-go or cel-cpp (see the script).
    env.or_value_compat = false;
    Program::new(ast)
        .eval(&Bindings::new(), &env)
        .map_err(|e| e.message)
}

fn text(j: &J) -> &str {
    j.as_str().unwrap_or_default()
}

/// Compares our value with the oracle's encoded one; `Err` says how they differ.
fn same(ours: &Value, oracle: &J) -> Result<(), String> {
    let tag = text(&oracle[0]);
    let ok = match (tag, ours) {
        ("null", Value::Null) => true,
        ("bool", Value::Bool(b)) => oracle[1].as_bool() == Some(*b),
        ("int", Value::Int(i)) => text(&oracle[1]) == i.to_string(),
        ("uint", Value::Uint(u)) => text(&oracle[1]) == u.to_string(),
        ("double", Value::Double(d)) => {
            let bits = u64::from_str_radix(text(&oracle[1]), 16).expect("double bits");
            let theirs = f64::from_bits(bits);
            d.to_bits() == bits || (d.is_nan() && theirs.is_nan())
        }
        ("string", Value::String(s)) => text(&oracle[1]) == &**s,
        ("bytes", Value::Bytes(b)) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            text(&oracle[1]) == hex
        }
        ("timestamp", Value::Timestamp(t)) => {
            oracle[1].as_i64() == Some(t.timestamp())
                && oracle[2].as_u64() == Some(u64::from(t.timestamp_subsec_nanos()))
        }
        ("duration", Value::Duration(n)) => text(&oracle[1]) == n.to_string(),
        ("type", Value::Type(name)) => text(&oracle[1]) == &**name,
        ("optional", Value::Optional(None)) => oracle.get(1).is_none(),
        ("optional", Value::Optional(Some(v))) => match oracle.get(1) {
            Some(inner) => return same(v, inner).map_err(|e| format!("in the optional: {e}")),
            None => false,
        },
        ("list", Value::List(items)) => {
            let theirs = oracle[1].as_array().expect("list items");
            if theirs.len() != items.len() {
                return Err(format!(
                    "{} items, cel-cpp has {}",
                    items.len(),
                    theirs.len()
                ));
            }
            for (i, (a, b)) in items.iter().zip(theirs).enumerate() {
                same(a, b).map_err(|e| format!("item {i}: {e}"))?;
            }
            true
        }
        ("map", Value::Map(m)) => {
            let theirs = oracle[1].as_array().expect("map entries");
            if theirs.len() != m.len() {
                return Err(format!("{} entries, cel-cpp has {}", m.len(), theirs.len()));
            }
            for entry in theirs {
                let (k, v) = (&entry[0], &entry[1]);
                let key = match text(&k[0]) {
                    "bool" => Key::Bool(k[1].as_bool().expect("bool key")),
                    "string" => Key::String(text(&k[1]).into()),
                    // The binding does not say int or uint; either type of key matches.
                    "intkey" => {
                        let n: i128 = text(&k[1]).parse().expect("int key");
                        match i64::try_from(n) {
                            Ok(i) => Key::Int(i),
                            Err(_) => Key::Uint(u64::try_from(n).expect("uint key")),
                        }
                    }
                    other => panic!("unexpected key encoding {other}"),
                };
                let Some((ours_key, ours_v)) = m.get_key_value(&key) else {
                    return Err(format!("no key {k}"));
                };
                let same_kind = matches!(
                    (ours_key, &key),
                    (Key::Bool(_), Key::Bool(_))
                        | (Key::String(_), Key::String(_))
                        | (Key::Int(_) | Key::Uint(_), Key::Int(_) | Key::Uint(_))
                );
                if !same_kind {
                    return Err(format!("key {k} has another type here"));
                }
                same(ours_v, v).map_err(|e| format!("at key {k}: {e}"))?;
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "we give {ours} ({}), cel-cpp {oracle}",
            ours.type_name()
        ))
    }
}

/// cel-cpp's answer with its bytes as text, so that the known differences can be written once
/// for strings and for bytes made from them.
fn readable(oracle: &J) -> J {
    match oracle {
        J::Array(items) if items.first().is_some_and(|t| t == "bytes") => {
            let hex = text(&items[1]);
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                .collect();
            J::from(vec![
                J::from("bytes"),
                J::from(String::from_utf8_lossy(&bytes).into_owned()),
            ])
        }
        J::Array(items) => J::Array(items.iter().map(readable).collect()),
        other => other.clone(),
    }
}

#[test]
fn cel_evaluator_agrees_with_cel_cpp() {
    let seed = env_or("KYVERNO_LS_CEL_DIFF_SEED", DEFAULT_SEED);
    let count = env_or("KYVERNO_LS_CEL_DIFF_COUNT", DEFAULT_COUNT);
    let depth = env_or("KYVERNO_LS_CEL_DIFF_DEPTH", DEFAULT_DEPTH);
    let Some(lines) = oracle_lines(seed, count, depth) else {
        return;
    };
    let mut known = read_known();
    let mut compared = 0;
    let mut excused = 0;
    let mut disagreements = Vec::new();
    for line in lines.lines() {
        let row: J = serde_json::from_str(line).expect("a JSON line");
        let expr = text(&row["expr"]).to_string();
        let oracle = &row["oracle"];
        compared += 1;
        let ours = catch_unwind(AssertUnwindSafe(|| evaluate(&expr)))
            .unwrap_or_else(|_| Err("PANIC".to_string()));
        let verdict = match (&ours, text(&oracle[0])) {
            (Err(e), _) if e == "PANIC" => Err("our evaluator panics".to_string()),
            (Err(_), "error") => Ok(()),
            (Err(e), _) => Err(format!("we fail ({e}), cel-cpp gives {oracle}")),
            (Ok(v), "error") => Err(format!("we give {v}, cel-cpp fails ({})", oracle[1])),
            (Ok(v), _) => same(v, oracle),
        };
        let Err(how) = verdict else { continue };
        let ours_text = match &ours {
            Ok(v) => v.to_string(),
            Err(e) => e.clone(),
        };
        let oracle_text = readable(oracle).to_string();
        let texts = [expr.as_str(), oracle_text.as_str(), ours_text.as_str()];
        if let Some(k) = known
            .iter_mut()
            .find(|k| k.pieces.iter().all(|p| p.found(texts)))
        {
            k.seen += 1;
            excused += 1;
            continue;
        }
        disagreements.push(format!("{expr}\n    {how}"));
    }
    println!(
        "cel differential (seed {seed}): {compared} expressions, {} disagreements, {excused} \
         known differences",
        disagreements.len()
    );
    for k in &known {
        println!(
            "  known ({} expressions): {} | {}",
            k.seen, k.needle, k.reason
        );
    }
    assert!(
        compared >= count,
        "the oracle answered {compared} expressions of {count}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements with cel-cpp (seed {seed}):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    if seed == DEFAULT_SEED && count == DEFAULT_COUNT && depth == DEFAULT_DEPTH {
        let stale: Vec<&str> = known
            .iter()
            .filter(|k| k.seen == 0)
            .map(|k| k.needle.as_str())
            .collect();
        assert!(
            stale.is_empty(),
            "listed differences no expression shows any more: {stale:?}"
        );
    }
}
