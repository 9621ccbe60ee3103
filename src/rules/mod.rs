//! The rule catalog. One rule per file: its id and name, its documentation
//! in fixed sections (what / why / example / instead), the class it implies,
//! the matcher, and examples that must fire and must stay quiet — examples
//! the test suite runs through the real analysis.
//!
//! Rule ids are stable: SG0xx release-level checks, SG1xx schema operations
//! (all engines, facts decide), SG2xx MySQL/MariaDB specifics, SG3xx SQLite,
//! SG4xx code usage (what the old and new code send).

use crate::analysis::context::Ctx;
use crate::engine::Engine;
use crate::verdict::{Finding, Severity, Verdict};

mod add_column_default_rewrites_table;
mod alter_algorithm_copy;
mod alter_algorithm_unsupported;
mod alter_copies_table;
mod alter_lock_blocks_traffic;
mod auto_increment_column_rewrites_table;
mod cascade_drops_dependent_objects;
mod check_constraint_scan_locks_table;
mod code_usage_unknown;
mod code_uses_schema_outside_migrations;
mod column_reorder;
mod concurrently_in_transaction;
mod constraint_may_fail_on_existing_rows;
mod constraint_silently_ignored;
mod constraint_validates_existing_rows;
mod data_copy_misses_concurrent_writes;
mod ddl_commits_implicitly;
mod domain_check_locks_using_tables;
mod drop_column;
mod drop_index_locks_table;
mod drop_not_null_exposes_nulls;
mod drop_schema_or_database_destroys_data;
mod drop_table_breaks_running_code;
mod dropped_data_recreated_empty;
mod engine_version_caveat;
mod enum_value_renamed_or_removed;
mod enum_values_changed;
mod exclusion_constraint_locks_table;
mod finding;
mod foreign_key_scan_blocks_writes;
mod identity_sequence_collides_with_keys;
mod index_build_blocks_writes;
mod lock_wait_without_timeout;
mod migration_does_not_apply;
mod mysql_alter;
mod new_code_insert_rejected;
mod new_code_uses_missing_schema;
mod old_code_uses_changed_structure;
mod operation_needs_a_plan;
mod positional_insert_breaks_on_added_column;
mod reindex_blocks_writes;
pub mod released_migration_edited;
mod rename_column_breaks_running_code;
mod rename_table_breaks_running_code;
mod required_column_without_default;
mod select_star_sees_added_column;
mod set_not_null_scan_locks_table;
mod sqlite_add_column_fails;
mod sqlite_alter_needs_rebuild;
mod sqlite_copy_holds_write_lock;
mod sqlite_drop_column_fails;
mod sqlite_rename_column_unsupported;
mod statement_not_understood;
mod stored_generated_column_rewrites_table;
mod syntax_unsupported_by_version;
mod truncate_deletes_rows;
mod type_change_rewrites_table;
mod unique_constraint_builds_index_under_lock;
mod unused_allow;
mod vacuum_full_or_cluster_locks_table;
mod validation_holds_constraint_lock;
mod work_under_held_lock;

/// SQL a rule must fire on (or stay quiet on): `before` builds the schema
/// the release starts from, `sql` is the release's new migration.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub engine: Engine,
    /// Target engine version; the newest known when `None`.
    pub version: Option<&'static str>,
    pub before: &'static str,
    pub sql: &'static str,
}

pub struct Rule {
    /// Stable id, e.g. `SG101`.
    pub id: &'static str,
    /// The hazard, in kebab case (`index-build-blocks-writes`).
    pub name: &'static str,
    /// Engines the rule applies to.
    pub engines: &'static [Engine],
    pub severity: Severity,
    /// The verdict class the finding implies unless the rule says otherwise.
    pub class: Verdict,
    /// One line for `shipgate rules`.
    pub summary: &'static str,
    /// What it does.
    pub what: &'static str,
    /// Why it is bad.
    pub why: &'static str,
    /// Example of the hazard.
    pub example: &'static str,
    /// Use instead.
    pub instead: &'static str,
    /// The matcher; rules emitted by the analysis itself match nothing here.
    pub check: fn(&Ctx, &mut Vec<Finding>),
    pub fires: &'static [Example],
    pub quiet: &'static [Example],
}

