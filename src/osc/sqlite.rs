//! SQLite: the documented 12-step table rebuild
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>) in one
//! transaction. SQLite has one writer at a time, so the rebuild simply
//! holds the write lock for its duration; there is nothing to capture or
//! replay. `PRAGMA foreign_keys` is switched off outside the transaction
//! (it is a no-op inside one) and `PRAGMA foreign_key_check` runs before
//! the commit; any violation rolls everything back.

use super::alter::{ident_name, Alter};
use super::options::Options;
use super::progress::Progress;
use super::{OscError, Result};
use crate::engine::Engine;
use serde_json::json;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, ColumnOptionDef, CreateTable, Ident,
    ObjectName, ObjectNamePart, Statement,
};
use sqlparser::parser::Parser;
use sqlx::{AssertSqlSafe, Connection, Row, SqliteConnection};

const E: Engine = Engine::Sqlite;

async fn exec(c: &mut SqliteConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| {
            OscError::Failed(format!(
                "database error: {e}\n  while running: {}",
                head(sql)
            ))
        })
}

async fn rows(c: &mut SqliteConnection, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
    let rs = sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *c)
        .await
        .map_err(|e| {
            OscError::Failed(format!(
                "database error: {e}\n  while running: {}",
                head(sql)
            ))
        })?;
    Ok(rs
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get_unchecked::<Option<String>, _>(i).ok().flatten())
                .collect()
        })
        .collect())
}

fn head(sql: &str) -> String {
    sql.trim().chars().take(160).collect()
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The table's CREATE TABLE with the ALTER's operations applied, renamed to `new_name`.
pub fn new_shape(create_sql: &str, alter: &Alter, new_name: &str) -> Result<CreateTable> {
    let dialect = E.dialect();
    let stmts = Parser::parse_sql(dialect.as_ref(), create_sql)
        .map_err(|e| OscError::Failed(format!("cannot parse the table's definition: {e}")))?;
    let Some(Statement::CreateTable(mut ct)) = stmts.into_iter().next() else {
        return Err(OscError::Failed(
            "the table's definition is not a CREATE TABLE".into(),
        ));
    };
    ct.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
        '"', new_name,
    ))]);
    let find = |ct: &CreateTable, name: &Ident| {
        let n = ident_name(E, name);
        ct.columns
            .iter()
            .position(|c| c.name.value.eq_ignore_ascii_case(&n))
    };
    for op in &alter.stmt.operations {
        match op {
            AlterTableOperation::AddColumn { column_def, .. } => {
                ct.columns.push(column_def.clone())
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for name in column_names {
                    match find(&ct, name) {
                        Some(i) => {
                            ct.columns.remove(i);
                        }
                        None if *if_exists => {}
                        None => {
                            return Err(OscError::Invalid(format!("column {name} does not exist")))
                        }
                    }
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let i = find(&ct, old_column_name).ok_or_else(|| {
                    OscError::Invalid(format!("column {old_column_name} does not exist"))
                })?;
                ct.columns[i].name = new_column_name.clone();
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let i = find(&ct, column_name).ok_or_else(|| {
                    OscError::Invalid(format!("column {column_name} does not exist"))
                })?;
                let col = &mut ct.columns[i];
                let strip = |col: &mut sqlparser::ast::ColumnDef,
                             f: &dyn Fn(&ColumnOption) -> bool| {
                    col.options.retain(|o| !f(&o.option))
                };
                match op {
                    AlterColumnOperation::SetDataType {
                        data_type,
                        using: None,
                        ..
                    } => col.data_type = data_type.clone(),
                    AlterColumnOperation::SetNotNull => {
                        strip(col, &|o| {
                            matches!(o, ColumnOption::Null | ColumnOption::NotNull)
                        });
                        col.options.push(ColumnOptionDef {
                            name: None,
                            option: ColumnOption::NotNull,
                        });
                    }
                    AlterColumnOperation::DropNotNull => {
                        strip(col, &|o| matches!(o, ColumnOption::NotNull))
                    }
                    AlterColumnOperation::SetDefault { value } => {
                        strip(col, &|o| matches!(o, ColumnOption::Default(_)));
                        col.options.push(ColumnOptionDef {
                            name: None,
                            option: ColumnOption::Default(value.clone()),
                        });
                    }
                    AlterColumnOperation::DropDefault => {
                        strip(col, &|o| matches!(o, ColumnOption::Default(_)))
                    }
                    other => {
                        return Err(OscError::Invalid(format!(
                            "the SQLite rebuild cannot apply: ALTER COLUMN {column_name} {other}"
                        )))
                    }
                }
            }
            AlterTableOperation::AddConstraint { constraint, .. } => {
                ct.constraints.push(constraint.clone())
            }
            other => {
                return Err(OscError::Invalid(format!(
                    "the SQLite rebuild cannot apply this operation: {other}"
                )))
            }
        }
    }
    Ok(ct)
}

fn columns_of(ct: &CreateTable) -> Vec<String> {
    ct.columns.iter().map(|c| c.name.value.clone()).collect()
}

