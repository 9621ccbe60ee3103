//! What an incomplete replay may have missed. A statement the replay did
//! not understand (`Op::Unknown`), one that failed to apply, or one whose
//! body creates or alters tables at run time (a function) may have created
//! or changed any object it names. A finding that needs such an object to
//! be absent (SG400, SG401, SG001) is then a guess about shipgate's own
//! model, not a fact about the release: it drops to a warning that says
//! which statements were not understood. Pure: no IO.

use crate::sql::ir::{Op, Statement};
use std::collections::BTreeSet;

/// The statements a replay could not model, and the names they mention.
#[derive(Debug, Clone, Default)]
pub struct Incomplete {
    /// `file:line (first words…)` of each such statement, with its
    /// lower-cased words (identifiers among them).
    statements: Vec<(String, BTreeSet<String>)>,
}

/// The statement's bare identifiers, lower-cased, quotes removed.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A statement whose effect on the schema the model does not know.
fn not_modelled(stmt: &Statement) -> bool {
    stmt.ops.iter().any(|op| match op {
        Op::Unknown { .. } => true,
        // A function body that creates or alters tables when it runs, a
        // `CREATE FOREIGN TABLE`: understood, but not modelled. (Comments
        // and grants that merely name a table are not.)
        Op::Other { what } => {
            let w: BTreeSet<String> = words(&stmt.text).collect();
            (what.starts_with("create") || what.starts_with("function"))
                && w.contains("table")
                && (w.contains("create") || w.contains("alter"))
        }
        _ => false,
    })
}

impl Incomplete {
    /// Adds a statement if the model could not follow it: `failed` when
    /// replaying it reported errors.
    pub fn add(&mut self, stmt: &Statement, failed: bool) {
        let how = if failed {
            "did not replay"
        } else if stmt.ops.iter().any(|o| matches!(o, Op::Unknown { .. })) {
            "not understood"
        } else if not_modelled(stmt) {
            "not modelled"
        } else {
            return;
        };
        let head: String = stmt
            .text
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        self.statements.push((
            format!("{}:{} ({head} …: {how})", stmt.span.file, stmt.span.line),
            words(&stmt.text).collect(),
        ));
    }

    /// Adds a migration file shipgate does not read at all (pop's fizz).
    pub fn add_unread(&mut self, path: &str, text: &str) {
        self.statements
            .push((format!("{path} (not read)"), words(text).collect()));
    }

    /// Adds the tables `external_tables` of shipgate.toml declares: they
    /// exist, with a shape no migration describes.
    pub fn add_external(&mut self, tables: &[String]) {
        for t in tables {
            self.statements.push((
                format!("{t} (external_tables in shipgate.toml)"),
                words(t).collect(),
            ));
        }
    }

    pub fn extend(&mut self, other: Incomplete) {
        self.statements.extend(other.statements);
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The statements not modelled that name `table` (its last part) and,
    /// when given, `column`.
    fn naming(&self, table: &str, column: Option<&str>) -> Vec<&str> {
        let bare = table.rsplit('.').next().unwrap_or(table).to_lowercase();
        self.statements
            .iter()
            .filter(|(_, w)| {
                w.contains(&bare) && column.is_none_or(|c| w.contains(&c.to_lowercase()))
            })
            .map(|(d, _)| d.as_str())
            .collect()
    }

    /// Whether a statement not modelled may have created or changed
    /// `table` (and `column`).
    pub fn may_have_made(&self, table: &str, column: Option<&str>) -> bool {
        !self.naming(table, column).is_empty()
    }

    /// Every statement, for a note.
    pub fn describe(&self) -> String {
        shown(self.statements.iter().map(|(d, _)| d.as_str()).collect())
    }

    /// The sentence a downgraded finding's message ends with.
    pub fn why(&self, table: &str, column: Option<&str>) -> String {
        format!(
            "; shipgate could not model {}, which may create or change it: the schema may be incomplete here, so this is not a block",
            shown(self.naming(table, column))
        )
    }
}

/// The first three and how many more.
fn shown(items: Vec<&str>) -> String {
    let more = items.len().saturating_sub(3);
    let head = items[..items.len().min(3)].join(", ");
    if more > 0 {
        format!("{head} and {more} more")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::sql::lower::Lowering;
    use std::sync::Arc;

    #[test]
    fn names_of_statements_not_modelled_are_uncertain() {
        let low = Lowering {
            engine: Engine::Postgres,
            volatile_functions: &[],
        };
        let sql = "CREATE TABLE a (id int);\n\
                   CREATE FUNCTION mk() RETURNS void AS $$ BEGIN EXECUTE 'CREATE TABLE audit_log (id int, at timestamptz)'; END $$ LANGUAGE plpgsql;\n\
                   CREATE STATISTICS s ON x, y FROM b;\n\
                   COMMENT ON TABLE a IS 'created by signup';\n\
                   GRANT SELECT ON TABLE a TO reader;";
        let mut inc = Incomplete::default();
        for s in crate::sql::parse::parse_script(&Arc::from("m.sql"), sql, 0..sql.len(), &low) {
            inc.add(&s, false);
        }
        assert!(!inc.may_have_made("a", None), "a was modelled");
        assert!(inc.may_have_made("audit_log", Some("at")));
        assert!(inc.may_have_made("public.audit_log", None));
        assert!(!inc.may_have_made("audit_log", Some("who")));
        assert!(
            inc.describe().contains("m.sql:2 (CREATE FUNCTION"),
            "{}",
            inc.describe()
        );
    }
}
