//! The MySQL/MariaDB `ALTER TABLE` forms sqlparser (0.64) cannot read,
//! read clause by clause without guessing. Used by `shipgate osc` (which
//! applies the raw clauses to its shadow) and by the fallback recogniser
//! of `check`.
//!
//! The statement is tokenized (sqlparser's tokenizer works where its
//! grammar fails) and split into its top-level clauses at commas. A clause
//! is one of:
//! - table options (`ENGINE`, `ROW_FORMAT`, `COMMENT`, `[DEFAULT]
//!   CHARSET`/`CHARACTER SET`, `[DEFAULT] COLLATE`, `KEY_BLOCK_SIZE`,
//!   `AUTO_INCREMENT`, several separated by spaces), `FORCE`, `CONVERT TO
//!   CHARACTER SET x [COLLATE y]`: kept as written and applied to the shadow
//!   ([`Part::Raw`]);
//! - `ALGORITHM=`/`LOCK=`: dropped (they mean nothing on an empty shadow);
//! - `DROP KEY k`: read as `DROP INDEX k`, which sqlparser knows;
//! - anything else: handed to sqlparser. A clause it cannot read is named
//!   in the error, with the parser's message.
//!
//! What the raw clauses mean (a rebuild, an engine the copy cannot use) is
//! for the caller to judge: each carries its kind and the options' values.

use sqlparser::dialect::Dialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// One clause, in statement order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The n-th operation sqlparser read.
    Op(usize),
    /// A table option, `FORCE` or `CONVERT TO`, as written.
    Raw(String, Raw),
}

/// What a raw clause is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    /// Table options: (upper-case name, value as written), e.g.
    /// `("ENGINE", "InnoDB")`, `("CHARACTER SET", "utf8mb4")`.
    Options(Vec<(String, String)>),
    Force,
    Convert,
}

/// The statement split for sqlparser: `sql` is `ALTER TABLE name` with the
/// clauses it can read; `parts` puts those back in order with the raw ones.
#[derive(Debug)]
pub struct Split {
    /// `ALTER TABLE name`, as written.
    pub head: String,
    /// Clauses for sqlparser, in order (`DROP KEY` already rewritten).
    pub parsed: Vec<String>,
    pub parts: Vec<Part>,
}

struct Tok {
    token: Token,
    /// Byte offset of the token's first character.
    at: usize,
}

fn tokens(dialect: &dyn Dialect, sql: &str) -> Option<Vec<Tok>> {
    let toks = Tokenizer::new(dialect, sql).tokenize_with_location().ok()?;
    // Locations are 1-based (line, character column): map them to bytes.
    let mut line_starts = vec![0usize];
    line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: u64, col: u64| -> usize {
        let start = line_starts
            .get(line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(sql.len());
        sql[start..]
            .char_indices()
            .nth(col.saturating_sub(1) as usize)
            .map(|(i, _)| start + i)
            .unwrap_or(sql.len())
    };
    Some(
        toks.into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .map(|t| Tok {
                at: offset(t.span.start.line, t.span.start.column),
                token: t.token,
            })
            .collect(),
    )
}

fn word(t: &Tok) -> Option<String> {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

fn is_word(t: Option<&Tok>, kw: &str) -> bool {
    t.and_then(word).is_some_and(|w| w == kw)
}

/// Splits a MySQL `ALTER TABLE`. None when the text is not one `ALTER
/// TABLE name …` (the caller reports sqlparser's own error then); Err for
/// an empty clause.
pub fn split(dialect: &dyn Dialect, sql: &str) -> Option<Result<Split, String>> {
    let mut toks = tokens(dialect, sql)?;
    // One trailing semicolon is allowed; a second statement is not ours.
    let mut stmt_end = sql.len();
    if matches!(toks.last().map(|t| &t.token), Some(Token::SemiColon)) {
        stmt_end = toks.pop().map(|t| t.at).unwrap_or(stmt_end);
    }
    if toks.iter().any(|t| t.token == Token::SemiColon) {
        return None;
    }
    let end_of = |i: usize| toks.get(i).map(|t| t.at).unwrap_or(stmt_end);
    if !(is_word(toks.first(), "ALTER") && is_word(toks.get(1), "TABLE")) {
        return None;
    }
    // The table name: `name` or `schema.name`.
    let mut i = 2;
    if !matches!(toks.get(i).map(|t| &t.token), Some(Token::Word(_))) {
        return None;
    }
    i += 1;
    if matches!(toks.get(i).map(|t| &t.token), Some(Token::Period)) {
        if !matches!(toks.get(i + 1).map(|t| &t.token), Some(Token::Word(_))) {
            return None;
        }
        i += 2;
    }
    let head = sql[..end_of(i)].trim().to_string();
    // Clauses: token ranges between top-level commas.
    let mut clauses: Vec<(usize, usize)> = vec![];
    let (mut depth, mut start) = (0i32, i);
    for (j, t) in toks.iter().enumerate().skip(i) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                clauses.push((start, j));
                start = j + 1;
            }
            _ => {}
        }
    }
    clauses.push((start, toks.len()));
    let mut out = Split {
        head,
        parsed: vec![],
        parts: vec![],
    };
    for (a, b) in clauses {
        let c = &toks[a..b];
        let text = sql[end_of(a)..end_of(b)].trim().to_string();
        if c.is_empty() {
            return Some(Err(format!(
                "cannot read the statement: an empty clause (two commas, or a comma at the end) after {:?}",
                sql[..end_of(a)].trim()
            )));
        }
        match classify(c, &text) {
            Kind::Drop => {}
            Kind::Raw(r) => out.parts.push(Part::Raw(text, r)),
            Kind::Parser(t) => {
                out.parts.push(Part::Op(out.parsed.len()));
                out.parsed.push(t);
            }
        }
    }
    Some(Ok(out))
}

