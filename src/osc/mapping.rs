//! Which source column feeds each column of the new shape, decided the way
//! the engine decides it: column names compare case-insensitively on
//! MySQL/MariaDB and SQLite and exactly on PostgreSQL (its parser has
//! already folded unquoted names), and a column the ALTER drops or renames
//! away is gone — a column added under its name is new, filled by its own
//! default or expression, never by the old values
//! (<https://dev.mysql.com/doc/refman/8.0/en/identifier-case-sensitivity.html>:
//! "Column, index, stored routine, event, and resource group names are not
//! case-sensitive on any platform").

use super::alter::{ident_name, Alter};
use crate::engine::Engine;
use sqlparser::ast::AlterTableOperation;
use std::collections::{BTreeMap, BTreeSet};

/// A column name as the engine compares it.
pub fn fold(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres => name.to_string(),
        Engine::Mysql | Engine::Mariadb | Engine::Sqlite => name.to_lowercase(),
    }
}

/// True when the engine takes `a` and `b` for the same column.
pub fn same(engine: Engine, a: &str, b: &str) -> bool {
    fold(engine, a) == fold(engine, b)
}

/// The ALTER's effect on column identity, every name folded.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    engine: Option<Engine>,
    /// new name -> old name (RENAME COLUMN, CHANGE old new).
    renamed: BTreeMap<String, String>,
    /// Old names that no longer denote the old column: dropped, or renamed
    /// to something else.
    gone: BTreeSet<String>,
    /// new name -> USING expression.
    using: BTreeMap<String, String>,
}

impl ColumnMap {
    /// The forward mapping of an ALTER.
    pub fn of(engine: Engine, alter: &Alter) -> ColumnMap {
        let f = |s: &str| fold(engine, s);
        let mut m = ColumnMap {
            engine: Some(engine),
            ..ColumnMap::default()
        };
        for (new, old) in &alter.renamed {
            m.renamed.insert(f(new), f(old));
            if f(new) != f(old) {
                m.gone.insert(f(old));
            }
        }
        for (col, expr) in &alter.using {
            m.using.insert(f(col), expr.clone());
        }
        for op in &alter.stmt.operations {
            if let AlterTableOperation::DropColumn { column_names, .. } = op {
                for c in column_names {
                    m.gone.insert(f(&ident_name(engine, c)));
                }
            }
        }
        m
    }

    /// Only renames (new -> old, as the catalog names them), nothing gone:
    /// what a revert carries back.
    pub fn renames_only(engine: Engine, renamed: &BTreeMap<String, String>) -> ColumnMap {
        ColumnMap {
            engine: Some(engine),
            renamed: renamed
                .iter()
                .map(|(n, o)| (fold(engine, n), fold(engine, o)))
                .collect(),
            ..ColumnMap::default()
        }
    }

    fn f(&self, s: &str) -> String {
        match self.engine {
            Some(e) => fold(e, s),
            None => s.to_string(),
        }
    }

    /// The (folded) source column that feeds the new column `name`, or
    /// None for a new column.
    pub fn source_of(&self, name: &str) -> Option<String> {
        let n = self.f(name);
        if let Some(old) = self.renamed.get(&n) {
            return Some(old.clone());
        }
        (!self.gone.contains(&n)).then_some(n)
    }

    /// The new name of the source column `old` (folded), if it lives on.
    pub fn target_of(&self, old: &str) -> Option<String> {
        let o = self.f(old);
        if let Some((new, _)) = self.renamed.iter().find(|(_, v)| **v == o) {
            return Some(new.clone());
        }
        (!self.gone.contains(&o)).then_some(o)
    }

    /// The USING expression for the new column `name`.
    pub fn using(&self, name: &str) -> Option<&String> {
        self.using.get(&self.f(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(engine: Engine, sql: &str) -> ColumnMap {
        ColumnMap::of(engine, &Alter::parse(engine, sql).unwrap())
    }

    #[test]
    fn mysql_names_compare_without_case() {
        let m = map(
            Engine::Mysql,
            "ALTER TABLE t MODIFY C2 int NOT NULL DEFAULT 0",
        );
        assert_eq!(m.source_of("C2").as_deref(), Some("c2"));
        let m = map(Engine::Mysql, "ALTER TABLE t CHANGE Old NEW int");
        assert_eq!(m.source_of("new").as_deref(), Some("old"));
        assert_eq!(m.source_of("OLD"), None);
    }

    #[test]
    fn postgres_quoted_names_are_exact() {
        let m = map(Engine::Postgres, "ALTER TABLE t RENAME COLUMN \"A\" TO b");
        assert_eq!(m.source_of("b").as_deref(), Some("A"));
        assert_eq!(m.source_of("a").as_deref(), Some("a"));
        assert_eq!(m.source_of("A"), None);
    }

    #[test]
    fn a_dropped_and_re_added_column_is_new() {
        for e in [Engine::Postgres, Engine::Mysql] {
            let m = map(
                e,
                "ALTER TABLE t DROP COLUMN c1, ADD COLUMN c1 int NOT NULL DEFAULT 47",
            );
            assert_eq!(m.source_of("c1"), None, "{e:?}");
            assert_eq!(m.source_of("c2").as_deref(), Some("c2"));
            assert_eq!(m.target_of("c1"), None);
        }
        let m = map(
            Engine::Mysql,
            "ALTER TABLE t CHANGE a b int, ADD COLUMN a int",
        );
        assert_eq!(m.source_of("b").as_deref(), Some("a"));
        assert_eq!(m.source_of("a"), None);
        assert_eq!(m.target_of("A").as_deref(), Some("b"));
    }
}
