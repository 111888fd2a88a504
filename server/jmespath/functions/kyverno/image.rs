//! `image_normalize(ref)`: Kyverno's `GetImageInfo(...).String()` with the CLI's default
//! configuration (default registry `docker.io`, registry mutation on). The reference grammar is
//! distribution/reference's; a digest wins over a tag; no `library/` is inserted.

use super::arg_str;
use super::strings::go_to_lower;
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;
use std::sync::LazyLock;

const DEFAULT_REGISTRY: &str = "docker.io";

const ALPHANUMERIC: &str = "[a-z0-9]+";
const SEPARATOR: &str = "(?:[._]|__|[-]+)";
const DOMAIN_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IPV6: &str = r"\[(?:[a-fA-F0-9:]+)\]";
const TAG: &str = r"[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
const DIGEST: &str = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";

fn path_component() -> String {
    format!("{ALPHANUMERIC}(?:{SEPARATOR}{ALPHANUMERIC})*")
}

fn domain_and_port() -> String {
    let domain_name = format!(r"{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})*");
    format!("(?:{domain_name}|{IPV6})(?::[0-9]+)?")
}

fn remote_name() -> String {
    let pc = path_component();
    format!("{pc}(?:/{pc})*")
}

static REFERENCE: LazyLock<regex::Regex> = LazyLock::new(|| {
    let name = format!("(?:{}/)?{}", domain_and_port(), remote_name());
    regex::Regex::new(&format!("^({name})(?::({TAG}))?(?:@({DIGEST}))?$"))
        .expect("reference grammar compiles")
});

static ANCHORED_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(&format!(
        "^(?:({})/)?({})$",
        domain_and_port(),
        remote_name()
    ))
    .expect("name grammar compiles")
});

/// go-digest's `Digest.Validate`.
fn validate_digest(d: &str) -> Result<(), &'static str> {
    const INVALID_FORMAT: &str = "invalid checksum digest format";
    let Some(i) = d.find(':').filter(|&i| i > 0 && i + 1 < d.len()) else {
        return Err(INVALID_FORMAT);
    };
    let (alg, encoded) = (&d[..i], &d[i + 1..]);
    let size = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => return Err("unsupported digest algorithm"),
    };
    if encoded.len() != size * 2 {
        return Err("invalid checksum digest length");
    }
    if !encoded
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    {
        return Err(INVALID_FORMAT);
    }
    Ok(())
}

/// Kyverno's `addDefaultRegistry`: prefix `docker.io/` unless the first path segment looks like
/// a registry (contains `.` or `:`, is `localhost`, or is not all lowercase).
fn add_default_registry(name: &str) -> String {
    match name.find('/') {
        Some(i) => {
            let first = &name[..i];
            if !first.contains(['.', ':']) && first != "localhost" && go_to_lower(first) == first {
                format!("{DEFAULT_REGISTRY}/{name}")
            } else {
                name.to_string()
            }
        }
        None => format!("{DEFAULT_REGISTRY}/{name}"),
    }
}

/// Domain, path, tag and digest of a reference.
type Reference = (String, String, Option<String>, Option<String>);

/// distribution/reference `Parse`, reduced to what `String()` needs.
fn parse_reference(s: &str) -> Result<Reference, &'static str> {
    let Some(caps) = REFERENCE.captures(s) else {
        if s.is_empty() {
            return Err("repository name must have at least one component");
        }
        if REFERENCE.is_match(&go_to_lower(s)) {
            return Err("repository name must be lowercase");
        }
        return Err("invalid reference format");
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    let (domain, path) = match ANCHORED_NAME.captures(name) {
        Some(n) => (
            n.get(1).map_or("", |m| m.as_str()).to_string(),
            n.get(2).map_or("", |m| m.as_str()).to_string(),
        ),
        None => (String::new(), name.to_string()),
    };
    if path.len() > 255 {
        return Err("repository name must not be more than 255 characters");
    }
    let tag = caps.get(2).map(|m| m.as_str().to_string());
    let digest = caps.get(3).map(|m| m.as_str().to_string());
    if let Some(d) = &digest {
        validate_digest(d)?;
    }
    Ok((domain, path, tag, digest))
}

