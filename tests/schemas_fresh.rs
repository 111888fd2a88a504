//! The JSON Schemas checked into `schemas/` must match the ones generated from the policy model.

use kyverno_ls::policy::all_schemas;

#[test]
fn checked_in_schemas_are_fresh() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    let mut stale = Vec::new();
    for (name, schema) in all_schemas() {
        let expected = serde_json::to_string_pretty(&schema).expect("schema serializes") + "\n";
        let path = format!("{dir}/{name}");
        match std::fs::read_to_string(&path) {
            Ok(actual) if actual == expected => {}
            Ok(_) => stale.push(format!("schemas/{name} is out of date")),
            Err(e) => stale.push(format!("schemas/{name} cannot be read: {e}")),
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nThe policy model changed: run `cargo run -- schema --out schemas/` and commit the result.",
        stale.join("\n")
    );
}
