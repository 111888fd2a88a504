//! Kyverno's value libraries (cel.md §2.4): image references, `json`, `yaml`, hashes,
//! `math.round(double, int)`, `random`, `time`, `listObjToMap`, `parseServiceAccount` and
//! `x509.decode`. Where the JMESPath side already reproduces the same Go behaviour (hashes,
//! JSON and YAML decoding, regex-driven random strings, X.509), these functions call it.
//!
//! `gzip.compress`/`gzip.decompress` are not here: their output is Go's DEFLATE stream byte for
//! byte, which needs a compressor we do not have.

use std::any::Any;
use std::sync::Arc;

use chrono::{Datelike, Timelike};

use super::{Ctx, FunctionSpec, Out, Ty, global, member, str_arg};
use crate::cel::value::{Key, Map, Opaque, Value};
use crate::jmespath::Value as Json;
use crate::jmespath::functions::kyverno::{encoding, misc, x509};

/// The type name of a parsed image reference.
pub const IMAGE: &str = "kyverno.image";

const S: Ty = Ty::String;
const D: Ty = Ty::Dyn;
const IM: Ty = Ty::Opaque(IMAGE);

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "parseImageReference",
        doc: "Parses an image reference the way go-containerregistry does (Docker Hub is index.docker.io, a bare name gets library/, the tag defaults to latest); an invalid reference is an error.",
        overloads: &[global(&[S], IM, parse_image)],
    },
    FunctionSpec {
        name: "image",
        doc: "Deprecated name of parseImageReference.",
        overloads: &[global(&[S], IM, parse_image)],
    },
    FunctionSpec {
        name: "isImage",
        doc: "Whether the string parses as an image reference.",
        overloads: &[global(&[S], Ty::Bool, is_image)],
    },
    FunctionSpec {
        name: "registry",
        doc: "The image's registry: index.docker.io for Docker Hub.",
        overloads: &[member(&[IM], S, registry)],
    },
    FunctionSpec {
        name: "repository",
        doc: "The image's repository, e.g. library/nginx.",
        overloads: &[member(&[IM], S, repository)],
    },
    FunctionSpec {
        name: "identifier",
        doc: "The tag, or the digest of a digest reference (tag@digest when both are written).",
        overloads: &[member(&[IM], S, identifier)],
    },
    FunctionSpec {
        name: "tag",
        doc: "The tag (latest when none is written; \"\" for a digest reference without one).",
        overloads: &[member(&[IM], S, tag)],
    },
    FunctionSpec {
        name: "digest",
        doc: "The digest of a digest reference, else \"\".",
        overloads: &[member(&[IM], S, digest)],
    },
    FunctionSpec {
        name: "containsDigest",
        doc: "Whether the reference carries a digest.",
        overloads: &[member(&[IM], Ty::Bool, contains_digest)],
    },
    FunctionSpec {
        name: "json.unmarshal",
        doc: "Decodes a JSON text; numbers become doubles, as Go decodes them.",
        overloads: &[global(&[S], D, json_unmarshal)],
    },
    FunctionSpec {
        name: "json.marshal",
        doc: "Encodes a value as JSON the way Go does: map keys sorted, <, > and & escaped.",
        overloads: &[global(&[D], S, json_marshal)],
    },
    FunctionSpec {
        name: "yaml.parse",
        doc: "Decodes the first YAML document, with Kubernetes' YAML 1.1 scalars; numbers become doubles.",
        overloads: &[global(&[S], D, yaml_parse)],
    },
    FunctionSpec {
        name: "sha1",
        doc: "The SHA-1 of the string, as lowercase hex.",
        overloads: &[global(&[S], S, sha1)],
    },
    FunctionSpec {
        name: "hash.sha1",
        doc: "The SHA-1 of the string, as lowercase hex.",
        overloads: &[global(&[S], S, sha1)],
    },
    FunctionSpec {
        name: "sha256",
        doc: "The SHA-256 of the string, as lowercase hex.",
        overloads: &[global(&[S], S, sha256)],
    },
    FunctionSpec {
        name: "hash.sha256",
        doc: "The SHA-256 of the string, as lowercase hex.",
        overloads: &[global(&[S], S, sha256)],
    },
    FunctionSpec {
        name: "md5",
        doc: "The MD5 of the string, as lowercase hex.",
        overloads: &[global(&[S], S, md5)],
    },
    FunctionSpec {
        name: "hash.md5",
        doc: "The MD5 of the string, as lowercase hex.",
        overloads: &[global(&[S], S, md5)],
    },
    FunctionSpec {
        name: "math.round",
        doc: "math.round(value, digits): rounded to that many decimal places, halves away from zero.",
        overloads: &[global(&[Ty::Double, Ty::Int], Ty::Double, round_to)],
    },
    FunctionSpec {
        name: "random",
        doc: "A random string: eight characters of [0-9a-z], or one matching the given pattern. The simulator draws from a fixed seed, so results repeat.",
        overloads: &[global(&[], S, random), global(&[S], S, random)],
    },
    FunctionSpec {
        name: "random.random",
        doc: "Same as random.",
        overloads: &[global(&[], S, random), global(&[S], S, random)],
    },
    FunctionSpec {
        name: "time.now",
        doc: "The current time (the simulator's clock).",
        overloads: &[global(&[], Ty::Timestamp, now)],
    },
    FunctionSpec {
        name: "time.truncate",
        doc: "The timestamp rounded down to a multiple of the duration (counted from year 1, as Go does); unchanged for a duration of zero or less.",
        overloads: &[global(
            &[Ty::Timestamp, Ty::Duration],
            Ty::Timestamp,
            truncate,
        )],
    },
    FunctionSpec {
        name: "time.toCron",
        doc: "The timestamp as a cron schedule in UTC: \"minute hour day month weekday\" (Sunday is 0).",
        overloads: &[global(&[Ty::Timestamp], S, to_cron)],
    },
    FunctionSpec {
        name: "listObjToMap",
        doc: "listObjToMap(keys, values, keyField, valueField): a map from keys[i][keyField] to values[i][valueField]; the lists must be as long as each other.",
        overloads: &[global(
            &[Ty::List, Ty::List, S, S],
            Ty::Map,
            list_obj_to_map,
        )],
    },
    FunctionSpec {
        name: "transform.listObjToMap",
        doc: "Same as listObjToMap.",
        overloads: &[global(
            &[Ty::List, Ty::List, S, S],
            Ty::Map,
            list_obj_to_map,
        )],
    },
    FunctionSpec {
        name: "parseServiceAccount",
        doc: "The namespace and name of a `system:serviceaccount:<namespace>:<name>` user name; both empty for any other user.",
        overloads: &[global(&[S], Ty::Map, parse_service_account)],
    },
    FunctionSpec {
        name: "user.parseServiceAccount",
        doc: "Same as parseServiceAccount.",
        overloads: &[global(&[S], Ty::Map, parse_service_account)],
    },
    FunctionSpec {
        name: "x509.decode",
        doc: "The fields of a PEM certificate or certificate request (RSA keys only).",
        overloads: &[global(&[S], D, x509_decode)],
    },
];

