//! The table of languages shipgate reads SQL from: file extensions, the
//! tree-sitter grammar, and which syntax-tree node kinds hold string literals,
//! concatenations, formatting calls and constant declarations. Everything the
//! extractor knows about a language is data here, so adding a language is a
//! new row, not new match arms scattered through the extractor.

use serde::Serialize;
use std::fmt;

/// Where a query came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Go,
    Python,
    Java,
    Kotlin,
    TypeScript,
    Tsx,
    JavaScript,
    Ruby,
    CSharp,
    Php,
    /// A `.sql` query file (sqlc `-- name:` blocks, or a `queries/` folder).
    Sql,
    /// A captured query log (`pg_stat_statements`, `performance_schema`).
    QueryLog,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Go => "go",
            Language::Python => "python",
            Language::Java => "java",
            Language::Kotlin => "kotlin",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::JavaScript => "javascript",
            Language::Ruby => "ruby",
            Language::CSharp => "csharp",
            Language::Php => "php",
            Language::Sql => "sql",
            Language::QueryLog => "query-log",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to find one part (the name or the value) of a constant declaration.
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// The child in this grammar field.
    Field(&'static str),
    /// The first named child of the node in this field (Go's `expression_list`).
    FieldFirstNamed(&'static str),
    /// The first named child of this kind.
    FirstOfKind(&'static str),
    /// The last named child.
    LastNamed,
}

/// A declaration whose value is treated as a constant string.
#[derive(Debug, Clone, Copy)]
pub struct ConstRule {
    pub kind: &'static str,
    pub name: Pick,
    pub value: Pick,
    /// The name node must be of this kind (Ruby constants are `constant`).
    pub name_kind: Option<&'static str>,
    /// One of these words must precede the name in the declaration found
    /// `keyword_up` levels above this node (`final`, `const`, `readonly`).
    pub keywords: &'static [&'static str],
    pub keyword_up: u8,
    /// The node `n` levels up must be of this kind (Python: module level).
    pub within: Option<(u8, &'static str)>,
}

const fn rule(kind: &'static str, name: Pick, value: Pick) -> ConstRule {
    ConstRule {
        kind,
        name,
        value,
        name_kind: None,
        keywords: &[],
        keyword_up: 0,
        within: None,
    }
}

/// Everything the extractor needs to know about one language.
pub struct LangSpec {
    pub language: Language,
    /// File name endings (without the dot).
    pub extensions: &'static [&'static str],
    pub grammar: fn() -> tree_sitter::Language,
    /// Nodes that hold one string literal.
    pub strings: &'static [&'static str],
    /// Nodes whose children are adjacent literals joined without an operator.
    pub adjacent: &'static [&'static str],
    /// Binary-operator nodes, and the operators that concatenate strings.
    pub binaries: &'static [&'static str],
    pub concat_ops: &'static [&'static str],
    /// Operators that format a string (`"..." % args` in Python and Ruby).
    pub format_ops: &'static [&'static str],
    /// Call nodes (including macros), and callee endings that format strings.
    pub calls: &'static [&'static str],
    pub format_calls: &'static [&'static str],
    /// Parenthesised-expression nodes.
    pub parens: &'static [&'static str],
    pub constants: &'static [ConstRule],
    /// Kotlin: `$name` inside a string is an interpolation the grammar does
    /// not mark as such.
    pub dollar_templates: bool,
}

const IDENT_PAREN: &[&str] = &["parenthesized_expression"];

