//! What the new code is held against besides the new schema, so SG400 and
//! SG401 block only on a break the release introduces: the old code and S0
//! (what the old release already used while S0 lacked it lies outside the
//! migrations), tables declared external in shipgate.toml, the migration
//! tools' own tables (one table, below), and what the replay could not
//! model (`incomplete`). Pure: no IO.

use super::code_checks::schema_has_table;
use super::incomplete::Incomplete;
use super::usage::{table_key, SideUsage, Source};
use crate::schema::Schema;
use crate::sql::ir::Name;
use crate::sql::resolve;
use crate::verdict::{Finding, Severity, Verdict};
use std::collections::BTreeSet;

/// What the new code is held against besides S1: the old code and S0
/// (a break the old release already had is not this release's), tables
/// that live outside the migrations, and what the replay could not model.
pub struct Baseline<'a> {
    pub old: &'a SideUsage,
    pub before: &'a Schema,
    /// `external_tables` of shipgate.toml (schema keys).
    pub external_tables: &'a [String],
    /// Statements of either history the replay could not model.
    pub incomplete: &'a Incomplete,
    /// Those of the release itself: the only ones that can excuse a
    /// missing object S0 had (the release dropped it).
    pub incomplete_release: &'a Incomplete,
}

/// Where a missing table or column stands.
pub(super) enum Missing {
    /// Outside what shipgate sees: listed once in an info finding.
    Outside(String),
    /// The release breaks it: SG400/SG401 as the rule says.
    Broken,
    /// The replay could not model a statement that names it: a warning,
    /// whose message ends with the reason.
    Uncertain(String),
}

impl Baseline<'_> {
    fn table_known_elsewhere(&self, table: &str) -> Option<String> {
        let bare = table.rsplit('.').next().unwrap_or(table);
        if self.external_tables.iter().any(|t| table_key(t) == table) {
            return Some(String::new());
        }
        migration_tool_table(bare).map(|tool| format!("{table} (the version table of {tool})"))
    }

    /// A table the new code uses and S1 lacks.
    pub(super) fn table(&self, table: &str) -> Missing {
        if let Some(why) = self.table_known_elsewhere(table) {
            return Missing::Outside(why);
        }
        let old_used = self
            .old
            .entries
            .iter()
            .any(|e| e.usage.tables.iter().any(|t| table_key(t) == table));
        if old_used && !schema_has_table(self.before, table) {
            return Missing::Outside(table.to_string());
        }
        self.uncertain(table, None, schema_has_table(self.before, table))
    }

    /// Whether a statement the replay could not model may have made `table`
    /// (`column`); when S0 had it, only the release's own statements count.
    pub(super) fn uncertain(&self, table: &str, column: Option<&str>, s0_had: bool) -> Missing {
        let inc = if s0_had {
            self.incomplete_release
        } else {
            self.incomplete
        };
        if inc.may_have_made(table, column) {
            Missing::Uncertain(inc.why(table, column))
        } else {
            Missing::Broken
        }
    }

    /// Column `column` of `table` (when the query names one table), which
    /// the new code uses and S1 lacks; `shown` as the old code's query
    /// would show it too.
    pub(super) fn column(
        &self,
        table: Option<&str>,
        tables: &[String],
        column: &str,
        shown: &str,
        orm: bool,
    ) -> Missing {
        let bare = column.rsplit('.').next().unwrap_or(column);
        let old_too = self.old.entries.iter().any(|e| {
            if orm {
                e.source == Source::Orm
                    && table.is_some_and(|t| {
                        self.before.tables.get(&Name::new(t)).is_some_and(|s| {
                            s.column(column).is_none()
                                && e.usage.reads.iter().any(|c| {
                                    table_key(&c.table) == t
                                        && c.column.eq_ignore_ascii_case(column)
                                })
                        })
                    })
            } else {
                // An old query over the same table(s), all in S0, that could
                // not resolve the same column: S0 lacked it too. Aliases
                // differ between queries, so the bare column is compared.
                e.source != Source::Orm
                    && e.usage
                        .tables
                        .iter()
                        .all(|t| self.before.tables.contains_key(&Name::new(table_key(t))))
                    && e.usage
                        .tables
                        .iter()
                        .any(|t| tables.contains(&table_key(t)))
                    && e.usage
                        .unresolved
                        .iter()
                        .any(|u| u.rsplit('.').next().unwrap_or(u).eq_ignore_ascii_case(bare))
            }
        });
        if old_too {
            // Listed by table, whatever alias the query gave it.
            let distinct: BTreeSet<&String> = tables.iter().collect();
            return Missing::Outside(match (table, distinct.len()) {
                (Some(t), _) => format!("{t}.{bare}"),
                (None, 1) => format!("{}.{bare}", tables[0]),
                _ => shown.to_string(),
            });
        }
        let candidates: Vec<&str> = match table {
            Some(t) => vec![t],
            None => tables.iter().map(String::as_str).collect(),
        };
        candidates
            .into_iter()
            .map(|t| {
                let s0_had = self.before.column(&Name::new(t), bare).is_some();
                self.uncertain(t, Some(bare), s0_had)
            })
            .find(|m| matches!(m, Missing::Uncertain(_)))
            .unwrap_or(Missing::Broken)
    }
}

