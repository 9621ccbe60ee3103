//! Files that hold both directions in one file (dbmate's `-- migrate:up` /
//! `-- migrate:down`, goose's `-- +goose Up` / `-- +goose Down`): where the up
//! part is, as a byte range of the whole file so line numbers stay real, and
//! the transaction options written in the file.

use std::ops::Range;

/// What a sectioned file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    /// Byte range of the up part: from the line after the up marker to the
    /// start of the next marker line (or the end of the file).
    pub up: Range<usize>,
    /// Whether an up marker was found at all.
    pub has_up: bool,
    /// The file asks not to be wrapped in a transaction.
    pub no_transaction: bool,
}

/// Lines of `text` with the byte offset of each line's start; the line keeps
/// its terminator so offsets add up.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0usize, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// A dbmate marker line (`-- migrate:up transaction:false`): (is_up, options).
fn dbmate_marker(line: &str) -> Option<(bool, &str)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("migrate:")?;
    if let Some(opts) = rest.strip_prefix("up") {
        Some((true, opts))
    } else {
        rest.strip_prefix("down").map(|opts| (false, opts))
    }
}

/// dbmate: <https://github.com/amacneil/dbmate#creating-migrations>; each
/// migration runs in a transaction unless its marker says `transaction:false`.
pub fn dbmate(text: &str) -> Sections {
    let mut up: Option<Range<usize>> = None;
    let mut open = false;
    let mut no_transaction = false;
    for (start, line) in lines_with_offsets(text) {
        if let Some((is_up, opts)) = dbmate_marker(line) {
            if open {
                if let Some(r) = up.as_mut() {
                    r.end = start;
                }
                open = false;
            }
            if is_up && up.is_none() {
                let body = start + line.len();
                up = Some(body..text.len());
                open = true;
                no_transaction = opts
                    .split_whitespace()
                    .any(|o| o.eq_ignore_ascii_case("transaction:false"));
            }
        }
    }
    finish(text, up, no_transaction)
}

/// A goose annotation line (`-- +goose Up`): the word after `+goose`.
fn goose_annotation(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("+goose")?;
    Some(rest.trim())
}

/// goose: <https://pressly.github.io/goose/documentation/annotations/>; each
/// migration runs in a transaction unless it says `-- +goose NO TRANSACTION`.
/// `StatementBegin`/`StatementEnd` stay in the text for the statement splitter.
pub fn goose(text: &str) -> Sections {
    let mut up: Option<Range<usize>> = None;
    let mut open = false;
    let mut no_transaction = false;
    for (start, line) in lines_with_offsets(text) {
        let Some(word) = goose_annotation(line) else {
            continue;
        };
        let word = word.to_ascii_uppercase();
        if word == "NO TRANSACTION" {
            no_transaction = true;
        } else if word == "UP" || word == "DOWN" {
            if open {
                if let Some(r) = up.as_mut() {
                    r.end = start;
                }
                open = false;
            }
            if word == "UP" && up.is_none() {
                up = Some(start + line.len()..text.len());
                open = true;
            }
        }
    }
    finish(text, up, no_transaction)
}

fn finish(text: &str, up: Option<Range<usize>>, no_transaction: bool) -> Sections {
    match up {
        Some(up) => Sections {
            up,
            has_up: true,
            no_transaction,
        },
        None => Sections {
            up: 0..text.len(),
            has_up: false,
            no_transaction,
        },
    }
}

/// sqlx: a file whose first line is `-- no-transaction` is run outside a
/// transaction (<https://docs.rs/sqlx/latest/sqlx/macro.migrate.html>).
pub fn sqlx_no_transaction(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .starts_with("-- no-transaction")
}

/// Atlas: `-- atlas:txmode none` in the file header turns the per-file
/// transaction off (<https://atlasgo.io/versioned/apply#transaction-configuration>).
pub fn atlas_no_transaction(text: &str) -> bool {
    text.lines()
        .take_while(|l| l.trim_start().starts_with("--") || l.trim().is_empty())
        .any(|l| {
            let l = l.trim_start().trim_start_matches('-').trim();
            l.strip_prefix("atlas:txmode")
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("none"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbmate_up_stops_at_down() {
        let t = "-- migrate:up\ncreate table a (id int);\n\n-- migrate:down\ndrop table a;\n";
        let s = dbmate(t);
        assert_eq!(&t[s.up.clone()], "create table a (id int);\n\n");
        assert!(s.has_up && !s.no_transaction);
    }

    #[test]
    fn dbmate_transaction_false() {
        let s = dbmate("-- migrate:up transaction:false\ncreate index concurrently i on a (x);\n");
        assert!(s.no_transaction);
    }

    #[test]
    fn goose_sections_and_no_transaction() {
        let t = "-- +goose NO TRANSACTION\n-- +goose Down\ndrop table a;\n-- +goose Up\ncreate table a ();\n";
        let s = goose(t);
        assert!(s.no_transaction);
        assert_eq!(&t[s.up.clone()], "create table a ();\n");
    }

    #[test]
    fn no_marker_means_whole_file() {
        let s = goose("select 1;");
        assert!(!s.has_up);
        assert_eq!(s.up, 0..9);
    }

    #[test]
    fn sqlx_and_atlas_flags() {
        assert!(sqlx_no_transaction(
            "-- no-transaction\ncreate index concurrently ..."
        ));
        assert!(!sqlx_no_transaction("select 1;\n-- no-transaction"));
        assert!(atlas_no_transaction(
            "-- atlas:txmode none\ncreate index ..."
        ));
        assert!(!atlas_no_transaction(
            "create table a (id int);\n-- atlas:txmode none"
        ));
    }
}
