//! The names PostgreSQL gives objects a statement does not name, and its
//! limit on every name: identifiers are cut to `NAMEDATALEN - 1` = 63
//! bytes (with a NOTICE), and generated names `<table>_<columns>_<label>`
//! are shortened to fit by trimming the longer of the table part and the
//! column part, so the label survives. Later migrations drop and rename
//! objects by these names.
//!
//! Follows `makeObjectName`, `ChooseRelationName`/`ChooseConstraintName`
//! and `ChooseIndexNameAddition` in PostgreSQL's `src/backend/commands/
//! indexcmds.c` and `catalog/pg_constraint.c`; the test
//! `tests/pg_generated_names.rs` compares them with a live server.
//! <https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS>

/// The longest name PostgreSQL keeps, in bytes (`NAMEDATALEN - 1` of a
/// default build).
pub const MAX_NAME_BYTES: usize = 63;

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary (`pg_mbcliplen` for UTF-8).
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// An identifier as PostgreSQL stores it: at most 63 bytes.
pub fn truncate_identifier(s: &str) -> &str {
    clip(s, MAX_NAME_BYTES)
}

/// `makeObjectName`: `name1[_name2][_label]` within 63 bytes, shortening
/// the longer of `name1` and `name2` first, a byte at a time.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = usize::from(name2.is_some()) + label.len() + 1;
    let avail = MAX_NAME_BYTES.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// `ChooseRelationName`/`ChooseConstraintName`: the generated name, or with
/// `label1`, `label2`, … appended to the label while the name is taken.
pub fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: &dyn Fn(&str) -> bool,
) -> String {
    let mut name = make_object_name(name1, name2, label);
    let mut pass = 0;
    while taken(&name) && pass < 10_000 {
        pass += 1;
        name = make_object_name(name1, name2, &format!("{label}{pass}"));
    }
    name
}

/// `ChooseIndexNameAddition`: column names joined by `_`, stopping once the
/// result reaches 64 bytes (`make_object_name` trims it further).
pub fn columns_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(clip(c, MAX_NAME_BYTES));
        if out.len() > MAX_NAME_BYTES {
            break;
        }
    }
    out
}

/// The name an index key contributes (`ChooseIndexColumnNames`): a column
/// by its name, an expression by its function (`lower(email)` → `lower`),
/// any other expression as `expr`.
pub fn index_key_name(key: &str) -> String {
    let key = key.trim();
    let word = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    if word(key) {
        return key.to_string();
    }
    if let Some((f, _)) = key.split_once('(') {
        let f = f.trim();
        let last = f.rsplit('.').next().unwrap_or(f).trim_matches('"');
        if word(last) {
            return last.to_lowercase();
        }
    }
    "expr".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined_as_they_are() {
        assert_eq!(
            make_object_name("users", Some("email"), "key"),
            "users_email_key"
        );
        assert_eq!(make_object_name("users", None, "pkey"), "users_pkey");
    }

    #[test]
    fn the_longer_part_is_trimmed_first() {
        // Checked against PostgreSQL 15 (hydra's trusted JWT issuer key).
        let cols = columns_addition(&["issuer".into(), "subject".into(), "key_id".into()]);
        assert_eq!(
            make_object_name("hydra_oauth2_trusted_jwt_bearer_issuer", Some(&cols), "key"),
            "hydra_oauth2_trusted_jwt_bearer_issue_issuer_subject_key_id_key"
        );
        let n = make_object_name(&"t".repeat(100), Some(&"c".repeat(100)), "fkey");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_fkey"));
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        let s = "é".repeat(40); // 80 bytes
        assert_eq!(truncate_identifier(&s).len(), 62);
        let n = make_object_name(&"é".repeat(40), None, "pkey");
        assert!(n.len() <= 63 && n.ends_with("_pkey"), "{n}");
    }

    #[test]
    fn taken_names_get_a_number() {
        let taken = |n: &str| n == "t_check" || n == "t_check1";
        assert_eq!(choose_name("t", None, "check", &taken), "t_check2");
    }

    #[test]
    fn index_keys_name_their_columns_or_functions() {
        assert_eq!(index_key_name("email"), "email");
        assert_eq!(index_key_name("lower(email)"), "lower");
        assert_eq!(index_key_name("(a + b)"), "expr");
    }
}