/// Tables migration tools create for their own bookkeeping, with the tool:
/// the code (or a health check) may read them, the migrations never create
/// them. Names as each tool's documentation gives its default.
const MIGRATION_TOOL_TABLES: &[(&str, &str)] = &[
    ("goose_db_version", "goose"),
    ("schema_migrations", "golang-migrate, dbmate or Rails"),
    ("schema_migration", "gobuffalo/pop"),
    ("flyway_schema_history", "Flyway"),
    ("schema_version", "Flyway 3/4"),
    ("_sqlx_migrations", "sqlx"),
    ("__diesel_schema_migrations", "diesel"),
    ("_prisma_migrations", "Prisma"),
    ("atlas_schema_revisions", "Atlas"),
    ("ar_internal_metadata", "Rails"),
    ("databasechangelog", "Liquibase"),
    ("databasechangeloglock", "Liquibase"),
    ("knex_migrations", "knex"),
    ("knex_migrations_lock", "knex"),
    ("django_migrations", "Django"),
    ("alembic_version", "Alembic"),
    ("seaql_migrations", "SeaORM"),
    ("refinery_schema_history", "refinery"),
    ("gorp_migrations", "sql-migrate"),
    ("__efmigrationshistory", "Entity Framework"),
];

/// The tool that owns `table`, if a migration tool does.
pub fn migration_tool_table(table: &str) -> Option<&'static str> {
    MIGRATION_TOOL_TABLES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(table))
        .map(|(_, tool)| *tool)
}

/// The unresolved columns of a query as a finding names them (`t.c` when
/// the query reads one table), with the bare column.
pub(super) fn unresolved_shown(u: &resolve::Usage) -> Vec<(String, String)> {
    let only_table = (u.tables.len() == 1).then(|| table_key(&u.tables[0]));
    u.unresolved
        .iter()
        .map(|col| {
            let shown = match (&only_table, col.contains('.')) {
                (Some(t), false) => format!("{t}.{col}"),
                _ => col.clone(),
            };
            (shown, col.clone())
        })
        .collect()
}

/// Pushes a finding for something the new code needs and S1 lacks, as the
/// baseline classes it.
pub(super) fn push_missing(
    out: &mut Vec<Finding>,
    outside: &mut BTreeSet<String>,
    how: Missing,
    finding: Finding,
) {
    match how {
        Missing::Outside(name) => {
            if !name.is_empty() {
                outside.insert(name);
            }
        }
        Missing::Broken => out.push(finding),
        Missing::Uncertain(why) => out.push(Finding {
            severity: Severity::Warning,
            class: Verdict::ZeroDowntime,
            message: format!("{}{why}", finding.message),
            ..finding
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_tools_own_tables_are_known_by_name() {
        assert_eq!(migration_tool_table("goose_db_version"), Some("goose"));
        assert_eq!(migration_tool_table("_SQLX_MIGRATIONS"), Some("sqlx"));
        assert_eq!(
            migration_tool_table("schema_migration"),
            Some("gobuffalo/pop")
        );
        assert_eq!(migration_tool_table("users"), None);
    }
}
