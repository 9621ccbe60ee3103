//! Splitting a SQL script into statements with exact byte ranges.
//!
//! The splitter is a small lexer that knows each engine's quoting and
//! comment rules, so a `;` inside a string, a dollar-quoted body, a comment
//! or a trigger body never ends a statement. It also knows the script-level
//! syntax real migration files contain that is not SQL: psql
//! meta-commands (`\connect`), `COPY … FROM stdin` data blocks ending in
//! `\.`, the MySQL client's `DELIMITER`, goose's `StatementBegin/End`
//! markers. Splitting never fails: whatever text is left becomes a statement.

use crate::engine::Engine;

/// One statement found in a script: byte offsets into the script text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Offset of the statement's first significant byte.
    pub start: usize,
    /// Offset one past its last byte, before the delimiter.
    pub end: usize,
    /// What kind of piece this is.
    pub kind: PieceKind,
    /// Byte ranges of `--`/`#`/`/* */` comments that precede or sit inside
    /// the statement (used for `shipgate:allow` and `no-transaction` markers).
    pub comments: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// An SQL statement.
    Sql,
    /// A psql meta-command line (`\connect db`, `\restrict key`).
    PsqlMeta,
    /// The inline data of a `COPY … FROM stdin` (up to and including `\.`).
    CopyData,
    /// A MySQL client `DELIMITER` line.
    Delimiter,
}

/// Splits `text[range]` into statements. Offsets are into `text`.
pub fn split(text: &str, range: std::ops::Range<usize>, engine: Engine) -> Vec<Piece> {
    Splitter::new(text, range, engine).run()
}

