//! The analysis core: walks a release's new migration statements over the
//! schema they run on, assesses each op's cost (engine facts, table size)
//! and deploy phase (what old and new code use), runs the rules, and
//! derives each statement's phase, rewrite and class. Pure: no IO.

pub mod baseline;
pub mod code_checks;
pub mod compat;
pub mod context;
pub mod cost;
pub mod incomplete;
pub mod order;
pub mod stats;
pub mod usage;
pub mod variant;

use crate::engine::{Engine, Version};
use crate::facts::{facts, EngineFacts};
use crate::rules;
use crate::schema::{replay_statement, ReplayError, Schema};
use crate::span::Span;
use crate::sql::ir::{is_ddl, Name, Op, Statement, TxControl};
use crate::verdict::{Finding, Severity, Verdict};
use compat::{phase_need, AssumedUsage, PhaseNeed, Usage};
use context::{Ctx, TxState};
use cost::{size_of, Assessment, Technique};
use serde::Serialize;
use stats::Stats;
use std::collections::BTreeSet;
use std::sync::Arc;

/// One migration file of the release, parsed.
#[derive(Debug, Clone)]
pub struct MigrationInput {
    pub path: Arc<str>,
    pub statements: Vec<Statement>,
    /// The migration tool runs the file inside one transaction.
    pub wrapped: bool,
}

/// When a statement runs relative to the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    PreDeploy,
    PostDeploy,
    Expand,
    Backfill,
    Contract,
    Maintenance,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::PreDeploy => "pre-deploy",
            Phase::PostDeploy => "post-deploy",
            Phase::Expand => "expand",
            Phase::Backfill => "backfill",
            Phase::Contract => "contract",
            Phase::Maintenance => "maintenance",
        }
    }
}

/// A statement of the release with the decisions made for it.
#[derive(Debug, Clone, Serialize)]
pub struct StatementReport {
    #[serde(skip)]
    pub span: Span,
    pub sql: String,
    pub phase: Phase,
    /// The lock-safe form the plan runs instead, when it differs.
    pub rewrite: Option<String>,
    pub class: Verdict,
}

pub struct Outcome {
    pub findings: Vec<Finding>,
    pub statements: Vec<StatementReport>,
    /// The schema after the release.
    pub after: Schema,
}

/// Replays a revision's history; errors are returned with their spans.
pub fn replay_history<'a>(
    statements: impl Iterator<Item = &'a Statement>,
    engine: Engine,
) -> (Schema, Vec<(Span, ReplayError)>) {
    let mut schema = Schema::default();
    let mut errors = Vec::new();
    for stmt in statements {
        for e in replay_statement(&mut schema, stmt, engine) {
            errors.push((stmt.span.clone(), e));
        }
    }
    (schema, errors)
}

pub struct Release<'a> {
    pub engine: Engine,
    pub version: Version,
    /// The schema before the release (S0).
    pub before: &'a Schema,
    pub migrations: &'a [MigrationInput],
    pub stats: Option<&'a Stats>,
    /// What old and new code use; `None` assumes they use everything (S0, S1).
    pub usage: Option<&'a dyn Usage>,
    /// Statements of the released history the replay could not model: a
    /// new statement that fails on an object they name is a warning.
    pub incomplete: Option<&'a incomplete::Incomplete>,
    /// The schema after the release (S1) when the caller replayed it
    /// already; `None` replays it here.
    pub after: Option<&'a Schema>,
}

