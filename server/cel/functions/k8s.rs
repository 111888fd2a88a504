//! Kubernetes' CEL libraries with library types (cel.md §2.3): quantity, semver, ip and cidr.
//! Their types have equality but, as in Kubernetes, no `<` (the methods order them).
//! They are in every environment, validate.cel and VAP included. Quantities and versions
//! reuse the Go-compatible parsing of the JMESPath side; addresses are parsed as Go's
//! `net/netip` does, which rejects zones and leading zeros.

use std::any::Any;
use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use super::{Ctx, FunctionSpec, Out, Ty, global, member, str_arg};
use crate::cel::value::{Opaque, Value};
use crate::jmespath::Value as Json;
use crate::jmespath::functions::kyverno::quantity::{self as q, Format, ParseError, Quantity};
use crate::jmespath::functions::kyverno::semver::{self as sv, Version};

pub const QUANTITY: &str = "kubernetes.Quantity";
pub const SEMVER: &str = "kubernetes.Semver";
pub const IP: &str = "net.IP";
pub const CIDR: &str = "net.CIDR";

const S: Ty = Ty::String;
const B: Ty = Ty::Bool;
const I: Ty = Ty::Int;
const QT: Ty = Ty::Opaque(QUANTITY);
const SV: Ty = Ty::Opaque(SEMVER);
const IPT: Ty = Ty::Opaque(IP);
const CT: Ty = Ty::Opaque(CIDR);

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "quantity",
        doc: "Parses a Kubernetes quantity (`1.5Gi`, `500m`, `1e3`); an invalid one is an error.",
        overloads: &[global(&[S], QT, quantity)],
    },
    FunctionSpec {
        name: "isQuantity",
        doc: "Whether the string parses as a quantity.",
        overloads: &[global(&[S], B, is_quantity)],
    },
    FunctionSpec {
        name: "sign",
        doc: "-1, 0 or 1 as the quantity is negative, zero or positive.",
        overloads: &[member(&[QT], I, sign)],
    },
    FunctionSpec {
        name: "isGreaterThan",
        doc: "Whether the receiver is greater than the argument (quantities, or semantic versions).",
        overloads: &[member(&[QT, QT], B, greater), member(&[SV, SV], B, greater)],
    },
    FunctionSpec {
        name: "isLessThan",
        doc: "Whether the receiver is less than the argument (quantities, or semantic versions).",
        overloads: &[member(&[QT, QT], B, less), member(&[SV, SV], B, less)],
    },
    FunctionSpec {
        name: "compareTo",
        doc: "-1, 0 or 1 as the receiver is less than, equal to or greater than the argument.",
        overloads: &[
            member(&[QT, QT], I, compare_to),
            member(&[SV, SV], I, compare_to),
        ],
    },
    FunctionSpec {
        name: "add",
        doc: "The sum of two quantities, or of a quantity and an integer.",
        overloads: &[member(&[QT, QT], QT, add), member(&[QT, I], QT, add)],
    },
    FunctionSpec {
        name: "sub",
        doc: "The difference of two quantities, or of a quantity and an integer.",
        overloads: &[member(&[QT, QT], QT, sub), member(&[QT, I], QT, sub)],
    },
    FunctionSpec {
        name: "asInteger",
        doc: "The quantity as an int; an error when it is fractional or beyond int64.",
        overloads: &[member(&[QT], I, as_integer)],
    },
    FunctionSpec {
        name: "isInteger",
        doc: "Whether asInteger would succeed.",
        overloads: &[member(&[QT], B, is_integer)],
    },
    FunctionSpec {
        name: "asApproximateFloat",
        doc: "The quantity as a double, possibly rounded.",
        overloads: &[member(&[QT], Ty::Double, as_float)],
    },
    FunctionSpec {
        name: "semver",
        doc: "Parses a semantic version (MAJOR.MINOR.PATCH[-pre][+build]); with `true`, a leading v, missing minor or patch and leading zeros are accepted first.",
        overloads: &[global(&[S], SV, semver), global(&[S, B], SV, semver)],
    },
    FunctionSpec {
        name: "isSemver",
        doc: "Whether the string parses as a semantic version (normalized first with `true`).",
        overloads: &[global(&[S], B, is_semver), global(&[S, B], B, is_semver)],
    },
    FunctionSpec {
        name: "major",
        doc: "The major version.",
        overloads: &[member(&[SV], I, major)],
    },
    FunctionSpec {
        name: "minor",
        doc: "The minor version.",
        overloads: &[member(&[SV], I, minor)],
    },
    FunctionSpec {
        name: "patch",
        doc: "The patch version.",
        overloads: &[member(&[SV], I, patch)],
    },
    FunctionSpec {
        name: "ip",
        doc: "Parses an IPv4 or IPv6 address (no zone, no IPv4-mapped IPv6); cidr.ip() is the address of a CIDR as written.",
        overloads: &[global(&[S], IPT, ip), member(&[CT], IPT, cidr_ip)],
    },
    FunctionSpec {
        name: "isIP",
        doc: "Whether the string parses as an address.",
        overloads: &[global(&[S], B, is_ip)],
    },
    FunctionSpec {
        name: "ip.isCanonical",
        doc: "Whether the string is an address in its canonical form (IPv6 compressed and lowercase).",
        overloads: &[global(&[S], B, is_canonical)],
    },
    FunctionSpec {
        name: "family",
        doc: "4 or 6.",
        overloads: &[member(&[IPT], I, family)],
    },
    FunctionSpec {
        name: "isUnspecified",
        doc: "Whether the address is 0.0.0.0 or ::.",
        overloads: &[member(&[IPT], B, is_unspecified)],
    },
    FunctionSpec {
        name: "isLoopback",
        doc: "Whether the address is in 127.0.0.0/8 or is ::1.",
        overloads: &[member(&[IPT], B, is_loopback)],
    },
    FunctionSpec {
        name: "isLinkLocalMulticast",
        doc: "Whether the address is in 224.0.0.0/24 or ff02::/16.",
        overloads: &[member(&[IPT], B, is_link_local_multicast)],
    },
    FunctionSpec {
        name: "isLinkLocalUnicast",
        doc: "Whether the address is in 169.254.0.0/16 or fe80::/10.",
        overloads: &[member(&[IPT], B, is_link_local_unicast)],
    },
    FunctionSpec {
        name: "isGlobalUnicast",
        doc: "Whether the address is none of unspecified, broadcast, loopback, multicast or link-local unicast (private ranges count as global, as in Go).",
        overloads: &[member(&[IPT], B, is_global_unicast)],
    },
    FunctionSpec {
        name: "string",
        doc: "An address or a CIDR in its canonical text form.",
        overloads: &[global(&[IPT], S, to_string), global(&[CT], S, to_string)],
    },
    FunctionSpec {
        name: "cidr",
        doc: "Parses a CIDR (`10.0.0.0/8`, `2001:db8::/32`); the address need not be masked.",
        overloads: &[global(&[S], CT, cidr)],
    },
    FunctionSpec {
        name: "isCIDR",
        doc: "Whether the string parses as a CIDR.",
        overloads: &[global(&[S], B, is_cidr)],
    },
    FunctionSpec {
        name: "containsIP",
        doc: "Whether the CIDR contains the address (an IP or a string).",
        overloads: &[
            member(&[CT, IPT], B, contains_ip),
            member(&[CT, S], B, contains_ip),
        ],
    },
    FunctionSpec {
        name: "containsCIDR",
        doc: "Whether the CIDR contains the whole other CIDR (a CIDR or a string).",
        overloads: &[
            member(&[CT, CT], B, contains_cidr),
            member(&[CT, S], B, contains_cidr),
        ],
    },
    FunctionSpec {
        name: "masked",
        doc: "The CIDR with the host bits of its address cleared.",
        overloads: &[member(&[CT], CT, masked)],
    },
    FunctionSpec {
        name: "prefixLength",
        doc: "The prefix length in bits.",
        overloads: &[member(&[CT], I, prefix_length)],
    },
];