// Image references, as go-containerregistry's `name.ParseReference` reads them.

const DEFAULT_REGISTRY: &str = "index.docker.io";
const REPOSITORY_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-./";

/// A parsed reference: a tag reference, or a digest reference (which may also have had a
/// tag written, kept only in `original`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub original: String,
    pub registry: String,
    pub repository: String,
    /// The tag of a tag reference.
    pub tag: Option<String>,
    /// The digest of a digest reference (`sha256:…`).
    pub digest: Option<String>,
}

impl Opaque for ImageRef {
    fn type_name(&self) -> &str {
        IMAGE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<ImageRef>().is_some_and(|o| {
            o.registry == self.registry
                && o.repository == self.repository
                && o.tag == self.tag
                && o.digest == self.digest
        })
    }
    fn to_json(&self) -> Json {
        Json::string(self.original.as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn split_repository(name: &str) -> Option<(String, String)> {
    if name.is_empty() {
        return None;
    }
    let (mut registry, mut repo) = ("", name);
    if let Some((first, rest)) = name.split_once('/') {
        if first.contains(['.', ':']) {
            (registry, repo) = (first, rest);
        }
    }
    if !(2..=255).contains(&repo.len()) || !repo.chars().all(|c| REPOSITORY_CHARS.contains(c)) {
        return None;
    }
    // A registry must read as a URL host (`url.Parse("//" + registry)`); these never do.
    if registry.contains(['/', '?', '#', '@', ' ', '%']) {
        return None;
    }
    let registry = match registry {
        "" | "docker.io" => DEFAULT_REGISTRY,
        r => r,
    };
    let repo = if registry == DEFAULT_REGISTRY && !repo.contains('/') {
        format!("library/{repo}")
    } else {
        repo.to_string()
    };
    Some((registry.to_string(), repo))
}

fn parse_tag(s: &str) -> Option<ImageRef> {
    let (mut base, mut tag) = (s, "");
    if let Some((b, t)) = s.rsplit_once(':') {
        if !t.contains('/') {
            (base, tag) = (b, t);
        }
    }
    if !tag.is_empty()
        && (tag.len() > 128
            || !tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return None;
    }
    let (registry, repository) = split_repository(base)?;
    Some(ImageRef {
        original: s.to_string(),
        registry,
        repository,
        tag: Some(if tag.is_empty() { "latest" } else { tag }.to_string()),
        digest: None,
    })
}

fn parse_digest(s: &str) -> Option<ImageRef> {
    let mut parts = s.split('@');
    let (base, dig) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let hex = dig.strip_prefix("sha256:")?;
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    // A tag written before the digest is dropped from the repository.
    let (registry, repository) = match parse_tag(base) {
        Some(t) => (t.registry, t.repository),
        None => split_repository(base)?,
    };
    Some(ImageRef {
        original: s.to_string(),
        registry,
        repository,
        tag: None,
        digest: Some(dig.to_string()),
    })
}

/// `name.ParseReference`: a tag reference if it reads as one, else a digest reference.
pub fn parse_reference(s: &str) -> Result<ImageRef, String> {
    parse_tag(s)
        .or_else(|| parse_digest(s))
        .ok_or_else(|| format!("could not parse reference: {s}"))
}

fn parse_image(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Opaque(Arc::new(parse_reference(str_arg(&args[0]))?)))
}

fn is_image(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(parse_reference(str_arg(&args[0])).is_ok()))
}

fn image_ref(v: &Value) -> Result<&ImageRef, String> {
    match v {
        Value::Opaque(o) => o.as_any().downcast_ref::<ImageRef>(),
        _ => None,
    }
    .ok_or_else(|| "no such overload".to_string())
}

/// The tag written before the digest of `repo:tag@digest` (a `:` before the last `/` is a
/// registry port, not a tag).
fn tag_before_digest(original: &str) -> &str {
    let Some(at) = original.find('@') else {
        return "";
    };
    let before = &original[..at];
    let slash = before.rfind('/');
    match before.rfind(':') {
        Some(colon) if slash.is_none_or(|s| colon > s) => &before[colon + 1..],
        _ => "",
    }
}

fn registry(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(image_ref(&args[0])?.registry.as_str()))
}

