//! The source excerpt under a finding in the text report, drawn by
//! `annotate-snippets` (the renderer rustc and cargo use): the `-->` line,
//! the gutter with line numbers, the lines the span covers and its
//! underline — a caret run under one line, or rustc's bracket down the
//! gutter for a span over several (long ones shown by their first and last
//! lines), with wide characters measured as a terminal shows them.
//!
//! The excerpt sits under the finding's own header line, indented by two
//! columns as the report's other detail lines are.

use crate::span::Span;
use crate::verdict::Severity;
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

/// How far the excerpt is indented under its finding's header line.
const INDENT: &str = "  ";

/// The excerpt of `span` in `text` (the file's text, when the report has
/// it), underlined in the colour of `severity` when `color` is set. Ends
/// with a newline.
pub fn excerpt(span: &Span, text: Option<&str>, severity: Severity, color: bool) -> String {
    let level = match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let group = match text.and_then(|t| located(span, t)) {
        Some(at) => Group::with_level(level).element(
            Snippet::source(at.lines)
                .line_start(span.line as usize)
                .path(&*span.file)
                .annotation(AnnotationKind::Primary.span(at.range)),
        ),
        // No text to show (a file the report did not keep, a line past its
        // end): the place alone.
        None => Group::with_level(level).element(
            Origin::path(&*span.file)
                .line(span.line as usize)
                .char_column(span.column as usize),
        ),
    };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    // Lines are shown whole, as a file viewer would, not cut to a terminal's
    // width around the underline.
    let rendered = renderer.term_width(usize::MAX / 2).render(&[group]);
    let mut out = String::with_capacity(rendered.len() + 16);
    for line in rendered.lines() {
        out.push_str(INDENT);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The lines of `text` a span covers, and the span's byte range within them.
struct Located<'t> {
    lines: &'t str,
    range: std::ops::Range<usize>,
}

/// Where `span` lies in `text`: from the start of its first line to the end
/// of its last. The underline starts at the span's line and column (what
/// the `-->` line names) and runs to the span's end without the trailing
/// white space; a span whose byte range does not agree with its line and
/// column gets a single caret there. `None` when the line is past the end.
fn located<'t>(span: &Span, text: &'t str) -> Option<Located<'t>> {
    let line_start = nth_line_start(text, span.line as usize)?;
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let start = text[line_start..line_end]
        .char_indices()
        .nth((span.column as usize).saturating_sub(1))
        .map_or(line_end, |(i, _)| line_start + i);
    let end = if span.start == start && span.end > start && span.end <= text.len() {
        // A range that cuts a character is widened to hold it whole.
        let end = (span.end..=text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        start + text[start..end].trim_end().len()
    } else {
        start
    };
    let last_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    Some(Located {
        lines: &text[line_start..last_end],
        range: start - line_start..end - line_start,
    })
}

/// The byte offset where 1-based line `n` of `text` starts.
fn nth_line_start(text: &str, n: usize) -> Option<usize> {
    if n == 1 {
        return Some(0);
    }
    let start = text.match_indices('\n').nth(n.checked_sub(2)?)?.0 + 1;
    (start < text.len()).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn span(text: &str, start: usize, end: usize) -> Span {
        crate::span::LineIndex::new(text).span(text, &Arc::from("m.sql"), start, end)
    }

    /// The plain excerpt of bytes `start..end` of `text`.
    fn shown(text: &str, start: usize, end: usize) -> String {
        excerpt(
            &span(text, start, end),
            Some(text),
            Severity::Warning,
            false,
        )
    }

    #[test]
    fn spans_are_underlined_on_one_line_or_bracketed_over_several() {
        let text = "CREATE TABLE a (id int);\nALTER TABLE a DROP COLUMN id;\n";
        assert_eq!(
            shown(text, 25, 54),
            "   --> m.sql:2:1\n    |\n  2 | ALTER TABLE a DROP COLUMN id;\n    | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        );
        // The trailing newline and blank line are not part of the underline.
        let text = "CREATE INDEX i\n  ON a (b);\n\nSELECT 1;\n";
        assert_eq!(
            shown(text, 0, 27),
            "   --> m.sql:1:1\n    |\n  1 | / CREATE INDEX i\n  2 | |   ON a (b);\n    | |___________^\n"
        );
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let text = "INSERT INTO t VALUES ('日本', 1);\n";
        let s = span(text, 22, 30);
        let got = excerpt(&s, Some(text), Severity::Info, false);
        assert!(
            got.contains("\n    |                       ^^^^^^\n"),
            "{got}"
        );
    }

    #[test]
    fn without_the_text_the_place_alone_is_shown() {
        let s = Span::file_start(Arc::from("gone.sql"));
        assert_eq!(
            excerpt(&s, None, Severity::Error, false),
            "  --> gone.sql:1:1\n"
        );
        // A line past the end of the text it was given.
        let mut s = span("a;\n", 0, 2);
        s.line = 9;
        assert_eq!(
            excerpt(&s, Some("a;\n"), Severity::Error, false),
            "  --> m.sql:9:1\n"
        );
    }

    #[test]
    fn a_range_that_disagrees_with_its_line_gets_one_caret_there() {
        let text = "SELECT 1;\nSELECT 2;\n";
        let mut s = span(text, 10, 19);
        s.start = 0;
        assert_eq!(
            excerpt(&s, Some(text), Severity::Error, false),
            "   --> m.sql:2:1\n    |\n  2 | SELECT 2;\n    | ^\n"
        );
    }

    #[test]
    fn odd_text_never_panics() {
        let texts = [
            "ALTER TABLE a\r\n  DROP COLUMN b;\r\n",
            "\u{1b}[31mSELECT\u{0} 1;\n",
            "SELECT 'é́';",
            "",
            "\n\n\n",
        ];
        for text in texts {
            for start in 0..=text.len() {
                for end in [start, start + 1, start + 7, text.len(), text.len() + 3] {
                    if !text.is_char_boundary(start) {
                        continue;
                    }
                    let mut s = span(text, start, end);
                    let _ = excerpt(&s, Some(text), Severity::Error, true);
                    s.column += 40;
                    let _ = excerpt(&s, Some(text), Severity::Error, false);
                }
            }
        }
        let crlf = shown("ALTER TABLE a\r\n  DROP COLUMN b;\r\n", 0, 30);
        assert!(!crlf.contains('\r'), "{crlf:?}");
    }
}
