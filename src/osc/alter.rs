//! Reads the user's statement: exactly one `ALTER TABLE` on one table,
//! parsed in the engine's dialect. Produces the table name, the statement
//! retargeted at the shadow table, and what the copy needs to know about
//! renamed columns and `USING` conversions.

use super::{OscError, Result};
use crate::engine::Engine;
use crate::sql::clauses::{self, Part, Raw};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, Ident, ObjectName, ObjectNamePart, Statement,
};
use sqlparser::parser::Parser;
use std::collections::BTreeMap;

/// One parsed `ALTER TABLE`, ready to be pointed at the shadow.
#[derive(Debug, Clone)]
pub struct Alter {
    /// Schema (PostgreSQL) or database (MySQL) if the statement named one.
    pub schema: Option<String>,
    pub table: String,
    /// new column name -> old column name, for renamed columns.
    pub renamed: BTreeMap<String, String>,
    /// column name (new) -> `USING` expression (PostgreSQL type changes).
    pub using: BTreeMap<String, String>,
    /// The operations, kept to render the retargeted statement.
    pub stmt: sqlparser::ast::AlterTable,
    /// MySQL clauses sqlparser cannot read (table options, `FORCE`,
    /// `CONVERT TO`), in statement order with its operations; empty when
    /// sqlparser read the whole statement (see `clauses`).
    pub parts: Vec<Part>,
}