impl Rule {
    /// The names of the engines the rule applies to, in catalog order.
    pub fn engine_names(&self) -> Vec<&'static str> {
        self.engines.iter().map(|e| e.name()).collect()
    }
}

/// A matcher for rules the analysis driver emits itself.
pub fn emitted_by_analysis(_: &Ctx, _: &mut Vec<Finding>) {}

pub const ALL_ENGINES: &[Engine] = &[
    Engine::Postgres,
    Engine::Mysql,
    Engine::Mariadb,
    Engine::Sqlite,
];
pub const POSTGRES: &[Engine] = &[Engine::Postgres];
pub const MYSQL_FAMILY: &[Engine] = &[Engine::Mysql, Engine::Mariadb];
pub const SQLITE: &[Engine] = &[Engine::Sqlite];

pub use code_usage_unknown::RULE as CODE_USAGE_UNKNOWN;
pub use code_uses_schema_outside_migrations::RULE as CODE_USES_SCHEMA_OUTSIDE_MIGRATIONS;
pub use migration_does_not_apply::RULE as MIGRATION_DOES_NOT_APPLY;
pub use new_code_insert_rejected::RULE as NEW_CODE_INSERT_REJECTED;
pub use new_code_uses_missing_schema::RULE as NEW_CODE_USES_MISSING_SCHEMA;
pub use operation_needs_a_plan::RULE as OPERATION_NEEDS_A_PLAN;
pub use released_migration_edited::RULE as RELEASED_MIGRATION_EDITED;
pub use statement_not_understood::RULE as STATEMENT_NOT_UNDERSTOOD;
pub use unused_allow::RULE as UNUSED_ALLOW;

/// The finding of a rename by its deploy phase: both code versions use it
/// (the rule's class, expand/contract), or only old code does (it waits
/// until after the deploy, zero-downtime). `what` names the rename.
pub(crate) fn rename_finding(ctx: &Ctx, rule: &Rule, what: &str, out: &mut Vec<Finding>) {
    use crate::analysis::compat::PhaseNeed;
    match ctx.phase {
        PhaseNeed::Neither { why } => out.push(ctx.finding(
            rule,
            format!("{why}: {what} breaks one of them whenever it runs"),
            rule.instead.to_string(),
        )),
        PhaseNeed::Post { why } => out.push(ctx.finding_with(
            rule,
            Severity::Warning,
            Verdict::ZeroDowntime,
            format!("{why}: {what} runs after the deploy, once no old code is left"),
            rule.instead.to_string(),
        )),
        _ => {}
    }
}

/// Rules whose help is a mechanical fix of the statement that the plan
/// applies (it then shows as the statement's rewrite): committing between
/// NOT VALID and VALIDATE, dropping an `ALGORITHM=COPY` or `LOCK=` clause.
pub const PLAN_APPLIES_FIX: &[&str] = &["SG107", "SG201", "SG202"];

