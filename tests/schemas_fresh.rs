//! The JSON Schemas checked into `schemas/` must match the ones generated from the policy model.

use kyverno_ls::policy::all_schemas;

#[test]
fn checked_in_schemas_are_fresh() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    let mut stale = Vec::new();
    let mut schemas = all_schemas();
    schemas.push((
        kyverno_ls::cli::CONFIG_SCHEMA.to_string(),
        kyverno_ls::host::config::json_schema(),
    ));
    for (name, schema) in schemas {
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

/// The configuration file's fields documented in the README are the schema's, no more, no less.
#[test]
fn the_configuration_file_is_documented() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("\n### Configuration file")
        .nth(1)
        .expect("the README documents the configuration file");
    let documented: Vec<&str> = section
        .lines()
        .take_while(|l| !l.starts_with("#"))
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    let schema = kyverno_ls::host::config::json_schema();
    let mut fields: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    let mut sorted = documented.clone();
    sorted.sort();
    assert_eq!(sorted, fields);
}
