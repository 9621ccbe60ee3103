//! The English every emitter shares: counts and the reasons behind a
//! verdict, worded once so the text and JSON reports say the same thing.

use crate::check::Reason;

/// `1 statement runs` / `3 statements run`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One reason for a verdict, as the reports give it after "because".
pub fn reason(r: &Reason) -> String {
    match r {
        Reason::NoMigrations => "the release adds no migrations".to_string(),
        Reason::RunOnline { statements: 1 } => {
            "the new statement runs online while old and new code both work".to_string()
        }
        Reason::RunOnline { statements: n } => {
            format!("all {n} new statements run online while old and new code both work")
        }
        Reason::Rewritten { statements: n } => format!(
            "{} as {} lock-safe rewrite",
            count(*n, "statement runs", "statements run"),
            if *n == 1 { "its" } else { "their" }
        ),
        Reason::AfterDeploy { statements: n } => format!(
            "{} after the deploy, once old code is gone",
            count(*n, "statement runs", "statements run")
        ),
        Reason::Finding {
            file,
            line,
            message,
        } => format!("{file}:{line}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_reasons_agree_in_number() {
        assert_eq!(count(1, "finding", "findings"), "1 finding");
        assert_eq!(count(0, "finding", "findings"), "0 findings");
        assert_eq!(
            reason(&Reason::Rewritten { statements: 1 }),
            "1 statement runs as its lock-safe rewrite"
        );
        assert_eq!(
            reason(&Reason::Rewritten { statements: 2 }),
            "2 statements run as their lock-safe rewrite"
        );
        assert_eq!(
            reason(&Reason::Finding {
                file: "m/1.sql".into(),
                line: 3,
                message: "blocks writes".into()
            }),
            "m/1.sql:3: blocks writes"
        );
    }
}