/// Analyses the release's new statements.
pub fn analyse(release: &Release) -> Outcome {
    let engine = release.engine;
    let f = facts(engine);
    // S1 first: the assumed usage of new code is everything that exists
    // after; replayed here only when the caller has not.
    let replayed;
    let after: &Schema = match release.after {
        Some(after) => after,
        None => {
            let mut after = release.before.clone();
            for m in release.migrations {
                for s in &m.statements {
                    replay_statement(&mut after, s, engine);
                }
            }
            replayed = after;
            &replayed
        }
    };
    let assumed = AssumedUsage {
        old: release.before,
        new: after,
    };
    let usage: &dyn Usage = release.usage.unwrap_or(&assumed);
    let active: Vec<&rules::Rule> = rules::all()
        .into_iter()
        .filter(|r| r.engines.contains(&engine))
        .collect();

    let mut schema = release.before.clone();
    let mut new_tables: BTreeSet<Name> = BTreeSet::new();
    // Names changed by statements that run after the deploy: a statement
    // that needs one (validating a constraint added after the deploy,
    // renaming a table to a name a deferred DROP frees) follows it.
    let mut deferrals = order::Deferrals::default();
    let mut dropped = context::Dropped::default();
    let mut findings = Vec::new();
    let mut statements = Vec::new();
    for m in release.migrations {
        let mut tx = TxState {
            in_transaction: m.wrapped,
            wrapped: m.wrapped,
            ..TxState::default()
        };
        for stmt in &m.statements {
            let (stmt_findings, report) = analyse_statement(
                release,
                f,
                &active,
                usage,
                stmt,
                &mut schema,
                &mut new_tables,
                &mut deferrals,
                &mut dropped,
                &mut tx,
            );
            findings.extend(stmt_findings);
            statements.push(report);
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Outcome {
        findings,
        statements,
        after: schema,
    }
}

#[allow(clippy::too_many_arguments)]
fn analyse_statement(
    release: &Release,
    f: &EngineFacts,
    active: &[&rules::Rule],
    usage: &dyn Usage,
    stmt: &Statement,
    schema: &mut Schema,
    new_tables: &mut BTreeSet<Name>,
    deferrals: &mut order::Deferrals,
    dropped: &mut context::Dropped,
    tx: &mut TxState,
) -> (Vec<Finding>, StatementReport) {
    let engine = release.engine;
    let mut found: Vec<Finding> = Vec::new();
    let mut needs: Vec<PhaseNeed> = Vec::new();
    let mut techniques: Vec<Technique> = Vec::new();
    for op in &stmt.ops {
        let mut variants = variant::variants(op, schema, f);
        if tx.foreign_key_checks_off && variants.first().is_some_and(|v| v == "foreign-key") {
            // MySQL/MariaDB add the key in place, without checking existing rows.
            variants.insert(0, "foreign-key-unchecked".into());
        }
        if matches!(op, Op::DropPrimaryKey { .. }) && adds_primary_key(stmt) {
            // MySQL: DROP PRIMARY KEY, ADD PRIMARY KEY (…) in one ALTER is in place.
            variants.insert(0, "replaced".into());
        }
        let fact = f.first_op(op.kind(), &variants, &release.version);
        let table = op.table().cloned();
        let assessment = Assessment {
            size: size_of(table.as_ref(), new_tables, release.stats, fact, f),
            variants,
            fact,
            table,
        };
        let technique = assessment.technique(f, &release.version, op, schema);
        let phase = deferrals.phase_need(
            op,
            phase_need(op, schema, usage),
            usage,
            release.before,
            schema,
        );
        let ctx = Ctx {
            engine,
            version: &release.version,
            facts: f,
            stmt,
            op,
            before: schema,
            new_tables,
            dropped,
            tx,
            assessment: &assessment,
            technique: &technique,
            phase: &phase,
            usage,
            stats: release.stats,
        };
        let mut op_findings = Vec::new();
        for rule in active {
            (rule.check)(&ctx, &mut op_findings);
        }
        // Every class the analysis computed is backed by a finding that says why.
        let computed = technique.class().max(match &phase {
            PhaseNeed::Neither { .. } | PhaseNeed::DataSync { .. } => Verdict::ExpandContract,
            _ => Verdict::ZeroDowntime,
        });
        let reported = op_findings
            .iter()
            .map(|f| f.class)
            .max()
            .unwrap_or(Verdict::ZeroDowntime);
        if computed > reported {
            op_findings.push(generic_finding(&ctx, computed));
        }
        found.extend(op_findings);

        // Apply the op and track the transaction.
        dropped.track(op, release.before, new_tables);
        if let Err(e) = crate::schema::replay::apply(schema, op, engine) {
            let r = &rules::MIGRATION_DOES_NOT_APPLY;
            let (object, part) = e.subject();
            // Something S0 had that the release itself removed is the
            // release's own break, whatever the history's gaps.
            let s0_had = match &e {
                ReplayError::MissingTable(t) => {
                    let n = Name::new(t.as_str());
                    release.before.tables.contains_key(&n) || release.before.views.contains_key(&n)
                }
                ReplayError::MissingColumn(t, c) => {
                    release.before.column(&Name::new(t.as_str()), c).is_some()
                }
                _ => false,
            };
            let uncertain = release
                .incomplete
                .filter(|i| !s0_had && i.may_have_made(object, part));
            found.push(Finding {
                rule: r.id,
                name: r.name,
                severity: if uncertain.is_some() {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                class: if uncertain.is_some() {
                    Verdict::ZeroDowntime
                } else {
                    Verdict::Blocked
                },
                span: stmt.span.clone(),
                message: format!(
                    "this statement cannot apply to the schema before it: {e}{}",
                    uncertain.map(|i| i.why(object, part)).unwrap_or_default()
                ),
                help: "fix the migration so it applies to the released schema".into(),
            });
        }
        track(op, &assessment, tx, new_tables, schema);
        needs.push(phase);
        techniques.push(technique);
    }
    let found = apply_allows(stmt, found);
    let class = found
        .iter()
        .map(|f| f.class)
        .max()
        .unwrap_or(Verdict::ZeroDowntime);
    // The plan runs the lock-safe form: the technique's, or else the fix of
    // a rule whose fix the plan applies (the statement is unsafe as written
    // and safe as fixed).
    let rewrite = techniques
        .iter()
        .find_map(|t| match t {
            Technique::SafeRewrite { hint, .. } => Some(hint.clone()),
            _ => None,
        })
        .or_else(|| {
            found
                .iter()
                .find(|f| {
                    rules::PLAN_APPLIES_FIX.contains(&f.rule) && class == Verdict::ZeroDowntime
                })
                .map(|f| f.help.clone())
        });
    let has_post = needs.iter().any(|n| matches!(n, PhaseNeed::Post { .. }));
    let has_pre_only = stmt.ops.iter().zip(&needs).any(|(op, n)| {
        matches!(n, PhaseNeed::Pre)
            && !matches!(
                op,
                Op::Other { .. } | Op::SetSetting { .. } | Op::Transaction { .. }
            )
    });
    let phase = match class {
        Verdict::MaintenanceWindow => Phase::Maintenance,
        Verdict::ExpandContract => {
            if needs
                .iter()
                .any(|n| matches!(n, PhaseNeed::DataSync { .. }))
            {
                Phase::Backfill
            } else {
                Phase::Expand
            }
        }
        _ if has_post => Phase::PostDeploy,
        _ => Phase::PreDeploy,
    };
    let phase = deferrals.order(&stmt.ops, phase);
    deferrals.record(&stmt.ops, phase, &short(&stmt.text));
    let rewrite = if has_post && has_pre_only && class < Verdict::ExpandContract {
        Some(format!(
            "split this statement: its additive parts run before the deploy, the parts old code depends on after it{}",
            rewrite.map(|r| format!("; {r}")).unwrap_or_default()
        ))
    } else {
        rewrite
    };
    let report = StatementReport {
        span: stmt.span.clone(),
        sql: stmt.text.clone(),
        phase,
        rewrite,
        class,
    };
    (found, report)
}

/// A statement's first line, cut short, for messages.
fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{} …", &line[..i]),
        None => line.to_string(),
    }
}

/// A finding for a class no specific rule explained.
fn generic_finding(ctx: &Ctx, class: Verdict) -> Finding {
    let r = &rules::OPERATION_NEEDS_A_PLAN;
    let message = match ctx.phase {
        PhaseNeed::Neither { why } | PhaseNeed::DataSync { why } => {
            format!("{}: {why}", ctx.op.kind())
        }
        _ => format!("{} holds {} on a large table", ctx.op.kind(), ctx.lock()),
    };
    let help = match ctx.technique {
        Technique::SafeRewrite { hint, .. } | Technique::ShadowCopy { hint } => hint.clone(),
        Technique::Maintenance { why } => format!("no online path: {why}"),
        Technique::AsWritten => "keep both versions working: expand (add the new shape and keep it in sync), deploy, then contract".into(),
    };
    Finding {
        rule: r.id,
        name: r.name,
        severity: r.severity,
        class,
        span: ctx.stmt.span.clone(),
        message,
        help,
    }
}

fn track(
    op: &Op,
    a: &Assessment,
    tx: &mut TxState,
    new_tables: &mut BTreeSet<Name>,
    schema: &Schema,
) {
    match op {
        Op::Transaction { control } => match control {
            TxControl::Begin => {
                tx.in_transaction = true;
                tx.explicit_begin = true;
                tx.ddl_in_transaction = 0;
                tx.locked_tables.clear();
                tx.not_valid_added.clear();
            }
            TxControl::Commit | TxControl::Rollback => {
                tx.in_transaction = false;
                tx.explicit_begin = false;
                tx.ddl_in_transaction = 0;
                tx.locked_tables.clear();
                tx.not_valid_added.clear();
            }
        },
        // `foreign_key_checks`, `SESSION foreign_key_checks`,
        // `@@session.foreign_key_checks`; not a user variable `@old_…`.
        Op::SetSetting { name, value }
            if name.rsplit(['.', ' ']).next() == Some("foreign_key_checks") =>
        {
            tx.foreign_key_checks_off = matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "0" | "off" | "false"
            );
        }
        // `lock_timeout`, `SESSION lock_wait_timeout`, `@@session.lock_wait_timeout`;
        // not `innodb_lock_wait_timeout`, which bounds row locks, not DDL's
        // metadata lock.
        Op::SetSetting { name, .. }
            if matches!(
                name.rsplit(['.', ' ']).next(),
                Some("lock_timeout" | "lock_wait_timeout")
            ) =>
        {
            tx.lock_timeout_set = true;
        }
        Op::CreateTable { table, .. } => {
            new_tables.insert(table.clone());
        }
        Op::RenameTable { from, to } if new_tables.remove(from) => {
            new_tables.insert(to.clone());
        }
        Op::AddConstraint {
            table,
            constraint,
            not_valid: true,
        } if tx.in_transaction => {
            let name = constraint.name.clone().unwrap_or_default();
            tx.not_valid_added.push((table.clone(), name));
        }
        _ => {}
    }
    if tx.in_transaction && is_ddl(op) {
        tx.ddl_in_transaction += 1;
    }
    if let (Some(t), Some(f)) = (&a.table, a.fact) {
        if f.blocks != crate::facts::Blocks::None
            && schema.tables.contains_key(t)
            && !new_tables.contains(t)
        {
            tx.lock_taken = true;
            if tx.in_transaction && !tx.locked_tables.contains(t) {
                tx.locked_tables.push(t.clone());
            }
        }
    }
}