fn nso() -> String {
    "no such overload".into()
}

fn opaque<T: 'static>(v: &Value) -> Result<&T, String> {
    match v {
        Value::Opaque(o) => o.as_any().downcast_ref::<T>().ok_or_else(nso),
        _ => Err(nso()),
    }
}

fn ordering(o: Ordering) -> Value {
    Value::Int(match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    })
}

// Quantities.

/// A Kubernetes quantity; equal and ordered by value whatever its format.
#[derive(Debug, Clone)]
pub struct Qty(pub Quantity);

impl Qty {
    fn cmp(&self, other: &Qty) -> Option<Ordering> {
        let d = self.0.sub(&other.0).ok()?;
        Some(d.mant.cmp(&0))
    }
}

impl Opaque for Qty {
    fn type_name(&self) -> &str {
        QUANTITY
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<Qty>()
            .is_some_and(|o| self.cmp(o) == Some(Ordering::Equal))
    }
    fn to_json(&self) -> Json {
        Json::string(self.0.canonical().as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `resource.ParseQuantity`'s errors.
fn parse_quantity(s: &str) -> Result<Quantity, String> {
    q::parse(s).map_err(|e| match e {
        ParseError::Format => "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".to_string(),
        ParseError::Numeric => "unable to parse numeric part of quantity".to_string(),
        ParseError::Suffix => "unable to parse quantity's suffix".to_string(),
        ParseError::TooLarge => q::TOO_LARGE.to_string(),
    })
}

fn quantity(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Opaque(Arc::new(Qty(parse_quantity(str_arg(
        &args[0],
    ))?))))
}

fn is_quantity(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(q::parse(str_arg(&args[0])).is_ok()))
}

fn sign(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Int(opaque::<Qty>(&args[0])?.0.mant.signum() as i64))
}

