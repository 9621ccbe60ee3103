//! Query parameters in every common style — `$1`, `?`, `%s`, `%(name)s`,
//! `:name`, `@p1`, `@name::type`, `#{name}`, `{{name}}` and `{{name::type}}`
//! (named parameters of hand-written query helpers, umami's `rawQuery`),
//! sqlc's `sqlc.arg(name)`,
//! `sqlc.narg(name)`, `sqlc.slice(name)` — rewritten to the one style
//! the engine's parser accepts (`$n` for PostgreSQL, `?` elsewhere), so a
//! literal written for any driver parses. A small SQL lexer skips quoted
//! strings, quoted identifiers, dollar-quoted bodies and comments, where
//! these characters are not parameters. The same lexer splits a file into
//! statements at top-level semicolons.

use crate::engine::Engine;

/// Rewrites the parameters of `sql` into the engine's style.
pub fn normalize(sql: &str, engine: Engine) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0usize;
    let mut param = |out: &mut String| {
        n += 1;
        if engine == Engine::Postgres {
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push('?');
        }
    };
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let c = b[i];
        let skip_to = match c {
            b'\'' | b'"' | b'`' => Some(quoted_end(b, i, c)),
            b'-' if b.get(i + 1) == Some(&b'-') => Some(line_end(b, i)),
            b'#' if engine.is_mysql_family() && b.get(i + 1) != Some(&b'{') => Some(line_end(b, i)),
            b'/' if b.get(i + 1) == Some(&b'*') => Some(block_comment_end(b, i)),
            b'$' if engine == Engine::Postgres => dollar_quote_end(b, i),
            _ => None,
        };
        if let Some(end) = skip_to {
            i = end.max(i + 1);
            continue;
        }
        let prev = if i == 0 { b' ' } else { b[i - 1] };
        let ident_prev = prev.is_ascii_alphanumeric() || prev == b'_';
        let replaced_len = match c {
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) && !ident_prev => {
                Some(1 + digits(b, i + 1))
            }
            b'$' | b'#' if b.get(i + 1) == Some(&b'{') => {
                b[i..].iter().position(|x| *x == b'}').map(|p| p + 1)
            }
            b'{' if b.get(i + 1) == Some(&b'{') => sql[i + 2..]
                .find("}}")
                .filter(|&e| !sql[i + 2..i + 2 + e].contains(['\n', '{']))
                .map(|e| e + 4),
            b'?' if !matches!(b.get(i + 1), Some(b'|' | b'&')) => Some(1 + digits(b, i + 1)),
            b'%' if b.get(i + 1) == Some(&b'(') => {
                // `%(name)s`: the conversion letter must follow the `)`.
                let close = b[i..].iter().position(|x| *x == b')');
                close
                    .filter(|p| b.get(i + p + 1).is_some_and(u8::is_ascii_alphabetic))
                    .map(|p| p + 2)
            }
            b'%' if matches!(b.get(i + 1), Some(b's' | b'd' | b'b' | b'f')) && !ident_prev => {
                Some(2)
            }
            b':' if prev != b':'
                && b.get(i + 1)
                    .is_some_and(|x| x.is_ascii_alphabetic() || *x == b'_')
                && !ident_prev =>
            {
                Some(1 + ident_len(b, i + 1))
            }
            b':' if prev != b':' && b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                Some(1 + digits(b, i + 1))
            }
            b'@' if b
                .get(i + 1)
                .is_some_and(|x| x.is_ascii_alphabetic() || *x == b'_')
                && prev != b'@' =>
            {
                Some(1 + ident_len(b, i + 1))
            }
            b's' if !ident_prev && b[i..].starts_with(b"sqlc.") => {
                let open = b[i..].iter().position(|x| *x == b'(');
                let close = b[i..].iter().position(|x| *x == b')');
                match (open, close) {
                    (Some(o), Some(c)) if o < c && ident_len(b, i) == 4 => Some(c + 1),
                    _ => None,
                }
            }
            _ => None,
        };
        match replaced_len {
            Some(len) if c == b's' && sql[i..].starts_with("sqlc.embed(") => {
                // `sqlc.embed(t)` selects every column of `t` (sqlc nests
                // them in one struct): it stands for `t.*`, not a value.
                out.push_str(&sql[copied..i]);
                out.push_str(sql[i + 11..i + len - 1].trim());
                out.push_str(".*");
                i += len;
                copied = i;
            }
            Some(len) if c == b'{' => {
                // `{{name::type}}` keeps its cast.
                out.push_str(&sql[copied..i]);
                param(&mut out);
                if let Some((_, ty)) = sql[i + 2..i + len - 2].split_once("::") {
                    out.push_str("::");
                    out.push_str(ty.trim());
                }
                i += len;
                copied = i;
            }
            Some(len) => {
                out.push_str(&sql[copied..i]);
                param(&mut out);
                i += len;
                copied = i;
            }
            None => i += 1,
        }
        // Keep `i` on a char boundary for slicing.
        while i < b.len() && !sql.is_char_boundary(i) {
            i += 1;
        }
    }
    out.push_str(&sql[copied.min(sql.len())..]);
    out
}