struct Splitter<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    end: usize,
    engine: Engine,
    delimiter: String,
    pieces: Vec<Piece>,
    comments: Vec<(usize, usize)>,
    /// A goose `StatementBegin` marker was seen before the next statement.
    goose_pending: bool,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str, range: std::ops::Range<usize>, engine: Engine) -> Self {
        let end = range.end.min(text.len());
        Splitter {
            bytes: text.as_bytes(),
            text,
            pos: range.start.min(end),
            end,
            engine,
            delimiter: ";".to_string(),
            pieces: Vec::new(),
            comments: Vec::new(),
            goose_pending: false,
        }
    }

    fn run(mut self) -> Vec<Piece> {
        loop {
            self.skip_space_and_comments();
            if self.pos >= self.end {
                break;
            }
            if self.at_line_start_command() {
                continue;
            }
            self.statement();
        }
        self.pieces
    }

    fn peek(&self, off: usize) -> u8 {
        let i = self.pos + off;
        if i < self.end {
            self.bytes[i]
        } else {
            0
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes[self.pos..self.end].starts_with(s.as_bytes())
    }

    fn starts_with_ci(&self, s: &str) -> bool {
        let n = s.len();
        self.pos + n <= self.end
            && self.bytes[self.pos..self.pos + n].eq_ignore_ascii_case(s.as_bytes())
    }

    fn line_end(&self, from: usize) -> usize {
        self.bytes[from..self.end]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| from + p)
            .unwrap_or(self.end)
    }

    /// Skips white space and comments between statements, remembering comments.
    fn skip_space_and_comments(&mut self) {
        loop {
            while self.pos < self.end && self.bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if self.pos >= self.end {
                return;
            }
            if let Some(len) = self.comment_len() {
                if self.text[self.pos..self.pos + len].contains("+goose StatementBegin") {
                    self.goose_pending = true;
                }
                self.comments.push((self.pos, self.pos + len));
                self.pos += len;
                continue;
            }
            return;
        }
    }

    /// The length of a comment starting at `pos`, if one does. MySQL's
    /// executable comments `/*! … */` are code, not comments.
    fn comment_len(&self) -> Option<usize> {
        let c = self.peek(0);
        let line_comment =
            (c == b'-' && self.peek(1) == b'-') || (c == b'#' && self.engine.is_mysql_family());
        if line_comment {
            return Some(self.line_end(self.pos) - self.pos);
        }
        if c == b'/' && self.peek(1) == b'*' {
            if self.engine.is_mysql_family() && self.peek(2) == b'!' {
                return None;
            }
            let nested = self.engine == Engine::Postgres;
            let mut depth = 0usize;
            let mut i = self.pos;
            while i < self.end {
                if self.bytes[i] == b'/' && i + 1 < self.end && self.bytes[i + 1] == b'*' {
                    depth += 1;
                    i += 2;
                    if !nested {
                        depth = 1;
                    }
                } else if self.bytes[i] == b'*' && i + 1 < self.end && self.bytes[i + 1] == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return Some(i - self.pos);
                    }
                } else {
                    i += 1;
                }
            }
            return Some(self.end - self.pos);
        }
        None
    }

    /// psql meta-commands and the MySQL `DELIMITER` command: whole lines.
    fn at_line_start_command(&mut self) -> bool {
        if self.engine == Engine::Postgres && self.peek(0) == b'\\' {
            let end = self.line_end(self.pos);
            self.push(self.pos, end, PieceKind::PsqlMeta);
            self.pos = end;
            return true;
        }
        if self.engine.is_mysql_family() && self.starts_with_ci("delimiter") {
            let after = self.peek("delimiter".len());
            if after == b' ' || after == b'\t' {
                let end = self.line_end(self.pos);
                let arg = self.text[self.pos + "delimiter".len()..end].trim();
                if !arg.is_empty() {
                    self.delimiter = arg.to_string();
                }
                self.push(self.pos, end, PieceKind::Delimiter);
                self.pos = end;
                return true;
            }
        }
        false
    }

    fn push(&mut self, start: usize, end: usize, kind: PieceKind) {
        let comments = std::mem::take(&mut self.comments);
        self.pieces.push(Piece {
            start,
            end,
            kind,
            comments,
        });
    }

    /// Reads one statement from `pos` up to its delimiter.
    fn statement(&mut self) {
        let start = self.pos;
        let trigger = self.is_compound_start();
        let mut block_depth: i32 = 0;
        let mut word_start: Option<usize> = None;
        let mut in_goose_block = std::mem::take(&mut self.goose_pending);
        while self.pos < self.end {
            let c = self.bytes[self.pos];
            // Word tracking for BEGIN … END inside trigger bodies.
            if c.is_ascii_alphanumeric() || c == b'_' {
                if word_start.is_none() {
                    word_start = Some(self.pos);
                }
                self.pos += 1;
                continue;
            } else if let Some(ws) = word_start.take() {
                if trigger {
                    let w = &self.text[ws..self.pos];
                    if w.eq_ignore_ascii_case("begin") || w.eq_ignore_ascii_case("case") {
                        block_depth += 1;
                    } else if w.eq_ignore_ascii_case("end") {
                        block_depth -= 1;
                    }
                }
            }
            if !in_goose_block && block_depth <= 0 && self.starts_with(&self.delimiter) {
                let end = self.pos;
                self.pos += self.delimiter.len();
                self.finish(start, end);
                return;
            }
            if let Some(len) = self.comment_len() {
                let comment = &self.text[self.pos..self.pos + len];
                if comment.contains("+goose StatementBegin") {
                    in_goose_block = true;
                } else if in_goose_block && comment.contains("+goose StatementEnd") {
                    // The block ends the statement; a trailing delimiter is not part of it.
                    let mut end = self.pos;
                    let body = self.text[start..end].trim_end();
                    end = start
                        + body
                            .strip_suffix(self.delimiter.as_str())
                            .unwrap_or(body)
                            .len();
                    self.pos += len;
                    self.finish(start, end);
                    return;
                }
                self.comments.push((self.pos, self.pos + len));
                self.pos += len;
                continue;
            }
            match c {
                b'\'' => self.skip_quoted(b'\'', self.backslash_escapes(start)),
                b'"' => self.skip_quoted(b'"', self.engine.is_mysql_family()),
                b'`' if self.engine != Engine::Postgres => self.skip_quoted(b'`', false),
                b'$' if self.engine == Engine::Postgres => self.skip_dollar(),
                _ => self.pos += 1,
            }
        }
        let end = self.end;
        self.finish(start, end);
    }

    /// Records the statement; a `COPY … FROM stdin` is followed by its data.
    fn finish(&mut self, start: usize, end: usize) {
        let mut trimmed_end = end;
        while trimmed_end > start && self.bytes[trimmed_end - 1].is_ascii_whitespace() {
            trimmed_end -= 1;
        }
        if trimmed_end > start {
            self.push(start, trimmed_end, PieceKind::Sql);
        }
        let stmt = &self.text[start..trimmed_end];
        if self.engine == Engine::Postgres && is_copy_from_stdin(stmt) {
            self.copy_data();
        }
    }

    /// Skips the data lines of `COPY … FROM stdin` up to the `\.` line.
    fn copy_data(&mut self) {
        let line_end = self.line_end(self.pos);
        let mut i = (line_end + 1).min(self.end);
        let data_start = i;
        while i < self.end {
            let le = self.line_end(i);
            if self.text[i..le].trim_end() == "\\." {
                self.push(data_start, le, PieceKind::CopyData);
                self.pos = le;
                return;
            }
            i = le + 1;
        }
        if data_start < self.end {
            self.push(data_start, self.end, PieceKind::CopyData);
        }
        self.pos = self.end;
    }

    /// `CREATE [TEMP] TRIGGER` (SQLite, MySQL) and PostgreSQL `BEGIN ATOMIC`
    /// bodies hold `;` between BEGIN and END.
    fn is_compound_start(&self) -> bool {
        // Only CREATE statements can be compound; most statements stop here
        // without building anything.
        if self.engine == Engine::Postgres || !self.starts_with_ci("create") {
            return false;
        }
        // 200 bytes may end inside a multi-byte character: back off to a boundary.
        let mut cut = self.end.min(self.pos + 200);
        while !self.text.is_char_boundary(cut) {
            cut -= 1;
        }
        let head: String = self.text[self.pos..cut]
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        if self.engine == Engine::Postgres {
            return false;
        }
        head.starts_with("CREATE TRIGGER")
            || head.starts_with("CREATE TEMP TRIGGER")
            || head.starts_with("CREATE TEMPORARY TRIGGER")
            || (head.starts_with("CREATE DEFINER") && head.contains("TRIGGER"))
            || (self.engine.is_mysql_family()
                && self.delimiter == ";"
                && (head.starts_with("CREATE PROCEDURE") || head.starts_with("CREATE FUNCTION")))
    }

    fn backslash_escapes(&self, _stmt_start: usize) -> bool {
        if self.engine.is_mysql_family() {
            return true;
        }
        // PostgreSQL E'…' strings.
        self.pos > 0 && matches!(self.bytes[self.pos - 1], b'E' | b'e')
    }

    fn skip_quoted(&mut self, q: u8, backslash: bool) {
        self.pos += 1;
        while self.pos < self.end {
            let c = self.bytes[self.pos];
            if backslash && c == b'\\' {
                self.pos += 2;
                continue;
            }
            if c == q {
                if self.peek(1) == q {
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                return;
            }
            self.pos += 1;
        }
        self.pos = self.end;
    }

    /// `$tag$ … $tag$` (PostgreSQL dollar quoting); `$1` parameters are not quotes.
    fn skip_dollar(&mut self) {
        let rest = &self.bytes[self.pos + 1..self.end];
        let tag_len = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or(rest.len());
        let is_quote = rest.get(tag_len) == Some(&b'$')
            && !rest[..tag_len].first().is_some_and(|b| b.is_ascii_digit());
        if !is_quote {
            self.pos += 1;
            return;
        }
        let tag = &self.text[self.pos..self.pos + tag_len + 2];
        let body_start = self.pos + tag.len();
        match self.text[body_start..self.end].find(tag) {
            Some(p) => self.pos = body_start + p + tag.len(),
            None => self.pos = self.end,
        }
    }
}

