//! Kyverno's wildcard matching (IGLOU-EU/go-wildcard, `ext/wildcard.Match`), used by match
//! filters, patterns, `pattern_match`, conditions and Pod Security exclusions alike.

/// `*` matches any run of characters (also empty), `?` exactly one character, everything else
/// itself; the whole name must match, and an empty pattern matches only the empty name.
/// Linear-time greedy matching with one backtrack point.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut px, mut nx) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while nx < n.len() {
        if px < p.len() {
            if p[px] == '*' {
                px += 1;
                if px == p.len() {
                    return true;
                }
                star = Some((px, nx));
                continue;
            }
            if p[px] == '?' || p[px] == n[nx] {
                px += 1;
                nx += 1;
                continue;
            }
        }
        match star {
            Some((sp, sn)) => {
                star = Some((sp, sn + 1));
                px = sp;
                nx = sn + 1;
            }
            None => return false,
        }
    }
    p[px..].iter().all(|&c| c == '*')
}

/// Whether `s` has a wildcard character.
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("*", ""));
        assert!(matches("nginx*", "nginx:1.2"));
        assert!(matches("*:latest", "busybox:latest"));
        assert!(!matches("*:latest", "busybox:1"));
        assert!(matches("?*", "x"));
        assert!(!matches("?*", ""));
        assert!(matches("a?c", "abc"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a.c", "abc"));
        assert!(matches("é*", "été"));
    }
}