fn repository(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(image_ref(&args[0])?.repository.as_str()))
}

fn identifier(args: &[Value], _: &mut Ctx) -> Out {
    let r = image_ref(&args[0])?;
    Ok(Value::string(match (&r.tag, &r.digest) {
        (Some(t), _) => t.clone(),
        (None, Some(d)) => match tag_before_digest(&r.original) {
            "" => d.clone(),
            t => format!("{t}@{d}"),
        },
        (None, None) => String::new(),
    }))
}

fn tag(args: &[Value], _: &mut Ctx) -> Out {
    let r = image_ref(&args[0])?;
    Ok(Value::string(match &r.tag {
        Some(t) => t.as_str(),
        None => tag_before_digest(&r.original),
    }))
}

fn digest(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(
        image_ref(&args[0])?.digest.as_deref().unwrap_or_default(),
    ))
}

fn contains_digest(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(image_ref(&args[0])?.digest.is_some()))
}

// JSON, YAML and hashes.

/// A CEL value as Go's encoding/json sees the native value: a duration is its nanoseconds.
fn to_native_json(v: &Value) -> Result<Json, String> {
    Ok(match v {
        Value::Duration(n) => Json::Number(*n as f64),
        Value::List(items) => {
            Json::array(items.iter().map(to_native_json).collect::<Result<_, _>>()?)
        }
        Value::Map(m) => {
            let mut out = crate::jmespath::value::Map::new();
            for (k, v) in m.iter() {
                let Key::String(k) = k else {
                    return Err(format!(
                        "json: unsupported map key type {}",
                        k.to_value().type_name()
                    ));
                };
                out.insert(k.to_string(), to_native_json(v)?);
            }
            Json::object(out)
        }
        Value::Double(d) if !d.is_finite() => {
            return Err(format!(
                "json: unsupported value: {}",
                crate::cel::value::format_double(*d)
            ));
        }
        other => other.to_json(),
    })
}