impl Alter {
    /// Parses `sql`, refusing anything but one `ALTER TABLE` with operations
    /// that a table copy can carry.
    pub fn parse(engine: Engine, sql: &str) -> Result<Alter> {
        let dialect = engine.dialect();
        let (stmts, parts) = match Parser::parse_sql(dialect.as_ref(), sql) {
            Ok(stmts) => (stmts, vec![]),
            Err(e) => match engine
                .is_mysql_family()
                .then(|| clauses::split(dialect.as_ref(), sql))
                .flatten()
            {
                Some(split) => read_clauses(dialect.as_ref(), split.map_err(OscError::Invalid)?)?,
                None => {
                    return Err(OscError::Invalid(format!(
                        "cannot parse the statement: {e}"
                    )))
                }
            },
        };
        if stmts.len() != 1 {
            return Err(OscError::Invalid(format!(
                "expected exactly one ALTER TABLE statement, got {}",
                stmts.len()
            )));
        }
        let Statement::AlterTable(mut at) = stmts.into_iter().next().unwrap() else {
            return Err(OscError::Invalid(
                "the statement is not an ALTER TABLE; shipgate osc runs exactly one ALTER TABLE"
                    .into(),
            ));
        };
        if at.table_type.is_some() || at.on_cluster.is_some() || at.location.is_some() {
            return Err(OscError::Invalid(
                "only a plain ALTER TABLE is supported".into(),
            ));
        }
        if at.operations.is_empty() && parts.is_empty() {
            return Err(OscError::Invalid("the ALTER TABLE has no operation".into()));
        }
        let name_parts: Vec<String> = at
            .name
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => Ok(ident_name(engine, i)),
                _ => Err(OscError::Invalid("unsupported table name".into())),
            })
            .collect::<Result<_>>()?;
        let (schema, table) = match name_parts.as_slice() {
            [t] => (None, t.clone()),
            [s, t] => (Some(s.clone()), t.clone()),
            _ => return Err(OscError::Invalid("table name has too many parts".into())),
        };
        let mut renamed = BTreeMap::new();
        let mut using = BTreeMap::new();
        // ALGORITHM= and LOCK= make no sense on an empty shadow: drop them
        // (the clause reader already left them out).
        at.operations.retain(|op| {
            !matches!(
                op,
                AlterTableOperation::Algorithm { .. } | AlterTableOperation::Lock { .. }
            )
        });
        if at.operations.is_empty() && parts.is_empty() {
            return Err(OscError::Invalid(
                "the ALTER TABLE has no operation besides ALGORITHM=/LOCK=, which a shadow copy ignores".into(),
            ));
        }
        for op in &at.operations {
            check_operation(engine, op)?;
            match op {
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    renamed.insert(
                        ident_name(engine, new_column_name),
                        ident_name(engine, old_column_name),
                    );
                }
                AlterTableOperation::ChangeColumn {
                    old_name, new_name, ..
                } => {
                    renamed.insert(ident_name(engine, new_name), ident_name(engine, old_name));
                }
                AlterTableOperation::AlterColumn {
                    column_name,
                    op:
                        AlterColumnOperation::SetDataType {
                            using: Some(expr), ..
                        },
                } => {
                    using.insert(ident_name(engine, column_name), expr.to_string());
                }
                _ => {}
            }
        }
        Ok(Alter {
            schema,
            table,
            renamed,
            using,
            stmt: at,
            parts,
        })
    }

    /// The statement with its table replaced by `shadow` (already unquoted),
    /// in `schema` if given.
    pub fn retarget(&self, engine: Engine, schema: Option<&str>, shadow: &str) -> String {
        let mut at = self.stmt.clone();
        let mut parts = Vec::new();
        if let Some(s) = schema {
            parts.push(ObjectNamePart::Identifier(quoted(engine, s)));
        }
        parts.push(ObjectNamePart::Identifier(quoted(engine, shadow)));
        at.name = ObjectName(parts);
        at.if_exists = false;
        if self.parts.is_empty() {
            return Statement::AlterTable(at).to_string();
        }
        let clauses: Vec<String> = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Op(i) => at.operations[*i].to_string(),
                Part::Raw(s, _) => s.clone(),
            })
            .collect();
        format!("ALTER TABLE {} {}", at.name, clauses.join(", "))
    }

    /// The statement for the oracle's scratch tables (see `oracle`): as
    /// `retarget`, without foreign keys on PostgreSQL, whose scratch tables
    /// are temporary and cannot reference a permanent table (a foreign key
    /// changes no row). None when nothing else is left to apply.
    pub fn retarget_for_sample(
        &self,
        engine: Engine,
        schema: Option<&str>,
        name: &str,
    ) -> Option<String> {
        if engine != Engine::Postgres || !self.parts.is_empty() {
            return Some(self.retarget(engine, schema, name));
        }
        let mut a = self.clone();
        a.stmt.operations.retain(|op| {
            !matches!(op, AlterTableOperation::AddConstraint { constraint, .. }
                if matches!(constraint, sqlparser::ast::TableConstraint::ForeignKey(_)))
        });
        for op in &mut a.stmt.operations {
            if let AlterTableOperation::AddColumn { column_def, .. } = op {
                column_def
                    .options
                    .retain(|o| !matches!(o.option, sqlparser::ast::ColumnOption::ForeignKey(_)));
            }
        }
        (!a.stmt.operations.is_empty()).then(|| a.retarget(engine, schema, name))
    }

    /// True when the statement adds a unique or primary key.
    pub fn adds_unique(&self) -> bool {
        self.stmt.operations.iter().any(|op| {
            matches!(op, AlterTableOperation::AddConstraint { constraint, .. }
                if matches!(constraint,
                    sqlparser::ast::TableConstraint::Unique(_)
                    | sqlparser::ast::TableConstraint::PrimaryKey(_)))
        })
    }
}

