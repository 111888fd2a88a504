//! CEL values. Composite values share their contents (`Arc`), so copying one is O(1): the
//! evaluator copies a lot (comprehension variables, bindings, map lookups).

use std::any::Any;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::jmespath::Value as Json;

/// A map key. CEL allows bool, int, uint and string keys. Int and uint keys holding the same
/// number are the same key (heterogeneous equality), so ordering and equality compare numbers
/// by value across the two types, while the key keeps the type it was written with.
#[derive(Debug, Clone)]
pub enum Key {
    Bool(bool),
    Int(i64),
    Uint(u64),
    String(Arc<str>),
}

impl Key {
    fn rank(&self) -> u8 {
        match self {
            Key::Bool(_) => 0,
            Key::Int(_) | Key::Uint(_) => 1,
            Key::String(_) => 2,
        }
    }

    fn number(&self) -> i128 {
        match self {
            Key::Int(i) => *i as i128,
            Key::Uint(u) => *u as i128,
            _ => 0,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Uint(u) => Value::Uint(*u),
            Key::String(s) => Value::String(s.clone()),
        }
    }

    /// The key a value looks up: a double with an integral value finds the int key of the same
    /// number, as cel-go's heterogeneous map lookup does. `None`: no key can equal it.
    pub fn lookup(v: &Value) -> Option<Key> {
        match v {
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Uint(u) => Some(Key::Uint(*u)),
            Value::String(s) => Some(Key::String(s.clone())),
            Value::Double(d) => {
                if d.fract() == 0.0
                    && *d >= -9.223_372_036_854_776e18
                    && *d < 9.223_372_036_854_776e18
                {
                    Some(Key::Int(*d as i64))
                } else if d.fract() == 0.0 && *d >= 0.0 && *d < 1.844_674_407_370_955_2e19 {
                    Some(Key::Uint(*d as u64))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The key a map literal or a conversion builds from a value; only the four key types.
    pub fn from_value(v: &Value) -> Option<Key> {
        match v {
            Value::Double(_) => None,
            other => Key::lookup(other),
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            (Key::String(a), Key::String(b)) => a.cmp(b),
            (a, b) if a.rank() == 1 && b.rank() == 1 => a.number().cmp(&b.number()),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Bool(b) => write!(f, "{b}"),
            Key::Int(i) => write!(f, "{i}"),
            Key::Uint(u) => write!(f, "{u}"),
            Key::String(s) => write!(f, "{s}"),
        }
    }
}

pub type Map = BTreeMap<Key, Value>;

/// The names a type denotes as a value (`type(1) == int`), for the evaluator and the checker.
pub const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional_type",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
];

/// A value of a library type the core does not know (quantity, ip, cidr, url, semver, image
/// reference…). Libraries implement it in their own file; the evaluator only needs equality,
/// optional ordering, the type name and a way to show the value.
pub trait Opaque: fmt::Debug + Send + Sync {
    /// The CEL type name, e.g. `kubernetes.Quantity`.
    fn type_name(&self) -> &str;
    /// Equality with another opaque value (of any type: return false for foreign ones).
    fn equals(&self, other: &dyn Opaque) -> bool;
    /// Ordering for `<` and friends, where the type defines one.
    fn compare(&self, _other: &dyn Opaque) -> Option<Ordering> {
        None
    }
    /// How the editor and the CLI show the value.
    fn to_json(&self) -> Json;
    /// For implementations to downcast the other operand and their receiver.
    fn as_any(&self) -> &dyn Any;
}

/// A CEL value.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(Arc<str>),
    Bytes(Arc<[u8]>),
    List(Arc<Vec<Value>>),
    Map(Arc<Map>),
    /// An instant in UTC, within years 0001–9999.
    Timestamp(DateTime<Utc>),
    /// Nanoseconds, as Go's `time.Duration` (about ±292 years).
    Duration(i64),
    /// A type value such as `int` or `list`: its CEL name.
    Type(Arc<str>),
    Optional(Option<Box<Value>>),
    Opaque(Arc<dyn Opaque>),
}

impl Value {
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    pub fn map(m: Map) -> Value {
        Value::Map(Arc::new(m))
    }

    pub fn type_value(name: &str) -> Value {
        Value::Type(name.into())
    }

    /// The CEL type name of the value, as `type(v)` reports it.
    pub fn type_name(&self) -> &str {
        match self {
            Value::Null => "null_type",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Timestamp(_) => "google.protobuf.Timestamp",
            Value::Duration(_) => "google.protobuf.Duration",
            Value::Type(_) => "type",
            Value::Optional(_) => "optional_type",
            Value::Opaque(o) => o.type_name(),
        }
    }

    /// From JSON as `kyverno test` hands resources to CEL: every number is a double (the CLI
    /// decodes resources into float64).
    pub fn from_json(v: &Json) -> Value {
        match v {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Double(*n),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::list(items.iter().map(Value::from_json).collect()),
            Json::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (Key::String(k.as_str().into()), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// For showing a value: numbers become JSON numbers (precision beyond 2^53 is lost), bytes
    /// base64, timestamps and durations their CEL string forms, types their names, an empty
    /// optional null.
    pub fn to_json(&self) -> Json {
        use base64::Engine;
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::Number(*i as f64),
            Value::Uint(u) => Json::Number(*u as f64),
            Value::Double(d) => Json::Number(*d),
            Value::String(s) => Json::String(s.clone()),
            Value::Bytes(b) => Json::string(base64::engine::general_purpose::STANDARD.encode(b)),
            Value::List(items) => Json::array(items.iter().map(Value::to_json).collect()),
            Value::Map(m) => Json::object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Timestamp(t) => Json::string(format_timestamp(t)),
            Value::Duration(d) => Json::string(format_duration(*d)),
            Value::Type(t) => Json::String(t.clone()),
            Value::Optional(None) => Json::Null,
            Value::Optional(Some(v)) => v.to_json(),
            Value::Opaque(o) => o.to_json(),
        }
    }

    /// CEL equality. Numbers compare across int, uint and double; values of different
    /// types are unequal (never an error); NaN equals nothing.
    pub fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.equals(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.equals(w)))
            }
            (Value::Timestamp(a), Value::Timestamp(b)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Type(a), Value::Type(b)) => a == b,
            (Value::Optional(a), Value::Optional(b)) => match (a, b) {
                (None, None) => true,
                (Some(x), Some(y)) => x.equals(y),
                _ => false,
            },
            (Value::Opaque(a), Value::Opaque(b)) => a.equals(b.as_ref()),
            (a, b) => matches!(compare_numbers(a, b), Some(Ordering::Equal)),
        }
    }
}