fn json_unmarshal(args: &[Value], ctx: &mut Ctx) -> Out {
    let text = str_arg(&args[0]);
    ctx.charge_size(text.len())?;
    encoding::parse_json(&[Json::string(text)], &jmespath_env(ctx)).map(|j| Value::from_json(&j))
}

fn json_marshal(args: &[Value], ctx: &mut Ctx) -> Out {
    let text = crate::jmespath::json::to_go_json(&to_native_json(&args[0])?);
    ctx.charge_size(text.len())?;
    Ok(Value::string(text))
}

fn yaml_parse(args: &[Value], ctx: &mut Ctx) -> Out {
    let text = str_arg(&args[0]);
    ctx.charge_size(text.len())?;
    encoding::parse_yaml(&[Json::string(text)], &jmespath_env(ctx)).map(|j| Value::from_json(&j))
}

fn jmespath_env(ctx: &Ctx) -> crate::jmespath::functions::Env {
    crate::jmespath::functions::Env {
        now: ctx.env.now,
        seed: ctx.env.seed,
    }
}

type JmespathFn = fn(&[Json], &crate::jmespath::functions::Env) -> Result<Json, String>;

fn via_jmespath(f: JmespathFn, args: &[Value], ctx: &mut Ctx) -> Out {
    let text = str_arg(&args[0]);
    ctx.charge_size(text.len())?;
    f(&[Json::string(text)], &jmespath_env(ctx)).map(|j| Value::from_json(&j))
}

fn sha1(args: &[Value], ctx: &mut Ctx) -> Out {
    via_jmespath(encoding::sha1, args, ctx)
}

fn sha256(args: &[Value], ctx: &mut Ctx) -> Out {
    via_jmespath(encoding::sha256, args, ctx)
}

fn md5(args: &[Value], ctx: &mut Ctx) -> Out {
    via_jmespath(encoding::md5, args, ctx)
}

fn x509_decode(args: &[Value], ctx: &mut Ctx) -> Out {
    via_jmespath(x509::x509_decode, args, ctx)
}

fn round_to(args: &[Value], _: &mut Ctx) -> Out {
    let (Value::Double(v), Value::Int(p)) = (&args[0], &args[1]) else {
        return Err("no such overload".into());
    };
    let p = (*p).clamp(-400, 400) as i32;
    let scale = 10f64.powi(p);
    Ok(Value::Double((v * scale).round() / scale))
}

fn random(args: &[Value], ctx: &mut Ctx) -> Out {
    let pattern = args.first().map(str_arg).unwrap_or("[0-9a-z]{8}");
    let out = misc::random(&[Json::string(pattern)], &jmespath_env(ctx))?;
    ctx.charge_size(out.as_str().map_or(0, str::len))?;
    Ok(Value::from_json(&out))
}