pub static LANGUAGES: &[LangSpec] = &[
    LangSpec {
        language: Language::Rust,
        extensions: &["rs"],
        grammar: || tree_sitter_rust::LANGUAGE.into(),
        strings: &["string_literal", "raw_string_literal"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["macro_invocation"],
        format_calls: &[
            "format",
            "format_args",
            "write",
            "writeln",
            "print",
            "println",
            "panic",
        ],
        parens: IDENT_PAREN,
        constants: &[
            rule("const_item", Pick::Field("name"), Pick::Field("value")),
            rule("static_item", Pick::Field("name"), Pick::Field("value")),
        ],
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Go,
        extensions: &["go"],
        grammar: || tree_sitter_go::LANGUAGE.into(),
        strings: &["interpreted_string_literal", "raw_string_literal"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["call_expression"],
        format_calls: &["Sprintf", "Errorf"],
        parens: IDENT_PAREN,
        constants: &[
            rule(
                "const_spec",
                Pick::Field("name"),
                Pick::FieldFirstNamed("value"),
            ),
            // Package-level `var q = "…"` is used like a constant.
            ConstRule {
                within: Some((2, "source_file")),
                ..rule(
                    "var_spec",
                    Pick::Field("name"),
                    Pick::FieldFirstNamed("value"),
                )
            },
        ],
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Python,
        extensions: &["py"],
        grammar: || tree_sitter_python::LANGUAGE.into(),
        strings: &["string"],
        adjacent: &["concatenated_string"],
        binaries: &["binary_operator"],
        concat_ops: &["+"],
        format_ops: &["%"],
        calls: &["call"],
        format_calls: &[".format"],
        parens: IDENT_PAREN,
        constants: &[
            ConstRule {
                within: Some((2, "module")),
                ..rule("assignment", Pick::Field("left"), Pick::Field("right"))
            },
            // Class attributes (`Q = "…"` in a class body, used as `self.Q`).
            ConstRule {
                within: Some((3, "class_definition")),
                ..rule("assignment", Pick::Field("left"), Pick::Field("right"))
            },
        ],
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Java,
        extensions: &["java"],
        grammar: || tree_sitter_java::LANGUAGE.into(),
        strings: &["string_literal"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["method_invocation"],
        format_calls: &["String.format", ".formatted"],
        parens: IDENT_PAREN,
        constants: &[ConstRule {
            keywords: &["final"],
            keyword_up: 1,
            ..rule(
                "variable_declarator",
                Pick::Field("name"),
                Pick::Field("value"),
            )
        }],
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Kotlin,
        extensions: &["kt", "kts"],
        grammar: || tree_sitter_kotlin_ng::LANGUAGE.into(),
        strings: &["string_literal", "multiline_string_literal"],
        adjacent: &[],
        binaries: &["binary_expression", "additive_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["call_expression"],
        format_calls: &["String.format", ".format"],
        parens: IDENT_PAREN,
        constants: &[ConstRule {
            keywords: &["val"],
            ..rule(
                "property_declaration",
                Pick::FirstOfKind("variable_declaration"),
                Pick::LastNamed,
            )
        }],
        dollar_templates: true,
    },
    LangSpec {
        language: Language::TypeScript,
        extensions: &["ts", "mts", "cts"],
        grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        strings: &["string", "template_string"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["call_expression"],
        format_calls: &["util.format"],
        parens: IDENT_PAREN,
        constants: JS_CONSTANTS,
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Tsx,
        extensions: &["tsx"],
        grammar: || tree_sitter_typescript::LANGUAGE_TSX.into(),
        strings: &["string", "template_string"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["call_expression"],
        format_calls: &["util.format"],
        parens: IDENT_PAREN,
        constants: JS_CONSTANTS,
        dollar_templates: false,
    },
    LangSpec {
        language: Language::JavaScript,
        extensions: &["js", "mjs", "cjs", "jsx"],
        grammar: || tree_sitter_javascript::LANGUAGE.into(),
        strings: &["string", "template_string"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["call_expression"],
        format_calls: &["util.format"],
        parens: IDENT_PAREN,
        constants: JS_CONSTANTS,
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Ruby,
        extensions: &["rb"],
        grammar: || tree_sitter_ruby::LANGUAGE.into(),
        strings: &["string", "heredoc_body"],
        adjacent: &["chained_string"],
        binaries: &["binary"],
        concat_ops: &["+"],
        format_ops: &["%"],
        calls: &["call"],
        format_calls: &["format", "sprintf"],
        parens: &["parenthesized_statements"],
        constants: &[ConstRule {
            name_kind: Some("constant"),
            ..rule("assignment", Pick::Field("left"), Pick::Field("right"))
        }],
        dollar_templates: false,
    },
    LangSpec {
        language: Language::CSharp,
        extensions: &["cs"],
        grammar: || tree_sitter_c_sharp::LANGUAGE.into(),
        strings: &[
            "string_literal",
            "verbatim_string_literal",
            "raw_string_literal",
            "interpolated_string_expression",
        ],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["+"],
        format_ops: &[],
        calls: &["invocation_expression"],
        format_calls: &["string.Format", "String.Format"],
        parens: IDENT_PAREN,
        constants: &[ConstRule {
            keywords: &["const", "readonly"],
            keyword_up: 2,
            ..rule("variable_declarator", Pick::Field("name"), Pick::LastNamed)
        }],
        dollar_templates: false,
    },
    LangSpec {
        language: Language::Php,
        extensions: &["php"],
        grammar: || tree_sitter_php::LANGUAGE_PHP.into(),
        strings: &["string", "encapsed_string", "heredoc", "nowdoc"],
        adjacent: &[],
        binaries: &["binary_expression"],
        concat_ops: &["."],
        format_ops: &[],
        calls: &["function_call_expression"],
        format_calls: &["sprintf", "vsprintf"],
        parens: IDENT_PAREN,
        constants: &[rule(
            "const_element",
            Pick::FirstOfKind("name"),
            Pick::LastNamed,
        )],
        dollar_templates: false,
    },
];

const JS_CONSTANTS: &[ConstRule] = &[ConstRule {
    keywords: &["const"],
    keyword_up: 1,
    ..rule(
        "variable_declarator",
        Pick::Field("name"),
        Pick::Field("value"),
    )
}];

/// Literal content nodes: their text (with escapes decoded) is the value.
pub const CONTENT_KINDS: &[&str] = &[
    "string_content",
    "string_fragment",
    "multiline_string_fragment",
    "interpreted_string_literal_content",
    "raw_string_literal_content",
    "string_literal_content",
    "raw_string_content",
    "heredoc_content",
    "nowdoc_string",
];

/// Nodes that only wrap content (descend without taking their own text).
pub const CONTAINER_KINDS: &[&str] = &["heredoc_body", "nowdoc_body"];

/// Named delimiter nodes inside a literal: skipped.
pub const DELIMITER_KINDS: &[&str] = &[
    "string_start",
    "string_end",
    "raw_string_start",
    "raw_string_end",
    "interpolation_start",
    "heredoc_start",
    "heredoc_end",
    "heredoc_beginning",
    "interpolation_brace",
    "comment",
];

/// Expression nodes that name a value: looked up among the file's constants.
pub const NAME_KINDS: &[&str] = &[
    "identifier",
    "constant",
    "name",
    "field_access",
    "scoped_identifier",
    "member_expression",
    "selector_expression",
    "attribute",
    "navigation_expression",
    "member_access_expression",
    "class_constant_access_expression",
    "scope_resolution",
    "simple_identifier",
];

/// The language of a repository path, from its extension.
pub fn for_path(path: &str) -> Option<&'static LangSpec> {
    let ext = path.rsplit_once('.')?.1;
    LANGUAGES
        .iter()
        .find(|l| l.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// Rust's `concat!` joins literals at compile time: a constant, not dynamic.
pub const RUST_CONCAT_MACRO: &str = "concat";

/// Flags per grammar node kind id, so the hot walk compares integers, not
/// strings.
pub const K_STRING: u8 = 1;
pub const K_ADJACENT: u8 = 2;
pub const K_BINARY: u8 = 4;
pub const K_CALL: u8 = 8;
pub const K_CONST: u8 = 16;
pub const K_NAME: u8 = 32;

static KIND_FLAGS: [std::sync::OnceLock<Vec<u8>>; 11] = [const { std::sync::OnceLock::new() }; 11];

impl LangSpec {
    /// The flags of every node kind of this language's grammar, by kind id.
    pub fn kind_flags(&'static self) -> &'static [u8] {
        let idx = LANGUAGES
            .iter()
            .position(|l| std::ptr::eq(l, self))
            .unwrap_or(0)
            .min(KIND_FLAGS.len() - 1);
        KIND_FLAGS[idx].get_or_init(|| {
            let lang = (self.grammar)();
            (0..lang.node_kind_count())
                .map(|id| {
                    let Some(kind) = lang.node_kind_for_id(id as u16) else {
                        return 0;
                    };
                    if !lang.node_kind_is_named(id as u16) {
                        return 0;
                    }
                    let mut f = 0;
                    if self.strings.contains(&kind) {
                        f |= K_STRING;
                    }
                    if self.adjacent.contains(&kind) {
                        f |= K_ADJACENT;
                    }
                    if self.binaries.contains(&kind) {
                        f |= K_BINARY;
                    }
                    if self.calls.contains(&kind) {
                        f |= K_CALL;
                    }
                    if self.constants.iter().any(|r| r.kind == kind) {
                        f |= K_CONST;
                    }
                    if NAME_KINDS.contains(&kind) {
                        f |= K_NAME;
                    }
                    f
                })
                .collect()
        })
    }
}