/// Parses the clauses of a split MySQL statement that sqlparser can read,
/// naming the first it cannot.
fn read_clauses(
    dialect: &dyn sqlparser::dialect::Dialect,
    split: clauses::Split,
) -> Result<(Vec<Statement>, Vec<Part>)> {
    for p in &split.parts {
        if let Part::Raw(text, Raw::Options(opts)) = p {
            if let Some((_, v)) = opts
                .iter()
                .find(|(n, v)| n == "ENGINE" && !v.eq_ignore_ascii_case("InnoDB"))
            {
                return Err(OscError::Refused(format!(
                    "{text}: shipgate osc copies into InnoDB only (each chunk commits with its journal position in one transaction), not {v}"
                )));
            }
        }
    }
    // sqlparser needs one operation to build the statement; an ALGORITHM=
    // clause is dropped again by `parse` like any other.
    let sql = if split.parsed.is_empty() {
        format!("{} ALGORITHM=DEFAULT", split.head)
    } else {
        format!("{} {}", split.head, split.parsed.join(", "))
    };
    let stmts = Parser::parse_sql(dialect, &sql).map_err(|e| {
        let culprit = split.parsed.iter().find_map(|c| {
            Parser::parse_sql(dialect, &format!("{} {c}", split.head))
                .err()
                .map(|e| format!("cannot read the clause `{c}`: {e}"))
        });
        OscError::Invalid(culprit.unwrap_or_else(|| format!("cannot parse the statement: {e}")))
    })?;
    // One clause, one operation: anything else is not what was read.
    let ops = match stmts.first() {
        Some(Statement::AlterTable(at)) => at.operations.len(),
        _ => usize::MAX,
    };
    if stmts.len() != 1 || (ops != split.parsed.len() && !split.parsed.is_empty()) {
        return Err(OscError::Invalid(format!(
            "cannot read the statement: its clauses ({}) did not read as one operation each",
            split.parsed.join(", ")
        )));
    }
    Ok((stmts, split.parts))
}

fn quoted(engine: Engine, name: &str) -> Ident {
    let q = if engine.is_mysql_family() { '`' } else { '"' };
    Ident::with_quote(q, name)
}

/// The name an identifier denotes: quoted names are kept, unquoted ones
/// fold to lower case on PostgreSQL (its rule) and stay as written elsewhere.
pub fn ident_name(engine: Engine, i: &Ident) -> String {
    if i.quote_style.is_none() && engine == Engine::Postgres {
        i.value.to_lowercase()
    } else {
        i.value.clone()
    }
}