pub fn normalize(image: &str) -> Result<String, String> {
    let full = add_default_registry(image);
    let (domain, path, tag, digest) = parse_reference(&full).map_err(|e| {
        format!(
            "bad image: {full}, defaultRegistry: {DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: {e}"
        )
    })?;
    let base = if domain.is_empty() {
        path
    } else {
        format!("{domain}/{path}")
    };
    Ok(match digest {
        Some(d) => format!("{base}@{d}"),
        None => format!("{base}:{}", tag.unwrap_or_else(|| "latest".into())),
    })
}

pub fn image_normalize(args: &[Value], _: &Env) -> Result<Value, String> {
    Ok(Value::from(normalize(arg_str(args, 0)?)?))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};
    use super::*;

    fn norm(s: &str) -> Value {
        ok("image_normalize", &[Value::from(s)])
    }

    #[test]
    fn kyverno_cases() {
        assert_eq!(norm("nginx"), Value::from("docker.io/nginx:latest"));
        assert_eq!(
            norm("docker.io/nginx"),
            Value::from("docker.io/nginx:latest")
        );
        assert_eq!(
            norm("docker.io/library/nginx"),
            Value::from("docker.io/library/nginx:latest")
        );
        assert_eq!(
            norm("ghcr.io/library/nginx"),
            Value::from("ghcr.io/library/nginx:latest")
        );
        assert_eq!(norm("ghcr.io/nginx"), Value::from("ghcr.io/nginx:latest"));
        assert_eq!(
            norm("ghcr.io/nginx:latest"),
            Value::from("ghcr.io/nginx:latest")
        );
        assert_eq!(norm("ghcr.io/nginx:1.2"), Value::from("ghcr.io/nginx:1.2"));
        assert_eq!(
            err("image_normalize", &[Value::from("")]),
            "bad image: docker.io/, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: invalid reference format"
        );
    }

    #[test]
    fn registries_tags_digests() {
        let d = "sha256:4c5e5d8d8a7e6ea1b5e3e5f1d5fcd5a6dca5b8ccd1d1b6d9c9bd1fcb3ab8eadf";
        assert_eq!(
            norm(&format!("nginx@{d}")),
            Value::from(format!("docker.io/nginx@{d}"))
        );
        assert_eq!(
            norm(&format!("nginx:1.25@{d}")),
            Value::from(format!("docker.io/nginx@{d}"))
        );
        assert_eq!(
            norm("bitnami/nginx:1.25"),
            Value::from("docker.io/bitnami/nginx:1.25")
        );
        assert_eq!(norm("localhost/app"), Value::from("localhost/app:latest"));
        assert_eq!(
            norm("localhost:5000/app:v1"),
            Value::from("localhost:5000/app:v1")
        );
        assert_eq!(
            norm("registry.k8s.io/pause:3.9"),
            Value::from("registry.k8s.io/pause:3.9")
        );
        assert_eq!(norm("[::1]:5000/app"), Value::from("[::1]:5000/app:latest"));
        assert_eq!(norm("a/b/c/d"), Value::from("docker.io/a/b/c/d:latest"));
        // An uppercase first segment is taken for a registry.
        assert_eq!(norm("MyReg/app"), Value::from("MyReg/app:latest"));
    }

    #[test]
    fn errors() {
        let e = |s: &str| err("image_normalize", &[Value::from(s)]);
        assert!(e("Nginx").ends_with(": repository name must be lowercase"));
        assert!(e("nginx:").ends_with(": invalid reference format"));
        assert!(e("nginx@sha256:abc").ends_with(": invalid reference format"));
        assert!(
            e(&format!("nginx@sha256:{}", "a".repeat(40)))
                .ends_with(": invalid checksum digest length")
        );
        assert!(
            e(&format!("nginx@md5:{}", "a".repeat(32))).ends_with(": unsupported digest algorithm")
        );
        assert!(
            e(&format!("nginx@sha256:{}", "A".repeat(64)))
                .ends_with(": invalid checksum digest format")
        );
        assert!(
            e(&"a".repeat(300)).ends_with(": repository name must not be more than 255 characters")
        );
        assert!(e("nginx latest").ends_with(": invalid reference format"));
    }
}