fn adds_primary_key(stmt: &Statement) -> bool {
    stmt.ops.iter().any(|o| {
        matches!(
            o,
            Op::AddConstraint {
                constraint: crate::sql::ir::ConstraintSpec {
                    kind: crate::sql::ir::ConstraintKind::PrimaryKey { .. },
                    ..
                },
                ..
            }
        )
    })
}

/// Drops findings a `shipgate:allow` comment covers; reports unused allows.
fn apply_allows(stmt: &Statement, found: Vec<Finding>) -> Vec<Finding> {
    if stmt.allows.is_empty() {
        return found;
    }
    let matches = |a: &crate::sql::ir::Allow, f: &Finding| {
        a.rule.eq_ignore_ascii_case(f.rule) || a.rule.eq_ignore_ascii_case(f.name)
    };
    let mut out: Vec<Finding> = found
        .iter()
        .filter(|f| !stmt.allows.iter().any(|a| matches(a, f)))
        .cloned()
        .collect();
    for a in &stmt.allows {
        if !found.iter().any(|f| matches(a, f)) {
            let r = &rules::UNUSED_ALLOW;
            out.push(Finding {
                rule: r.id,
                name: r.name,
                severity: Severity::Warning,
                class: Verdict::ZeroDowntime,
                span: a.span.clone(),
                message: format!(
                    "`shipgate:allow {}` matches no finding on this statement",
                    a.rule
                ),
                help: "remove the comment, or name the rule id or name that fires here".into(),
            });
        }
    }
    out
}