enum Kind {
    /// `ALGORITHM=` / `LOCK=`.
    Drop,
    Raw(Raw),
    Parser(String),
}

fn classify(c: &[Tok], text: &str) -> Kind {
    let w = |i: usize| c.get(i).and_then(word);
    match w(0).as_deref() {
        Some("ALGORITHM" | "LOCK") => return Kind::Drop,
        Some("FORCE") if c.len() == 1 => return Kind::Raw(Raw::Force),
        Some("CONVERT") if is_convert(c) => return Kind::Raw(Raw::Convert),
        Some("DROP") if w(1).as_deref() == Some("KEY") && c.len() == 3 => {
            if let Token::Word(name) = &c[2].token {
                return Kind::Parser(format!("DROP INDEX {name}"));
            }
        }
        _ => {}
    }
    match table_options(c) {
        Some(o) => Kind::Raw(Raw::Options(o)),
        None => Kind::Parser(text.to_string()),
    }
}

/// `CONVERT TO {CHARACTER SET | CHARSET} name [COLLATE name]`.
fn is_convert(c: &[Tok]) -> bool {
    let mut i = 2;
    if !is_word(c.get(1), "TO") {
        return false;
    }
    if is_word(c.get(i), "CHARACTER") && is_word(c.get(i + 1), "SET") {
        i += 2;
    } else if is_word(c.get(i), "CHARSET") {
        i += 1;
    } else {
        return false;
    }
    if value(c.get(i)).is_none() {
        return false;
    }
    i += 1;
    if is_word(c.get(i), "COLLATE") {
        if value(c.get(i + 1)).is_none() {
            return false;
        }
        i += 2;
    }
    i == c.len()
}

/// A name or literal value of a table option.
fn value(t: Option<&Tok>) -> Option<String> {
    match &t?.token {
        Token::Word(w) => Some(w.value.clone()),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
        Token::Number(n, _) => Some(n.clone()),
        _ => None,
    }
}

/// One or more table options separated by spaces. None: not options (the
/// parser gets the clause).
fn table_options(c: &[Tok]) -> Option<Vec<(String, String)>> {
    let mut out = vec![];
    let mut i = 0;
    while i < c.len() {
        if is_word(c.get(i), "DEFAULT") {
            i += 1;
        }
        let name = match c.get(i).and_then(word).as_deref() {
            Some("CHARACTER") if is_word(c.get(i + 1), "SET") => {
                i += 2;
                "CHARACTER SET".to_string()
            }
            Some(
                n @ ("CHARSET" | "COLLATE" | "ENGINE" | "ROW_FORMAT" | "COMMENT" | "KEY_BLOCK_SIZE"
                | "AUTO_INCREMENT"),
            ) => {
                i += 1;
                n.to_string()
            }
            _ => return None,
        };
        if matches!(c.get(i).map(|t| &t.token), Some(Token::Eq)) {
            i += 1;
        }
        let v = value(c.get(i))?;
        i += 1;
        out.push((name, v));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(sql: &str) -> Split {
        split(&sqlparser::dialect::MySqlDialect {}, sql)
            .expect("an ALTER TABLE")
            .expect("readable")
    }

    #[test]
    fn options_force_and_convert_are_kept_in_order() {
        let s = sp("ALTER TABLE db.`t` ADD COLUMN c int AFTER b, ENGINE=InnoDB ROW_FORMAT = DYNAMIC, DROP KEY `k`, ALGORITHM=INPLACE, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, COMMENT 'a, b', FORCE;");
        assert_eq!(s.head, "ALTER TABLE db.`t`");
        assert_eq!(s.parsed, vec!["ADD COLUMN c int AFTER b", "DROP INDEX `k`"]);
        assert_eq!(
            s.parts,
            vec![
                Part::Op(0),
                Part::Raw(
                    "ENGINE=InnoDB ROW_FORMAT = DYNAMIC".into(),
                    Raw::Options(vec![
                        ("ENGINE".into(), "InnoDB".into()),
                        ("ROW_FORMAT".into(), "DYNAMIC".into())
                    ])
                ),
                Part::Op(1),
                Part::Raw(
                    "CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin".into(),
                    Raw::Convert
                ),
                Part::Raw(
                    "COMMENT 'a, b'".into(),
                    Raw::Options(vec![("COMMENT".into(), "a, b".into())])
                ),
                Part::Raw("FORCE".into(), Raw::Force),
            ]
        );
        let s = sp("ALTER TABLE t DEFAULT CHARSET=latin1 DEFAULT COLLATE latin1_bin KEY_BLOCK_SIZE=8 AUTO_INCREMENT 1000");
        assert_eq!(s.parts.len(), 1);
        assert!(s.parsed.is_empty());
    }

    #[test]
    fn hands_the_rest_to_the_parser() {
        let s = sp("ALTER TABLE t STATS_PERSISTENT=0, ADD COLUMN IF NOT EXISTS c int");
        assert_eq!(
            s.parsed,
            vec!["STATS_PERSISTENT=0", "ADD COLUMN IF NOT EXISTS c int"]
        );
        assert!(split(&sqlparser::dialect::MySqlDialect {}, "SELECT 1").is_none());
        assert!(
            split(&sqlparser::dialect::MySqlDialect {}, "ALTER TABLE t FORCE,")
                .unwrap()
                .is_err()
        );
        assert!(split(
            &sqlparser::dialect::MySqlDialect {},
            "ALTER TABLE t FORCE; ALTER TABLE u FORCE"
        )
        .is_none());
    }
}
