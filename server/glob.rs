//! Path globs as settings and config files write them, relative to a folder
//! (`samples/**/*.yaml`): `**` is any number of folders, `*` and `?` stay inside one name,
//! `{a,b}` is either.

/// Alternatives one glob may expand to.
pub const MAX_ALTERNATIVES: usize = 64;

/// A compiled set of globs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Globs(Vec<Vec<String>>);

impl Globs {
    pub fn new(globs: &[String]) -> Globs {
        Globs(
            globs
                .iter()
                .flat_map(|g| expand(g.trim_start_matches("./")))
                .map(|p| {
                    p.split('/')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether one of the globs matches the path given as its segments.
    pub fn matches(&self, segments: &[String]) -> bool {
        self.0.iter().any(|p| matches(p, segments))
    }
}

/// `{a,b}` alternatives expanded (innermost first), bounded.
pub fn expand(glob: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![glob.to_owned()];
    while let Some(g) = todo.pop() {
        if out.len() + todo.len() >= MAX_ALTERNATIVES {
            break;
        }
        let Some(close) = g.find('}') else {
            out.push(g);
            continue;
        };
        let Some(open) = g[..close].rfind('{') else {
            out.push(g);
            continue;
        };
        for alt in g[open + 1..close].split(',') {
            todo.push(format!("{}{alt}{}", &g[..open], &g[close + 1..]));
        }
    }
    out
}

/// Whether the path segments `path` match the glob segments `pattern`.
pub fn matches(pattern: &[String], path: &[String]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| matches(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            // Segments hold no `/`, so Kyverno's wildcard stays inside one name.
            Some((name, tail)) => crate::wildcard::matches(first, name) && matches(rest, tail),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(glob: &str, path: &str) -> bool {
        let path: Vec<String> = path.split('/').map(str::to_owned).collect();
        Globs::new(&[glob.to_string()]).matches(&path)
    }

    #[test]
    fn globs() {
        assert!(m("samples/**/*.yaml", "samples/pod.yaml"));
        assert!(m("samples/**/*.yaml", "samples/a/b/pod.yaml"));
        assert!(!m("samples/**/*.yaml", "other/pod.yaml"));
        assert!(!m("samples/*.yaml", "samples/a/pod.yaml"));
        assert!(m("**/pod-?.y{a,}ml", "x/pod-1.yml"));
        assert!(m("**/pod-?.y{a,}ml", "pod-2.yaml"));
        assert!(!m("**/pod-?.yaml", "pod-10.yaml"));
        assert!(m("./vendor/**", "vendor/a/b.yaml"));
        assert!(m("*", "anything"));
        assert!(m("a*b*c", "aXbYbc"));
        assert!(!m("a*b*c", "aXbYb"));
        assert_eq!(expand("{a,b}{c,d}").len(), 4);
        assert!(expand(&"{a,b}".repeat(20)).len() <= MAX_ALTERNATIVES);
    }
}
