//! Deriving the migration between two schemas, for repositories that keep
//! a declarative schema file (`schema.sql`, a dump) instead of migrations.
//! The derived DDL is ordinary SQL for the engine, so it runs through the
//! same front end and analysis as a hand-written migration. A rename cannot
//! be told from a drop and an add, and is derived as both (conservative:
//! the drop is what old code cannot survive).

use super::model::*;
use super::render::{column_def, constraint_body, index_def, table_def};
use crate::engine::Engine;
use crate::sql::ir::ConstraintKind;

/// DDL that turns `old` into `new`, one statement per line group, in an
/// order that applies: drops of dependents first, then tables, columns,
/// constraints and indexes.
pub fn derive(old: &Schema, new: &Schema, engine: Engine) -> String {
    let q = |s: &str| engine.quote_ident(s);
    let qn = |n: &crate::sql::ir::Name| engine.quote_qualified(n.as_str());
    let mysql = engine.is_mysql_family();
    let mut out: Vec<String> = Vec::new();

    for (name, values) in &new.enums {
        match old.enums.get(name) {
            None => out.push(format!(
                "CREATE TYPE {} AS ENUM ({});",
                qn(name),
                values
                    .iter()
                    .map(|v| format!("'{}'", v.replace('\'', "''")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(old_values) => {
                for v in values.iter().filter(|v| !old_values.contains(v)) {
                    out.push(format!(
                        "ALTER TYPE {} ADD VALUE '{}';",
                        qn(name),
                        v.replace('\'', "''")
                    ));
                }
            }
        }
    }
    for (name, t) in &new.tables {
        let Some(o) = old.tables.get(name) else {
            out.push(table_def(t, engine).trim_end().to_string());
            continue;
        };
        let table = qn(name);
        // Indexes and constraints that go away first: they may use dropped columns.
        for i in o
            .indexes
            .iter()
            .filter(|i| !t.indexes.iter().any(|n| n.name == i.name))
        {
            out.push(if mysql {
                format!("DROP INDEX {} ON {table};", qn(&i.name))
            } else {
                format!("DROP INDEX {};", qn(&i.name))
            });
        }
        for c in o
            .constraints
            .iter()
            .filter(|c| !t.constraints.iter().any(|n| n.name == c.name))
        {
            out.push(match (&c.kind, mysql) {
                (ConstraintKind::ForeignKey { .. }, true) => {
                    format!("ALTER TABLE {table} DROP FOREIGN KEY {};", q(&c.name))
                }
                (ConstraintKind::PrimaryKey { .. }, true) => {
                    format!("ALTER TABLE {table} DROP PRIMARY KEY;")
                }
                (ConstraintKind::Unique { .. }, true) => {
                    format!("ALTER TABLE {table} DROP INDEX {};", q(&c.name))
                }
                _ => format!("ALTER TABLE {table} DROP CONSTRAINT {};", q(&c.name)),
            });
        }
        for c in &t.columns {
            match o.column(&c.name) {
                None => out.push(format!(
                    "ALTER TABLE {table} ADD COLUMN {};",
                    column_def(c, engine)
                )),
                Some(oc) if oc != c => {
                    if mysql {
                        out.push(format!(
                            "ALTER TABLE {table} MODIFY COLUMN {};",
                            column_def(c, engine)
                        ));
                        continue;
                    }
                    let col = q(&c.name);
                    if oc.ty.text != c.ty.text {
                        out.push(format!(
                            "ALTER TABLE {table} ALTER COLUMN {col} TYPE {};",
                            c.ty.text
                        ));
                    }
                    if oc.not_null != c.not_null {
                        let what = if c.not_null { "SET" } else { "DROP" };
                        out.push(format!(
                            "ALTER TABLE {table} ALTER COLUMN {col} {what} NOT NULL;"
                        ));
                    }
                    if oc.default != c.default {
                        out.push(match &c.default {
                            Some(d) => format!(
                                "ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {};",
                                d.text
                            ),
                            None => format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT;"),
                        });
                    }
                }
                Some(_) => {}
            }
        }
        for c in o.columns.iter().filter(|c| t.column(&c.name).is_none()) {
            out.push(format!("ALTER TABLE {table} DROP COLUMN {};", q(&c.name)));
        }
        for c in t
            .constraints
            .iter()
            .filter(|c| !o.constraints.iter().any(|x| x.name == c.name))
        {
            out.push(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} {};",
                q(&c.name),
                constraint_body(c, engine)
            ));
        }
        for i in t
            .indexes
            .iter()
            .filter(|i| !o.indexes.iter().any(|x| x.name == i.name))
        {
            out.push(index_def(i, name, engine));
        }
    }
    let dropped: Vec<String> = old
        .tables
        .keys()
        .filter(|n| !new.tables.contains_key(*n))
        .map(&qn)
        .collect();
    if !dropped.is_empty() {
        out.push(format!("DROP TABLE {};", dropped.join(", ")));
    }
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::replay_history;
    use crate::sql::lower::Lowering;
    use crate::sql::parse::parse_script;
    use std::sync::Arc;

    fn schema(sql: &str, engine: Engine) -> Schema {
        let low = Lowering {
            engine,
            volatile_functions: &[],
        };
        let stmts = parse_script(&Arc::from("s.sql"), sql, 0..sql.len(), &low);
        let (s, errors) = replay_history(stmts.iter(), engine);
        assert!(errors.is_empty(), "{errors:?}");
        s
    }

    #[test]
    fn derived_ddl_applied_to_old_gives_new() {
        for engine in [Engine::Postgres, Engine::Mysql] {
            let old = schema(
                "CREATE TABLE users (id int PRIMARY KEY, name text, legacy int);\nCREATE TABLE gone (id int PRIMARY KEY);\nCREATE INDEX users_name_idx ON users (name);",
                engine,
            );
            let new = schema(
                "CREATE TABLE users (id int PRIMARY KEY, name varchar(200) NOT NULL, email text DEFAULT 'x');\nCREATE TABLE added (id int PRIMARY KEY);\nCREATE UNIQUE INDEX users_email_idx ON users (email);",
                engine,
            );
            let ddl = derive(&old, &new, engine);
            let low = Lowering {
                engine,
                volatile_functions: &[],
            };
            let mut s = old.clone();
            for stmt in parse_script(&Arc::from("d.sql"), &ddl, 0..ddl.len(), &low) {
                let errors = crate::schema::replay_statement(&mut s, &stmt, engine);
                assert!(errors.is_empty(), "{engine}: {errors:?} in {}", stmt.text);
            }
            assert_eq!(
                crate::schema::render::render(&s, engine),
                crate::schema::render::render(&new, engine),
                "{engine}:\n{ddl}"
            );
        }
    }

    #[test]
    fn equal_schemas_derive_nothing() {
        let s = schema("CREATE TABLE a (id int PRIMARY KEY);", Engine::Postgres);
        assert_eq!(derive(&s, &s, Engine::Postgres), "");
    }
}