/// Every rule, in id order.
pub fn all() -> Vec<&'static Rule> {
    let mut v: Vec<&'static Rule> = vec![
        &migration_does_not_apply::RULE,
        &released_migration_edited::RULE,
        &statement_not_understood::RULE,
        &unused_allow::RULE,
        &operation_needs_a_plan::RULE,
        &index_build_blocks_writes::RULE,
        &concurrently_in_transaction::RULE,
        &drop_column::RULE,
        &add_column_default_rewrites_table::RULE,
        &auto_increment_column_rewrites_table::RULE,
        &cascade_drops_dependent_objects::RULE,
        &data_copy_misses_concurrent_writes::RULE,
        &check_constraint_scan_locks_table::RULE,
        &constraint_may_fail_on_existing_rows::RULE,
        &domain_check_locks_using_tables::RULE,
        &drop_index_locks_table::RULE,
        &drop_not_null_exposes_nulls::RULE,
        &drop_schema_or_database_destroys_data::RULE,
        &drop_table_breaks_running_code::RULE,
        &engine_version_caveat::RULE,
        &enum_value_renamed_or_removed::RULE,
        &exclusion_constraint_locks_table::RULE,
        &foreign_key_scan_blocks_writes::RULE,
        &lock_wait_without_timeout::RULE,
        &reindex_blocks_writes::RULE,
        &rename_column_breaks_running_code::RULE,
        &rename_table_breaks_running_code::RULE,
        &required_column_without_default::RULE,
        &set_not_null_scan_locks_table::RULE,
        &stored_generated_column_rewrites_table::RULE,
        &truncate_deletes_rows::RULE,
        &type_change_rewrites_table::RULE,
        &unique_constraint_builds_index_under_lock::RULE,
        &vacuum_full_or_cluster_locks_table::RULE,
        &validation_holds_constraint_lock::RULE,
        &work_under_held_lock::RULE,
        &identity_sequence_collides_with_keys::RULE,
        &dropped_data_recreated_empty::RULE,
        // MySQL / MariaDB
        &alter_algorithm_copy::RULE,
        &alter_lock_blocks_traffic::RULE,
        &alter_copies_table::RULE,
        &alter_algorithm_unsupported::RULE,
        &column_reorder::RULE,
        &enum_values_changed::RULE,
        &constraint_silently_ignored::RULE,
        &constraint_validates_existing_rows::RULE,
        &ddl_commits_implicitly::RULE,
        &syntax_unsupported_by_version::RULE,
        // SQLite
        &sqlite_alter_needs_rebuild::RULE,
        &sqlite_add_column_fails::RULE,
        &sqlite_drop_column_fails::RULE,
        &sqlite_rename_column_unsupported::RULE,
        &sqlite_copy_holds_write_lock::RULE,
        // Code usage
        &new_code_uses_missing_schema::RULE,
        &new_code_insert_rejected::RULE,
        &code_uses_schema_outside_migrations::RULE,
        &old_code_uses_changed_structure::RULE,
        &positional_insert_breaks_on_added_column::RULE,
        &select_star_sees_added_column::RULE,
        &code_usage_unknown::RULE,
    ];
    v.sort_by_key(|r| r.id);
    v
}

/// What traffic waits while the op holds its lock, in words for messages.
pub(crate) fn blocked_traffic(ctx: &Ctx) -> &'static str {
    match ctx.assessment.fact.map(|f| f.blocks) {
        Some(crate::facts::Blocks::Writes) => "writes",
        Some(crate::facts::Blocks::None) => "no queries",
        _ => "reads and writes",
    }
}

/// Finds a rule by id or name.
pub fn find(key: &str) -> Option<&'static Rule> {
    all()
        .into_iter()
        .find(|r| r.id.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for r in all() {
            assert!(ids.insert(r.id), "duplicate id {}", r.id);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(r.id.starts_with("SG") && r.id.len() == 5, "{}", r.id);
            assert!(
                r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.name
            );
            for s in [r.summary, r.what, r.why, r.example, r.instead] {
                assert!(!s.trim().is_empty(), "{} has an empty doc section", r.id);
            }
        }
    }

    #[test]
    fn every_rule_has_examples_that_fire_and_stay_quiet() {
        // SG002 compares two revisions, and the SG4xx code-usage rules fire
        // only with code: the fixture tests exercise them.
        const FIXTURE_ONLY: &[&str] = &[
            "SG002", "SG400", "SG401", "SG402", "SG410", "SG411", "SG412", "SG420",
        ];
        for r in all().into_iter().filter(|r| !FIXTURE_ONLY.contains(&r.id)) {
            assert!(!r.fires.is_empty(), "{} has no firing example", r.id);
            assert!(!r.quiet.is_empty(), "{} has no quiet example", r.id);
        }
    }

    #[test]
    fn examples_fire_and_stay_quiet() {
        let mut failures = Vec::new();
        for r in all() {
            for ex in r.fires {
                let found = crate::analysis::run_example(ex);
                if !found.iter().any(|f| f.rule == r.id) {
                    failures.push(format!(
                        "{} did not fire on {:?}: got {:?}",
                        r.id,
                        ex.sql,
                        found.iter().map(|f| f.rule).collect::<Vec<_>>()
                    ));
                }
            }
            for ex in r.quiet {
                let found = crate::analysis::run_example(ex);
                if let Some(f) = found.iter().find(|f| f.rule == r.id) {
                    failures.push(format!(
                        "{} fired on quiet example {:?}: {}",
                        r.id, ex.sql, f.message
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