/// Two quantities, or two versions, in order.
fn order(args: &[Value]) -> Result<Ordering, String> {
    if let (Ok(a), Ok(b)) = (opaque::<Qty>(&args[0]), opaque::<Qty>(&args[1])) {
        return a.cmp(b).ok_or_else(|| q::TOO_LARGE.to_string());
    }
    let (a, b) = (opaque::<Semver>(&args[0])?, opaque::<Semver>(&args[1])?);
    Ok(a.0.compare(&b.0))
}

fn greater(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(order(args)? == Ordering::Greater))
}

fn less(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(order(args)? == Ordering::Less))
}

fn compare_to(args: &[Value], _: &mut Ctx) -> Out {
    Ok(ordering(order(args)?))
}

fn operand(v: &Value) -> Result<Quantity, String> {
    match v {
        Value::Int(i) => Ok(Quantity::from_int(*i, Format::DecimalExponent)),
        other => Ok(opaque::<Qty>(other)?.0.clone()),
    }
}

fn add(args: &[Value], _: &mut Ctx) -> Out {
    let sum = opaque::<Qty>(&args[0])?.0.add(&operand(&args[1])?)?;
    Ok(Value::Opaque(Arc::new(Qty(sum))))
}

fn sub(args: &[Value], _: &mut Ctx) -> Out {
    let diff = opaque::<Qty>(&args[0])?.0.sub(&operand(&args[1])?)?;
    Ok(Value::Opaque(Arc::new(Qty(diff))))
}

/// `Quantity.AsInt64`: the value when it is a whole number within int64.
fn as_i64(q: &Quantity) -> Option<i64> {
    let (mut m, mut e) = (q.mant, q.exp);
    if m == 0 {
        return Some(0);
    }
    while e < 0 {
        if m % 10 != 0 {
            return None;
        }
        m /= 10;
        e += 1;
    }
    let scaled = m.checked_mul(10i128.checked_pow(u32::try_from(e).ok()?)?)?;
    i64::try_from(scaled).ok()
}

fn as_integer(args: &[Value], _: &mut Ctx) -> Out {
    as_i64(&opaque::<Qty>(&args[0])?.0)
        .map(Value::Int)
        .ok_or_else(|| "cannot convert value to integer".into())
}

fn is_integer(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(as_i64(&opaque::<Qty>(&args[0])?.0).is_some()))
}

fn as_float(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Double(opaque::<Qty>(&args[0])?.0.approx_f64()))
}

// Semantic versions.

