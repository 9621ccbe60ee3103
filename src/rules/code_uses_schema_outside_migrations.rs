//! SG402 code-uses-schema-outside-migrations: the code uses tables or
//! columns that no migration creates, and the old release already did.

use super::*;

pub static RULE: Rule = Rule {
    id: "SG402",
    name: "code-uses-schema-outside-migrations",
    engines: ALL_ENGINES,
    severity: Severity::Info,
    class: Verdict::ZeroDowntime,
    summary: "Code uses tables or columns that live outside the migrations shipgate reads",
    what: "Lists once, on the first code line that uses one, the tables and columns the new code uses that the new schema lacks but that are no break of this release: the old code used them the same way while the old schema lacked them too (a second schema folder, an init script, tables the application creates), or they are a migration tool's own version table (goose_db_version, schema_migrations, flyway_schema_history, _sqlx_migrations, __diesel_schema_migrations, _prisma_migrations, atlas_schema_revisions, schema_migration, …). Tables named in `external_tables` of shipgate.toml count as existing and are not listed. An insert the old code sent the same way, against a column required in both schemas, is listed too.",
    why: "shipgate sees only the migrations it reads. A table they never create, which the running release already uses, exists in production some other way; calling the release broken for it would block every release of the project (a gate that cries wolf gets switched off). Its shape is unknown, so nothing about it is checked.",
    example: "-- old and new code: SELECT version_id FROM goose_db_version ORDER BY id DESC LIMIT 1\n-- old and new code: SELECT * FROM visibility_executions WHERE namespace_id = $1\n-- (visibility_executions is created by schema/visibility/*.sql, not by the migrations)",
    instead: "Declare such tables in shipgate.toml (`external_tables = [\"visibility_executions\"]`), or point --migrations at the folder that creates them.",
    check: emitted_by_analysis,
    fires: &[],
    quiet: &[],
};
