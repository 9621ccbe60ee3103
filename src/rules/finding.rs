//! How a rule turns what it matched into a `Finding`: the helpers every
//! matcher calls on its `Ctx`. They live with the catalog rather than in
//! `analysis::context`, so that what a rule sees does not depend on the
//! rules that read it (no `rules` ↔ `analysis` cycle).

use super::Rule;
use crate::analysis::context::Ctx;
use crate::analysis::cost::Technique;
use crate::verdict::{Finding, Severity, Verdict};

impl Ctx<'_> {
    /// A finding on this statement with the rule's own severity and class.
    pub fn finding(&self, rule: &Rule, message: String, help: String) -> Finding {
        self.finding_with(rule, rule.severity, rule.class, message, help)
    }

    pub fn finding_with(
        &self,
        rule: &Rule,
        severity: Severity,
        class: Verdict,
        message: String,
        help: String,
    ) -> Finding {
        Finding {
            rule: rule.id,
            name: rule.name,
            severity,
            class,
            span: self.stmt.span.clone(),
            message,
            help,
        }
    }

    /// A finding whose class is the cost technique's (zero-downtime with a
    /// safe rewrite, expand-contract by shadow copy, or maintenance window).
    pub fn cost_finding(&self, rule: &Rule, message: String) -> Finding {
        let help = match self.technique {
            Technique::AsWritten => rule.instead.to_string(),
            Technique::SafeRewrite { hint, .. } => hint.clone(),
            Technique::ShadowCopy { hint } => hint.clone(),
            Technique::Maintenance { why } => {
                format!("no online path: {why}; plan a maintenance window")
            }
        };
        self.finding_with(rule, rule.severity, self.technique.class(), message, help)
    }
}
