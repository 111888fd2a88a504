//! "Did you mean" suggestions.

/// The candidate closest to `word`, if one is close enough to be a likely typo: the same word
/// in another case, or within an edit distance of about a third of its length.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    // Ranked by case-insensitive distance, then by exact distance, so `Audt` prefers `Audit`
    // over `audit`.
    let mut best: Option<((usize, usize), &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = if c.to_lowercase() == lower {
            0
        } else {
            strsim::damerau_levenshtein(&lower, &c.to_lowercase())
        };
        let limit = (word.chars().count().max(c.chars().count()) / 3).clamp(1, 3);
        let rank = (d, strsim::damerau_levenshtein(word, c));
        if d <= limit && best.is_none_or(|(br, _)| rank < br) {
            best = Some((rank, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions() {
        let fields = ["name", "match", "exclude", "preconditions", "validate"];
        assert_eq!(
            did_you_mean("precondition", fields.iter().copied()),
            Some("preconditions")
        );
        assert_eq!(did_you_mean("Match", fields.iter().copied()), Some("match"));
        assert_eq!(
            did_you_mean("validat", fields.iter().copied()),
            Some("validate")
        );
        assert_eq!(did_you_mean("zzz", fields.iter().copied()), None);
        let ops = ["Equals", "NotEquals", "AnyIn"];
        assert_eq!(did_you_mean("Equalz", ops.iter().copied()), Some("Equals"));
        let actions = ["audit", "enforce", "Audit", "Enforce"];
        assert_eq!(did_you_mean("Audt", actions.iter().copied()), Some("Audit"));
        assert_eq!(
            did_you_mean("enforc", actions.iter().copied()),
            Some("enforce")
        );
    }
}