/// Byte ranges of the statements of a SQL text, split at top-level `;`.
pub fn split_statements(sql: &str) -> Vec<(usize, usize)> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let skip_to = match c {
            b'\'' | b'"' | b'`' => Some(quoted_end(b, i, c)),
            b'-' if b.get(i + 1) == Some(&b'-') => Some(line_end(b, i)),
            b'/' if b.get(i + 1) == Some(&b'*') => Some(block_comment_end(b, i)),
            b'$' => dollar_quote_end(b, i),
            _ => None,
        };
        if let Some(end) = skip_to {
            i = end.max(i + 1);
            continue;
        }
        if c == b';' {
            out.push((start, i));
            start = i + 1;
        }
        i += 1;
    }
    out.push((start, b.len()));
    out.retain(|(s, e)| !only_comments(&sql[*s..*e]));
    out
}

/// Whether a text is blank or only comments.
pub fn only_comments(s: &str) -> bool {
    skip_blank(s).is_empty()
}

/// The text after leading whitespace, comments and opening parentheses.
pub fn skip_blank(s: &str) -> &str {
    let mut s = s;
    loop {
        let t = s.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(rest) = t.strip_prefix("--") {
            s = rest.split_once('\n').map(|x| x.1).unwrap_or("");
        } else if let Some(rest) = t.strip_prefix("/*") {
            s = rest.split_once("*/").map(|x| x.1).unwrap_or("");
        } else {
            return t;
        }
    }
}

fn digits(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .take_while(|x| x.is_ascii_digit())
        .count()
}

fn ident_len(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .take_while(|x| x.is_ascii_alphanumeric() || **x == b'_')
        .count()
}

fn quoted_end(b: &[u8], i: usize, q: u8) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' && q != b'`' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|x| *x == b'\n')
        .map(|p| i + p)
        .unwrap_or(b.len())
}

fn block_comment_end(b: &[u8], i: usize) -> usize {
    b[i + 2..]
        .windows(2)
        .position(|w| w == b"*/")
        .map(|p| i + 2 + p + 2)
        .unwrap_or(b.len())
}

/// `$tag$ ... $tag$` (PostgreSQL dollar quoting).
fn dollar_quote_end(b: &[u8], i: usize) -> Option<usize> {
    let tag_len = ident_len(b, i + 1);
    if b.get(i + 1 + tag_len) != Some(&b'$') || b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &b[i..i + tag_len + 2];
    let body = i + tag.len();
    let end = b[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map(|p| body + p + tag.len())
        .unwrap_or(b.len());
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_becomes_the_engine_style() {
        let pg = |s| normalize(s, Engine::Postgres);
        assert_eq!(pg("a = ? AND b = ?"), "a = $1 AND b = $2");
        assert_eq!(pg("a = %s AND b = %(x)s"), "a = $1 AND b = $2");
        assert_eq!(pg("a = :name AND b::int = @p1"), "a = $1 AND b::int = $2");
        assert_eq!(pg("a = $3 AND c = '?:x'"), "a = $1 AND c = '?:x'");
        assert_eq!(pg("a = #{id} AND b = sqlc.arg(b)"), "a = $1 AND b = $2");
        assert_eq!(
            pg("\"id\" = @id::uuid AND b = sqlc.narg('b') AND c IN (sqlc.slice(ids))"),
            "\"id\" = $1::uuid AND b = $2 AND c IN ($3)"
        );
        assert_eq!(
            pg("SELECT sqlc.embed(users), sqlc.embed( p ) FROM users JOIN p ON true"),
            "SELECT users.*, p.* FROM users JOIN p ON true"
        );
        assert_eq!(
            normalize("a = $1 and b = :b -- :c", Engine::Mysql),
            "a = ? and b = ? -- :c"
        );
        assert_eq!(pg("x = $$ :y $$"), "x = $$ :y $$");
        assert_eq!(
            pg("w = {{websiteId::uuid}} AND t >= {{ startDate }} AND j = '{{1}}'"),
            "w = $1::uuid AND t >= $2 AND j = '{{1}}'"
        );
        assert_eq!(pg("x = %(a)é"), "x = %(a)é");
    }

    #[test]
    fn statements_split_at_top_level_semicolons() {
        let s = "select 1; select ';'; -- c;\n";
        let parts: Vec<&str> = split_statements(s)
            .iter()
            .map(|(a, b)| &s[*a..*b])
            .collect();
        assert_eq!(parts, vec!["select 1", " select ';'"]);
    }
}
