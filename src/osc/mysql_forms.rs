//! How verification reads a MySQL/MariaDB column so that both sides compare
//! exactly: the source converted as the copy converts it, then a form that
//! is exact for the type. The plan builds its verify expressions with it;
//! it sits beside the plan, below `engines`, so the plan does not import
//! the engine code that imports the plan.

use super::db::literal;
use crate::engine::Engine;

fn lit(s: &str) -> String {
    literal(Engine::Mysql, s)
}

/// The members of `set('a','b')` as written in COLUMN_TYPE.
fn set_members(ty: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (ty.find('('), ty.rfind(')')) else {
        return vec![];
    };
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = ty[open + 1..close].chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('\'', false) => quoted = true,
            ('\'', true) if chars.peek() == Some(&'\'') => {
                cur.push('\'');
                chars.next();
            }
            ('\'', true) => {
                quoted = false;
                out.push(std::mem::take(&mut cur));
            }
            (c, true) => cur.push(c),
            _ => {}
        }
    }
    out
}

/// How verification compares one column: (source side, shadow side).
/// The source value is first converted to the shadow column's type as
/// the copy's assignment converts it (a `CAST` to that type, where the
/// types differ), then both sides are read in a form that is exact for
/// the type: hex for bytes, bits, spatial values and the padding of
/// BINARY(n); a float widened to double (its own text is rounded to six
/// digits); the text of everything else. A spatial value has no text
/// form at all ("Illegal parameter data type geometry for operation
/// 'cast_as_char'").
pub fn verify_forms(src_ty: &str, dst_ty: &str, src: &str, dst: &str) -> (String, String) {
    let d = dst_ty.to_ascii_lowercase();
    let base = d.split(['(', ' ']).next().unwrap_or_default();
    let args = d
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(a, _)| a)
        .unwrap_or_default();
    let unsigned = d.contains("unsigned");
    let conv = if src_ty.eq_ignore_ascii_case(dst_ty) {
        None
    } else {
        match base {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
                Some(if unsigned { "UNSIGNED" } else { "SIGNED" }.to_string())
            }
            "decimal" | "numeric" if !args.is_empty() => Some(format!("DECIMAL({args})")),
            "float" => Some("FLOAT".into()),
            "double" | "real" => Some("DOUBLE".into()),
            "date" => Some("DATE".into()),
            "datetime" | "timestamp" if args.is_empty() => Some("DATETIME".into()),
            "datetime" | "timestamp" => Some(format!("DATETIME({args})")),
            "time" if args.is_empty() => Some("TIME".into()),
            "time" => Some(format!("TIME({args})")),
            "binary" if !args.is_empty() => Some(format!("BINARY({args})")),
            _ => None,
        }
    };
    let src = match conv {
        Some(t) => format!("CAST({src} AS {t})"),
        None => src.to_string(),
    };
    // CHAR(n) drops trailing spaces when read.
    let src = if base == "char" && !src_ty.to_ascii_lowercase().starts_with("char") {
        format!("TRIM(TRAILING ' ' FROM {src})")
    } else {
        src
    };
    const HEX: &[&str] = &[
        "binary",
        "varbinary",
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "bit",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
    ];
    let members = set_members(dst_ty);
    let form = |e: &str| {
        if base == "set" && !src_ty.eq_ignore_ascii_case(dst_ty) {
            // A SET reads its members in definition order: both sides
            // list them in the new definition's order.
            let parts: Vec<String> = members
                .iter()
                .map(|m| {
                    let l = lit(m);
                    format!("IF(FIND_IN_SET({l}, {e}), {l}, NULL)")
                })
                .collect();
            format!(
                "IF({e} IS NULL, NULL, CONCAT_WS(',', {}))",
                parts.join(", ")
            )
        } else if HEX.contains(&base) {
            format!("HEX({e})")
        } else if base == "float" {
            format!("CAST(CAST({e} AS DOUBLE) AS CHAR)")
        } else {
            format!("CAST({e} AS CHAR)")
        }
    };
    (form(&src), form(dst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_members_are_read_with_their_quotes() {
        assert_eq!(set_members("set('a','b''c','d,e')"), ["a", "b'c", "d,e"]);
    }

    #[test]
    fn verification_converts_the_source_to_the_new_type() {
        let (s, d) = verify_forms("decimal(10,4)", "decimal(12,2)", "`d`", "`d`");
        assert_eq!(s, "CAST(CAST(`d` AS DECIMAL(12,2)) AS CHAR)");
        assert_eq!(d, "CAST(`d` AS CHAR)");
        let (s, d) = verify_forms("point", "point", "`p`", "`p`");
        assert_eq!((s.as_str(), d.as_str()), ("HEX(`p`)", "HEX(`p`)"));
    }
}