fn is_copy_from_stdin(stmt: &str) -> bool {
    let upper = stmt.to_ascii_uppercase();
    upper.trim_start().starts_with("COPY ") && upper.contains("FROM STDIN")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, engine: Engine) -> Vec<String> {
        split(sql, 0..sql.len(), engine)
            .into_iter()
            .map(|p| sql[p.start..p.end].to_string())
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "CREATE TABLE a (x text default 'a;b'); -- c;d\n/* e; */ SELECT 1;";
        assert_eq!(
            texts(sql, Engine::Postgres),
            vec!["CREATE TABLE a (x text default 'a;b')", "SELECT 1"]
        );
    }

    #[test]
    fn dollar_quoted_bodies_keep_semicolons() {
        let sql = "DO $$ BEGIN PERFORM 1; END $$;\nSELECT $1;";
        assert_eq!(
            texts(sql, Engine::Postgres),
            vec!["DO $$ BEGIN PERFORM 1; END $$", "SELECT $1"]
        );
    }

    #[test]
    fn psql_meta_and_copy_data_are_separate_pieces() {
        let sql = "\\connect db\nCOPY t (a) FROM stdin;\n1\n2;3\n\\.\nSELECT 1;";
        let pieces = split(sql, 0..sql.len(), Engine::Postgres);
        let kinds: Vec<PieceKind> = pieces.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                PieceKind::PsqlMeta,
                PieceKind::Sql,
                PieceKind::CopyData,
                PieceKind::Sql
            ]
        );
        assert_eq!(&sql[pieces[3].start..pieces[3].end], "SELECT 1");
    }

    #[test]
    fn mysql_delimiter_changes_the_terminator() {
        let sql =
            "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nSELECT 2;";
        let t = texts(sql, Engine::Mysql);
        assert_eq!(t[1], "CREATE PROCEDURE p() BEGIN SELECT 1; END");
        assert_eq!(t[3], "SELECT 2");
    }

    #[test]
    fn sqlite_trigger_bodies_stay_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = CASE WHEN 1 THEN 2 END; DELETE FROM c; END;\nSELECT 1;";
        let t = texts(sql, Engine::Sqlite);
        assert_eq!(t.len(), 2);
        assert!(t[0].ends_with("END"));
    }

    #[test]
    fn mysql_executable_comments_are_code() {
        let sql = "/*!40101 SET NAMES utf8 */;\n# note\nSELECT 1;";
        assert_eq!(
            texts(sql, Engine::Mysql),
            vec!["/*!40101 SET NAMES utf8 */", "SELECT 1"]
        );
    }

    #[test]
    fn goose_statement_blocks_are_one_statement() {
        let sql = "-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS 'select 1; select 2' LANGUAGE sql; SELECT 3;\n-- +goose StatementEnd\n";
        assert_eq!(texts(sql, Engine::Sqlite).len(), 1);
    }

    #[test]
    fn range_limits_the_split() {
        let sql = "SELECT 1; SELECT 2; SELECT 3;";
        let pieces = split(sql, 10..20, Engine::Postgres);
        assert_eq!(pieces.len(), 1);
        assert_eq!(&sql[pieces[0].start..pieces[0].end], "SELECT 2");
    }

    #[test]
    fn a_multibyte_character_at_the_lookahead_limit_does_not_panic() {
        // `é` straddles byte 200 of the statement.
        let sql = format!("CREATE TRIGGER {}é x;", "a".repeat(184));
        for engine in [Engine::Sqlite, Engine::Mysql] {
            let pieces = split(&sql, 0..sql.len(), engine);
            assert!(!pieces.is_empty());
        }
    }
}