#[derive(Debug, Clone)]
pub struct Semver(pub Version, String);

impl Opaque for Semver {
    fn type_name(&self) -> &str {
        SEMVER
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<Semver>()
            .is_some_and(|o| self.0.compare(&o.0) == Ordering::Equal)
    }
    fn to_json(&self) -> Json {
        Json::string(self.1.as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Kubernetes' normalization before a lenient parse: drop a leading `v`, fill in a missing
/// minor or patch with 0 and strip leading zeros from the numbers.
fn normalize(s: &str) -> String {
    let s = s.strip_prefix('v').unwrap_or(s);
    let split = s.find(['-', '+']).unwrap_or(s.len());
    let (core, rest) = s.split_at(split);
    let mut parts: Vec<String> = core
        .split('.')
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() && !p.is_empty() {
                "0".to_string()
            } else {
                t.to_string()
            }
        })
        .collect();
    while parts.len() < 3 {
        parts.push("0".into());
    }
    format!("{}{rest}", parts.join("."))
}

fn parse_semver(args: &[Value]) -> Result<Semver, String> {
    let text = str_arg(&args[0]);
    let normalized = matches!(args.get(1), Some(Value::Bool(true)));
    let text = if normalized {
        normalize(text)
    } else {
        text.to_string()
    };
    sv::parse_version(&text).map(|v| Semver(v, text))
}

fn semver(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Opaque(Arc::new(parse_semver(args)?)))
}

fn is_semver(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(parse_semver(args).is_ok()))
}

fn major(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Int(opaque::<Semver>(&args[0])?.0.major() as i64))
}

fn minor(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Int(opaque::<Semver>(&args[0])?.0.minor() as i64))
}

fn patch(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Int(opaque::<Semver>(&args[0])?.0.patch() as i64))
}

// Addresses.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip(pub IpAddr);

impl Opaque for Ip {
    fn type_name(&self) -> &str {
        IP
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Ip>() == Some(self)
    }
    fn to_json(&self) -> Json {
        Json::string(self.0.to_string().as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An address as `netip.ParseAddr` reads it, with Kubernetes' refusals on top.
fn parse_addr(s: &str) -> Result<IpAddr, String> {
    if s.contains('%') {
        return Err(format!("IP address {s:?} with zone value is not allowed"));
    }
    let addr: IpAddr = s.parse().map_err(|_| {
        format!(
            "IP Address {s:?} parse error during conversion from string: ParseAddr({s:?}): unable to parse IP"
        )
    })?;
    if let IpAddr::V6(v6) = addr {
        if v6.to_ipv4_mapped().is_some() {
            return Err(format!("IPv4-mapped IPv6 address {s:?} is not allowed"));
        }
    }
    Ok(addr)
}

fn ip(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Opaque(Arc::new(Ip(parse_addr(str_arg(&args[0]))?))))
}

fn is_ip(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(parse_addr(str_arg(&args[0])).is_ok()))
}

fn is_canonical(args: &[Value], _: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let addr = parse_addr(s)?;
    Ok(Value::Bool(addr.to_string() == s))
}

fn addr(v: &Value) -> Result<IpAddr, String> {
    Ok(opaque::<Ip>(v)?.0)
}

fn family(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Int(if addr(&args[0])?.is_ipv4() { 4 } else { 6 }))
}

fn is_unspecified(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(addr(&args[0])?.is_unspecified()))
}

fn is_loopback(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(addr(&args[0])?.is_loopback()))
}

fn link_local_unicast(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => v4.octets()[..2] == [169, 254],
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

fn is_link_local_multicast(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(match addr(&args[0])? {
        IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v6) => v6.octets()[0] == 0xff && v6.octets()[1] & 0x0f == 0x02,
    }))
}

fn is_link_local_unicast(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(link_local_unicast(addr(&args[0])?)))
}

fn is_global_unicast(args: &[Value], _: &mut Ctx) -> Out {
    let a = addr(&args[0])?;
    let excluded = match a {
        IpAddr::V4(v4) => v4 == Ipv4Addr::BROADCAST || v4.is_unspecified() || v4.is_multicast(),
        IpAddr::V6(v6) => v6 == Ipv6Addr::UNSPECIFIED || v6.is_multicast(),
    };
    Ok(Value::Bool(
        !excluded && !a.is_loopback() && !link_local_unicast(a),
    ))
}