pub async fn run(opts: &Options) -> Result<()> {
    let progress = Progress::new(opts.json);
    let alter = Alter::parse(E, &opts.statement)?;
    if alter.schema.is_some() {
        return Err(OscError::Invalid(
            "name the table without a schema on SQLite".into(),
        ));
    }
    let mut c = SqliteConnection::connect(&opts.url).await.map_err(|e| {
        OscError::Invalid(format!(
            "cannot open {}: {e}",
            super::redact::redact_url(&opts.url)
        ))
    })?;
    let table = alter.table.clone();
    let def = rows(
        &mut c,
        &format!(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = {}",
            lit(&table)
        ),
    )
    .await?;
    let Some(create_sql) = def.first().and_then(|r| r[0].clone()) else {
        return Err(OscError::Invalid(format!("table {table} does not exist")));
    };
    let new_name = format!("{}{table}", super::plan::SHADOW_PREFIX);
    let ct = new_shape(&create_sql, &alter, &new_name)?;
    let old_cols: Vec<String> = rows(
        &mut c,
        &format!("SELECT name FROM pragma_table_info({})", lit(&table)),
    )
    .await?
    .into_iter()
    .filter_map(|r| r[0].clone())
    .collect();
    let (mut dst, mut src) = (vec![], vec![]);
    let map = super::mapping::ColumnMap::of(E, &alter);
    for col in columns_of(&ct) {
        // A column dropped and added again under its name is new (its default fills it).
        let Some(from) = map.source_of(&col) else {
            continue;
        };
        if let Some(o) = old_cols.iter().find(|o| super::mapping::same(E, o, &from)) {
            dst.push(E.quote_ident(&col));
            src.push(E.quote_ident(o));
        }
    }
    // Step 3: what hangs off the table: its indexes and triggers, and the views naming it.
    let attached = rows(
        &mut c,
        &format!("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = {} AND type IN ('index', 'trigger') AND sql IS NOT NULL", lit(&table)),
    )
    .await?;
    let views: Vec<(String, String)> = rows(
        &mut c,
        "SELECT name, sql FROM sqlite_schema WHERE type = 'view'",
    )
    .await?
    .into_iter()
    .filter_map(|r| Some((r[0].clone()?, r[1].clone()?)))
    .filter(|(_, sql)| sql.to_lowercase().contains(&table.to_lowercase()))
    .collect();
    let seq = rows(
        &mut c,
        "SELECT name FROM sqlite_schema WHERE name = 'sqlite_sequence'",
    )
    .await?;
    let saved_seq = if seq.is_empty() {
        None
    } else {
        rows(
            &mut c,
            &format!(
                "SELECT CAST(seq AS TEXT) FROM sqlite_sequence WHERE name = {}",
                lit(&table)
            ),
        )
        .await?
        .first()
        .and_then(|r| r[0].clone())
    };
    let qt = E.quote_ident(&table);
    let mut steps: Vec<String> = vec![];
    for (name, _) in &views {
        steps.push(format!("DROP VIEW {}", E.quote_ident(name)));
    }
    steps.push(format!("{ct}"));
    steps.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {qt}",
        E.quote_ident(&new_name),
        dst.join(", "),
        src.join(", ")
    ));
    steps.push(format!("DROP TABLE {qt}"));
    steps.push(format!(
        "ALTER TABLE {} RENAME TO {qt}",
        E.quote_ident(&new_name)
    ));
    for r in &attached {
        steps.push(r[2].clone().unwrap_or_default());
    }
    for (_, sql) in &views {
        steps.push(sql.clone());
    }
    if let Some(s) = &saved_seq {
        steps.push(format!(
            "UPDATE sqlite_sequence SET seq = max(seq, {}) WHERE name = {}",
            s.parse::<i64>().unwrap_or(0),
            lit(&table)
        ));
    }
    if opts.dry_run {
        println!("-- shipgate osc --dry-run (SQLite 12-step rebuild): nothing was changed");
        println!("PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;");
        for s in &steps {
            println!("{s};");
        }
        println!("PRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = <as before>;");
        return Ok(());
    }
    if !opts.yes {
        return Err(OscError::Invalid("not confirmed: pass --yes (the SQLite rebuild locks the database for writes while it runs)".into()));
    }
    // Step 1 (outside the transaction, where the pragma takes effect).
    let fk_on = rows(&mut c, "PRAGMA foreign_keys")
        .await?
        .first()
        .and_then(|r| r[0].clone())
        .as_deref()
        == Some("1");
    exec(&mut c, "PRAGMA foreign_keys = OFF").await?;
    let t0 = std::time::Instant::now();
    exec(&mut c, "BEGIN IMMEDIATE").await?;
    let r = async {
        for s in &steps {
            exec(&mut c, s).await?;
        }
        let bad = rows(&mut c, "SELECT \"table\", CAST(rowid AS TEXT), parent FROM pragma_foreign_key_check").await?;
        if !bad.is_empty() {
            let list: Vec<String> = bad
                .iter()
                .take(10)
                .map(|r| format!("{} rowid {} -> {}", r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default(), r[2].clone().unwrap_or_default()))
                .collect();
            return Err(OscError::Failed(format!(
                "foreign_key_check found {} violation(s) after the rebuild ({}); rolled back, nothing changed",
                bad.len(),
                list.join("; ")
            )));
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => exec(&mut c, "COMMIT").await?,
        Err(e) => {
            let _ = exec(&mut c, "ROLLBACK").await;
            if fk_on {
                let _ = exec(&mut c, "PRAGMA foreign_keys = ON").await;
            }
            return Err(e);
        }
    }
    if fk_on {
        exec(&mut c, "PRAGMA foreign_keys = ON").await?;
    }
    progress.event(
        "done",
        json!({"table": table, "engine": "sqlite", "seconds": t0.elapsed().as_secs_f64()}),
    );
    Ok(())
}