/// Runs a rule example: `before` builds S0, `sql` is the new migration.
pub fn run_example(ex: &rules::Example) -> Vec<Finding> {
    let version = ex
        .version
        .and_then(Version::parse)
        .unwrap_or_else(|| facts(ex.engine).newest());
    let low = crate::sql::lower::Lowering {
        engine: ex.engine,
        volatile_functions: &facts(ex.engine).volatile_functions,
    };
    let old_file: Arc<str> = Arc::from("before.sql");
    let new_file: Arc<str> = Arc::from("release.sql");
    let old = crate::sql::parse::parse_script(&old_file, ex.before, 0..ex.before.len(), &low);
    let (before, _) = replay_history(old.iter(), ex.engine);
    let new = crate::sql::parse::parse_script(&new_file, ex.sql, 0..ex.sql.len(), &low);
    let migrations = vec![MigrationInput {
        path: new_file,
        statements: new,
        wrapped: false,
    }];
    analyse(&Release {
        engine: ex.engine,
        version,
        before: &before,
        migrations: &migrations,
        stats: None,
        usage: None,
        incomplete: None,
        after: None,
    })
    .findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phases(before: &str, sql: &str) -> Vec<Phase> {
        statements(before, sql).iter().map(|s| s.phase).collect()
    }

    fn statements(before: &str, sql: &str) -> Vec<StatementReport> {
        let engine = Engine::Postgres;
        let low = crate::sql::lower::Lowering {
            engine,
            volatile_functions: &facts(engine).volatile_functions,
        };
        let file: Arc<str> = Arc::from("m.sql");
        let old = crate::sql::parse::parse_script(&file, before, 0..before.len(), &low);
        let (before, _) = replay_history(old.iter(), engine);
        let migrations = vec![MigrationInput {
            path: file.clone(),
            statements: crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low),
            wrapped: false,
        }];
        analyse(&Release {
            engine,
            version: facts(engine).newest(),
            before: &before,
            migrations: &migrations,
            stats: None,
            usage: None,
            incomplete: None,
            after: None,
        })
        .statements
    }

    #[test]
    fn a_table_renamed_onto_the_name_a_deferred_drop_frees_follows_it() {
        let before =
            "CREATE TABLE artifacts (artifact_id int PRIMARY KEY, artifact_name text NOT NULL);";
        let swap = "CREATE TABLE artifacts_temp (artifact_id int PRIMARY KEY, artifact_version text NOT NULL);\n\
            DROP TABLE artifacts;\n\
            ALTER TABLE artifacts_temp RENAME TO artifacts;\n\
            CREATE INDEX artifacts_version ON artifacts (artifact_version);";
        let s = statements(before, swap);
        assert_eq!(
            s.iter().map(|s| s.phase).collect::<Vec<_>>(),
            vec![
                Phase::PreDeploy,
                Phase::PostDeploy,
                Phase::PostDeploy,
                Phase::PostDeploy
            ]
        );
        // New code needs artifact_version, which the table under that name
        // lacks until the rename: no split serves both versions.
        assert_eq!(s[2].class, Verdict::ExpandContract);
        // The same swap with the same columns: old and new code both work on
        // either table, so the rename only waits for the drop.
        let same = "CREATE TABLE artifacts_temp (artifact_id int PRIMARY KEY, artifact_name text NOT NULL);\n\
            DROP TABLE artifacts;\n\
            ALTER TABLE artifacts_temp RENAME TO artifacts;";
        let s = statements(before, same);
        assert_eq!(
            s.iter().map(|s| (s.phase, s.class)).collect::<Vec<_>>(),
            vec![
                (Phase::PreDeploy, Verdict::ZeroDowntime),
                (Phase::PostDeploy, Verdict::ZeroDowntime),
                (Phase::PostDeploy, Verdict::ZeroDowntime)
            ]
        );
    }

    #[test]
    fn a_table_dropped_and_created_again_follows_its_drop() {
        let before = "CREATE TABLE connectors (id int PRIMARY KEY, name text);";
        let again = |cols: &str| {
            statements(
                before,
                &format!("DROP TABLE IF EXISTS connectors;\nCREATE TABLE connectors ({cols});"),
            )
            .iter()
            .map(|s| (s.phase, s.class))
            .collect::<Vec<_>>()
        };
        // Another shape: new code needs the new columns before the deploy.
        assert_eq!(
            again("id int PRIMARY KEY, identifier text NOT NULL"),
            vec![
                (Phase::PostDeploy, Verdict::ZeroDowntime),
                (Phase::PostDeploy, Verdict::ExpandContract)
            ]
        );
        // The same shape: only the order matters.
        assert_eq!(
            again("id int PRIMARY KEY, name text"),
            vec![
                (Phase::PostDeploy, Verdict::ZeroDowntime),
                (Phase::PostDeploy, Verdict::ZeroDowntime)
            ]
        );
    }

    #[test]
    fn a_column_added_back_after_a_deferred_drop_follows_it() {
        let before = "CREATE TABLE t (id int PRIMARY KEY, c int);";
        let s = statements(
            before,
            "ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ADD COLUMN c text;",
        );
        assert_eq!(
            s.iter().map(|s| s.phase).collect::<Vec<_>>(),
            vec![Phase::PostDeploy, Phase::PostDeploy]
        );
        // Old code needs the old c, new code the new one.
        assert_eq!(s[1].class, Verdict::ExpandContract);
        // An unrelated column is added before the deploy as usual.
        assert_eq!(
            phases(
                before,
                "ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ADD COLUMN d text;"
            ),
            vec![Phase::PostDeploy, Phase::PreDeploy]
        );
    }

    #[test]
    fn validating_a_constraint_added_after_the_deploy_also_runs_after_it() {
        let before =
            "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY, a_id int);";
        let sql = "ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id) NOT VALID;\nALTER TABLE b VALIDATE CONSTRAINT b_a_fk;";
        assert_eq!(
            phases(before, sql),
            vec![Phase::PostDeploy, Phase::PostDeploy]
        );
        // A constraint the old schema already had is validated before the deploy.
        let before_nv = format!("{before}\nALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id) NOT VALID;");
        assert_eq!(
            phases(&before_nv, "ALTER TABLE b VALIDATE CONSTRAINT b_a_fk;"),
            vec![Phase::PreDeploy]
        );
    }
}