/// A network prefix: the address as written and the prefix length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr(pub IpAddr, pub u8);

impl Cidr {
    fn bits(&self) -> u8 {
        if self.0.is_ipv4() { 32 } else { 128 }
    }

    fn mask(a: IpAddr, len: u8) -> IpAddr {
        match a {
            IpAddr::V4(v4) => {
                let m = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & m))
            }
            IpAddr::V6(v6) => {
                let m = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - len)
                };
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & m))
            }
        }
    }

    fn contains(&self, a: IpAddr) -> bool {
        a.is_ipv4() == self.0.is_ipv4() && Cidr::mask(a, self.1) == Cidr::mask(self.0, self.1)
    }
}

impl Opaque for Cidr {
    fn type_name(&self) -> &str {
        CIDR
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Cidr>() == Some(self)
    }
    fn to_json(&self) -> Json {
        Json::string(format!("{}/{}", self.0, self.1).as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A prefix as `netip.ParsePrefix` reads it, with Kubernetes' refusals on top.
fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let bad = || {
        format!(
            "network address {s:?} parse error during conversion from string: netip.ParsePrefix({s:?}): bad prefix"
        )
    };
    let (a, len) = s.split_once('/').ok_or_else(|| {
        format!(
            "network address {s:?} parse error during conversion from string: netip.ParsePrefix({s:?}): no '/'"
        )
    })?;
    if a.contains('%') {
        return Err(format!("CIDR {s:?} with zone value is not allowed"));
    }
    let addr: IpAddr = a.parse().map_err(|_| bad())?;
    if let IpAddr::V6(v6) = addr {
        if v6.to_ipv4_mapped().is_some() {
            return Err(format!("IPv4-mapped IPv6 address {s:?} is not allowed"));
        }
    }
    // Go accepts only plain decimal lengths: no sign, no leading zero.
    if len.is_empty()
        || !len.bytes().all(|b| b.is_ascii_digit())
        || (len.len() > 1 && len.starts_with('0'))
    {
        return Err(bad());
    }
    let bits: u8 = len.parse().map_err(|_| bad())?;
    let c = Cidr(addr, bits);
    if bits > c.bits() {
        return Err(bad());
    }
    Ok(c)
}

fn cidr(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Opaque(Arc::new(parse_cidr(str_arg(&args[0]))?)))
}

fn is_cidr(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(parse_cidr(str_arg(&args[0])).is_ok()))
}

fn cidr_ip(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Opaque(Arc::new(Ip(opaque::<Cidr>(&args[0])?.0))))
}

fn contains_ip(args: &[Value], _: &mut Ctx) -> Out {
    let c = opaque::<Cidr>(&args[0])?;
    let a = match &args[1] {
        Value::String(s) => parse_addr(s)?,
        other => addr(other)?,
    };
    Ok(Value::Bool(c.contains(a)))
}

fn contains_cidr(args: &[Value], _: &mut Ctx) -> Out {
    let c = opaque::<Cidr>(&args[0])?;
    let other = match &args[1] {
        Value::String(s) => parse_cidr(s)?,
        v => opaque::<Cidr>(v)?.clone(),
    };
    Ok(Value::Bool(c.1 <= other.1 && c.contains(other.0)))
}

fn masked(args: &[Value], _: &mut Ctx) -> Out {
    let c = opaque::<Cidr>(&args[0])?;
    Ok(Value::Opaque(Arc::new(Cidr(Cidr::mask(c.0, c.1), c.1))))
}

fn to_string(args: &[Value], _: &mut Ctx) -> Out {
    match &args[0] {
        Value::Opaque(o) => match o.to_json() {
            Json::String(s) => Ok(Value::String(s)),
            _ => Err(nso()),
        },
        _ => Err(nso()),
    }
}

fn prefix_length(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Int(opaque::<Cidr>(&args[0])?.1 as i64))
}

#[cfg(test)]
mod tests;
