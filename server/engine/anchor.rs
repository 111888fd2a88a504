//! Pattern key anchors (`pkg/engine/anchor/anchor.go`): `(key)` conditional, `<(key)` global,
//! `X(key)` negation, `+(key)` add-if-not-present, `=(key)` equality, `^(key)` existence.
//! Parsed as Kyverno does: the key is trimmed, then must match `^([+<=X^])?\((.+)\)$`.

/// The modifier of an anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnchorKind {
    Condition,
    Global,
    Negation,
    AddIfNotPresent,
    Equality,
    Existence,
}

impl AnchorKind {
    pub fn prefix(self) -> &'static str {
        match self {
            AnchorKind::Condition => "",
            AnchorKind::Global => "<",
            AnchorKind::Negation => "X",
            AnchorKind::AddIfNotPresent => "+",
            AnchorKind::Equality => "=",
            AnchorKind::Existence => "^",
        }
    }
}

/// A parsed anchor key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor<'a> {
    pub kind: AnchorKind,
    pub key: &'a str,
}

impl Anchor<'_> {
    /// `anchor.String`: the key with its modifier and parentheses.
    pub fn render(kind: AnchorKind, key: &str) -> String {
        format!("{}({key})", kind.prefix())
    }
}

/// `anchor.Parse`: None when `s` is not an anchor.
pub fn parse(s: &str) -> Option<Anchor<'_>> {
    // strings.TrimSpace, then the regex; `.` does not match a newline.
    let s = s.trim_matches(|c: char| c.is_whitespace());
    let (kind, rest) = match s.as_bytes().first()? {
        b'<' => (AnchorKind::Global, &s[1..]),
        b'X' => (AnchorKind::Negation, &s[1..]),
        b'+' => (AnchorKind::AddIfNotPresent, &s[1..]),
        b'=' => (AnchorKind::Equality, &s[1..]),
        b'^' => (AnchorKind::Existence, &s[1..]),
        _ => (AnchorKind::Condition, s),
    };
    let key = rest.strip_prefix('(')?.strip_suffix(')')?;
    if key.is_empty() || key.contains('\n') {
        return None;
    }
    Some(Anchor { kind, key })
}

/// The kind of `s` when it is an anchor.
pub fn kind(s: &str) -> Option<AnchorKind> {
    parse(s).map(|a| a.kind)
}

/// `anchor.RemoveAnchorsFromPath`: every path component that is an anchor becomes its key;
/// the result is cleaned like Go's `path.Join` (absolute input stays absolute).
pub fn remove_anchors_from_path(p: &str) -> String {
    let mut parts: Vec<&str> = p.split('/').collect();
    if parts.first() == Some(&"") {
        parts.remove(0);
    }
    let joined: Vec<&str> = parts
        .iter()
        .map(|part| parse(part).map_or(*part, |a| a.key))
        .collect();
    let joined = joined.join("/");
    let cleaned = if joined.is_empty() {
        String::new()
    } else {
        clean_path(&joined)
    };
    if p.starts_with('/') {
        if cleaned.starts_with('/') {
            cleaned
        } else {
            format!("/{cleaned}")
        }
    } else {
        cleaned
    }
}

/// Go's `path.Clean` (on a non-empty path).
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Join(a, b)` (cleaned; empty parts ignored; "" when both are empty).
pub fn join_path(a: &str, b: &str) -> String {
    let joined = match (a.is_empty(), b.is_empty()) {
        (true, true) => return String::new(),
        (true, false) => b.to_string(),
        (false, true) => a.to_string(),
        (false, false) => format!("{a}/{b}"),
    };
    clean_path(&joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_anchors() {
        assert_eq!(
            parse("(name)"),
            Some(Anchor {
                kind: AnchorKind::Condition,
                key: "name"
            })
        );
        assert_eq!(parse("<(image)").map(|a| a.kind), Some(AnchorKind::Global));
        assert_eq!(
            parse("X(hostPath)").map(|a| a.kind),
            Some(AnchorKind::Negation)
        );
        assert_eq!(
            parse("+(a)").map(|a| a.kind),
            Some(AnchorKind::AddIfNotPresent)
        );
        assert_eq!(parse("=(a)").map(|a| a.kind), Some(AnchorKind::Equality));
        assert_eq!(parse("^(a)").map(|a| a.kind), Some(AnchorKind::Existence));
        assert_eq!(parse(" (a.b/c) ").map(|a| a.key), Some("a.b/c"));
        assert_eq!(parse("()"), None);
        assert_eq!(parse("name"), None);
        assert_eq!(parse("Y(a)"), None);
        assert_eq!(parse("((a))").map(|a| a.key), Some("(a)"));
    }

    #[test]
    fn paths() {
        assert_eq!(remove_anchors_from_path("/spec/(name)/x"), "/spec/name/x");
        assert_eq!(remove_anchors_from_path("/a/=(b)/../c"), "/a/c");
        assert_eq!(remove_anchors_from_path(""), "");
        assert_eq!(join_path("/spec/a/b", "./../c"), "/spec/a/c");
        assert_eq!(join_path("/spec/a", "../../../x"), "/x");
        assert_eq!(join_path("", "./x"), "x");
    }
}