// Time.

fn now(_: &[Value], ctx: &mut Ctx) -> Out {
    Ok(Value::Timestamp(ctx.env.now.with_timezone(&chrono::Utc)))
}

/// Seconds from 0001-01-01T00:00:00Z, Go's zero time, to the Unix epoch.
const ZERO_TO_UNIX: i128 = 62_135_596_800;

fn truncate(args: &[Value], _: &mut Ctx) -> Out {
    let (Value::Timestamp(t), Value::Duration(d)) = (&args[0], &args[1]) else {
        return Err("no such overload".into());
    };
    if *d <= 0 {
        return Ok(Value::Timestamp(*t));
    }
    let nanos =
        (t.timestamp() as i128 + ZERO_TO_UNIX) * 1_000_000_000 + t.timestamp_subsec_nanos() as i128;
    let cut = nanos - nanos.rem_euclid(*d as i128);
    let unix = cut - ZERO_TO_UNIX * 1_000_000_000;
    let secs = unix.div_euclid(1_000_000_000) as i64;
    let sub = unix.rem_euclid(1_000_000_000) as u32;
    chrono::DateTime::from_timestamp(secs, sub)
        .map(Value::Timestamp)
        .ok_or_else(|| "timestamp out of range".into())
}

fn to_cron(args: &[Value], _: &mut Ctx) -> Out {
    let Value::Timestamp(t) = &args[0] else {
        return Err("no such overload".into());
    };
    Ok(Value::string(format!(
        "{} {} {} {} {}",
        t.minute(),
        t.hour(),
        t.day(),
        t.month(),
        t.weekday().num_days_from_sunday()
    )))
}

// Transform and user.

/// Go's `%+T` of the native value CEL hands over.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "structpb.NullValue",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int64",
        Value::Uint(_) => "uint64",
        Value::Double(_) => "float64",
        Value::String(_) => "string",
        Value::Bytes(_) => "[]uint8",
        Value::List(_) => "[]interface {}",
        _ => "interface {}",
    }
}

fn list_obj_to_map(args: &[Value], ctx: &mut Ctx) -> Out {
    let (Value::List(keys), Value::List(values)) = (&args[0], &args[1]) else {
        return Err("no such overload".into());
    };
    let (key_field, value_field) = (str_arg(&args[2]), str_arg(&args[3]));
    if keys.len() != values.len() {
        return Err(format!(
            "listObjToMap must take lists of equal length. list1: {}, list2: {}",
            keys.len(),
            values.len()
        ));
    }
    ctx.charge_size(keys.len())?;
    let mut out = Map::new();
    for (k, v) in keys.iter().zip(values.iter()) {
        let Value::Map(km) = k else {
            return Err(format!("object cannot be handled as a map, {}", go_type(k)));
        };
        let Some(Value::String(key)) = km.get(&Key::String(key_field.into())) else {
            return Err(
                "the passed key name cannot be handled as a string in the key object list".into(),
            );
        };
        let Value::Map(vm) = v else {
            return Err(
                "object cannot be handled as a map string to any in the value object list".into(),
            );
        };
        let value = vm
            .get(&Key::String(value_field.into()))
            .cloned()
            .unwrap_or(Value::Null);
        out.insert(Key::String(key.clone()), value);
    }
    Ok(Value::map(out))
}

fn parse_service_account(args: &[Value], _: &mut Ctx) -> Out {
    let user = str_arg(&args[0]);
    let (mut namespace, mut name) = ("", "");
    if let Some(rest) = user.strip_prefix("system:serviceaccount:") {
        if let Some((ns, n)) = rest.split_once(':') {
            (namespace, name) = (ns, n);
        }
    }
    let mut out = Map::new();
    out.insert(Key::String("namespace".into()), Value::string(namespace));
    out.insert(Key::String("name".into()), Value::string(name));
    Ok(Value::map(out))
}

#[cfg(test)]
mod tests;