fn check_operation(engine: Engine, op: &AlterTableOperation) -> Result<()> {
    use AlterTableOperation as O;
    let ok = match op {
        O::AddColumn { .. }
        | O::DropColumn { .. }
        | O::AlterColumn { .. }
        | O::RenameColumn { .. }
        | O::DropConstraint { .. }
        | O::DropPrimaryKey { .. }
        | O::DropIndex { .. }
        | O::RenameConstraint { .. } => true,
        O::ChangeColumn { .. }
        | O::ModifyColumn { .. }
        | O::AutoIncrement { .. }
        | O::DropForeignKey { .. } => engine.is_mysql_family(),
        // Storage parameters (`SET (fillfactor = 70)`): set on the shadow.
        O::SetOptionsParens { .. } | O::ResetOptions { .. } => engine == Engine::Postgres,
        O::AddConstraint { constraint, .. } => {
            // On MySQL a foreign key name is unique per database, so a copy
            // cannot carry one under its own name.
            !(engine.is_mysql_family()
                && matches!(constraint, sqlparser::ast::TableConstraint::ForeignKey(_)))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(OscError::Invalid(format!(
            "shipgate osc cannot carry this operation through a table copy: {op}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retargets_to_the_shadow() {
        let a = Alter::parse(
            Engine::Postgres,
            "ALTER TABLE public.Items ALTER COLUMN n TYPE bigint",
        )
        .unwrap();
        assert_eq!(a.table, "items");
        assert_eq!(a.schema.as_deref(), Some("public"));
        assert_eq!(
            a.retarget(Engine::Postgres, Some("public"), "_sg_new_items"),
            "ALTER TABLE \"public\".\"_sg_new_items\" ALTER COLUMN n TYPE BIGINT"
        );
    }

    #[test]
    fn refuses_what_is_not_one_alter() {
        for sql in [
            "SELECT 1",
            "ALTER TABLE a ADD COLUMN x int; ALTER TABLE b ADD COLUMN y int",
            "ALTER TABLE a RENAME TO b",
            "ALTER TABLE a ADD COLUMN",
            // Found by the property test: nothing would be left to apply.
            "ALTER TABLE a ALGORITHM=INPLACE",
            "ALTER TABLE a ALGORITHM=INPLACE, LOCK=NONE",
        ] {
            assert!(
                matches!(
                    Alter::parse(Engine::Postgres, sql),
                    Err(OscError::Invalid(_))
                ),
                "{sql}"
            );
        }
    }

    #[test]
    fn mysql_forms_sqlparser_cannot_read_are_kept_in_order() {
        let a = Alter::parse(
            Engine::Mysql,
            "ALTER TABLE t DROP KEY k, ADD COLUMN c int FIRST, ENGINE=InnoDB, LOCK=NONE, CONVERT TO CHARSET utf8mb4",
        )
        .unwrap();
        assert_eq!(a.stmt.operations.len(), 2);
        assert_eq!(
            a.retarget(Engine::Mysql, Some("db"), "_sg_new_t"),
            "ALTER TABLE `db`.`_sg_new_t` DROP INDEX k, ADD COLUMN c INT FIRST, ENGINE=InnoDB, CONVERT TO CHARSET utf8mb4"
        );
        let a = Alter::parse(Engine::Mysql, "ALTER TABLE t ENGINE=InnoDB").unwrap();
        assert!(a.stmt.operations.is_empty());
        assert_eq!(
            a.retarget(Engine::Mysql, None, "_sg_new_t"),
            "ALTER TABLE `_sg_new_t` ENGINE=InnoDB"
        );
        let a = Alter::parse(Engine::Mysql, "ALTER TABLE t AUTO_INCREMENT = 50").unwrap();
        assert_eq!(
            a.retarget(Engine::Mysql, None, "_sg_new_t"),
            "ALTER TABLE `_sg_new_t` AUTO_INCREMENT = 50"
        );
        let a = Alter::parse(Engine::Postgres, "ALTER TABLE t SET (fillfactor = 70)").unwrap();
        assert_eq!(
            a.retarget(Engine::Postgres, None, "_sg_new_t"),
            "ALTER TABLE \"_sg_new_t\" SET (fillfactor = 70)"
        );
    }

    #[test]
    fn an_unreadable_mysql_clause_is_named() {
        for (sql, clause) in [
            (
                "ALTER TABLE t FORCE, ADD COLUMN IF NOT EXISTS c int",
                "`ADD COLUMN IF NOT EXISTS c int`",
            ),
            ("ALTER TABLE t ENGINE=InnoDB, ORDER BY a", "`ORDER BY a`"),
            (
                "ALTER TABLE t DROP KEY k, STATS_PERSISTENT=0",
                "`STATS_PERSISTENT=0`",
            ),
            ("ALTER TABLE t ENGINE=MEMORY", "ENGINE=MEMORY"),
        ] {
            let e = Alter::parse(Engine::Mysql, sql).unwrap_err();
            assert!(e.to_string().contains(clause), "{sql}: {e}");
            assert_eq!(e.exit_code(), crate::exit::USAGE);
        }
        // Not MySQL: the parser's own error stands.
        assert!(Alter::parse(Engine::Postgres, "ALTER TABLE t FORCE").is_err());
    }

    #[test]
    fn mysql_change_column_records_the_rename() {
        let a = Alter::parse(
            Engine::Mysql,
            "ALTER TABLE t CHANGE COLUMN a b BIGINT NOT NULL, ALGORITHM=INPLACE",
        )
        .unwrap();
        assert_eq!(a.renamed.get("b").map(String::as_str), Some("a"));
        assert_eq!(
            a.retarget(Engine::Mysql, None, "_sg_new_t"),
            "ALTER TABLE `_sg_new_t` CHANGE COLUMN a b BIGINT NOT NULL"
        );
    }
}