/// Structural equality for tests and caches: same type and same content, so `Int(1)` differs
/// from `Double(1.0)` (unlike CEL's `==`, which is `Value::equals`), and NaN equals NaN.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Uint(a), Value::Uint(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && k1.rank() == k2.rank() && v1 == v2)
            }
            (Value::Optional(a), Value::Optional(b)) => a == b,
            (a, b) if std::mem::discriminant(a) == std::mem::discriminant(b) => a.equals(b),
            _ => false,
        }
    }
}

/// cel-go's error for ordering a NaN against any number (`<`, `math.least`…).
pub const NAN_UNORDERED: &str = "NaN values cannot be ordered";

/// The order of two numbers of any of the three numeric types, exact across types (no
/// rounding through f64 for int against uint). `None` when either is not a number or a NaN.
pub fn compare_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Uint(x), Value::Uint(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Uint(y)) => Some((*x as i128).cmp(&(*y as i128))),
        (Value::Uint(x), Value::Int(y)) => Some((*x as i128).cmp(&(*y as i128))),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Double(x), Value::Int(y)) => compare_double_int(*x, *y as i128),
        (Value::Double(x), Value::Uint(y)) => compare_double_int(*x, *y as i128),
        (Value::Int(x), Value::Double(y)) => {
            compare_double_int(*y, *x as i128).map(Ordering::reverse)
        }
        (Value::Uint(x), Value::Double(y)) => {
            compare_double_int(*y, *x as i128).map(Ordering::reverse)
        }
        _ => None,
    }
}

/// cel-go compares an int or uint with a double by converting it to double (so
/// `9223372036854775807 < 9223372036854775808.0` is false): we do the same.
fn compare_double_int(d: f64, i: i128) -> Option<Ordering> {
    d.partial_cmp(&(i as f64))
}

impl fmt::Display for Value {
    /// A CEL-like rendering for messages: strings quoted, lists and maps in literal syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}u"),
            Value::Double(d) => write!(f, "{}", format_double(*d)),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "b{:?}", String::from_utf8_lossy(b)),
            Value::List(items) => {
                write!(f, "[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}: {v}", k.to_value())?;
                }
                write!(f, "}}")
            }
            Value::Timestamp(t) => write!(f, "timestamp({:?})", format_timestamp(t)),
            Value::Duration(d) => write!(f, "duration({:?})", format_duration(*d)),
            Value::Type(t) => write!(f, "{t}"),
            Value::Optional(None) => write!(f, "optional.none()"),
            Value::Optional(Some(v)) => write!(f, "optional.of({v})"),
            Value::Opaque(o) => write!(f, "{}", crate::jmespath::json::to_go_json(&o.to_json())),
        }
    }
}

/// RFC 3339 with as many fractional digits as needed (Go's RFC3339Nano), always `Z`.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    use chrono::Timelike;
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        format!("{base}Z")
    } else {
        let digits = format!("{nanos:09}");
        format!("{base}.{}Z", digits.trim_end_matches('0'))
    }
}

/// Seconds with up to nine fractional digits, trailing zeros dropped, then `s`: `3600s`,
/// `60.001s`, as cel-go prints a duration.
pub fn format_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.unsigned_abs();
    let secs = abs / 1_000_000_000;
    let frac = abs % 1_000_000_000;
    if frac == 0 {
        format!("{sign}{secs}s")
    } else {
        let digits = format!("{frac:09}");
        format!("{sign}{secs}.{}s", digits.trim_end_matches('0'))
    }
}

/// A double as Go's `strconv.FormatFloat(d, 'g', -1, 64)` prints it (what `string(double)`
/// gives): the shortest representation, exponent form below 1e-4 and from 1e21.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest round-trip digits from Rust's formatter, in exponent form.
    let e = format!("{d:e}");
    let (mantissa, exp) = match e.split_once('e') {
        Some((m, x)) => (m, x.parse::<i32>().unwrap_or(0)),
        None => (e.as_str(), 0),
    };
    // Go's shortest %g switches to exponent form when exp < -4 || exp >= 6.
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{d}")
    }
}
