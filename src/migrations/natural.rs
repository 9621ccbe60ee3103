//! Natural ordering of names and paths: digit runs compare by value, so
//! `9_x` < `10_x` and `v1.9/` < `v1.10/`.

use std::cmp::Ordering;

/// Compares two names with digit runs compared as numbers (of any length).
/// Ties fall back to plain byte order so the order is total.
pub fn cmp_natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let n = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let m = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let o = cmp_digits(&x[..n], &y[..m]);
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[n..];
                y = &y[m..];
            }
            (Some(c), Some(d)) => {
                let o = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |s: &[u8]| -> usize { s.iter().take_while(|c| **c == b'0').count() };
    let (a, b) = (&a[strip(a)..], &b[strip(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares `/`-separated paths component by component, each naturally, so a
/// folder's files stay together and `v1.9/z.sql` < `v1.10/a.sql`.
pub fn cmp_path(a: &str, b: &str) -> Ordering {
    let mut x = a.split('/');
    let mut y = b.split('/');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = cmp_natural(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_compare_by_value() {
        assert_eq!(cmp_natural("9_x.sql", "10_x.sql"), Ordering::Less);
        assert_eq!(cmp_natural("v1.10", "v1.9"), Ordering::Greater);
        assert_eq!(cmp_natural("0003", "3"), Ordering::Less); // tie broken by bytes
        assert_eq!(
            cmp_natural("99999999999999999999999_a", "100000000000000000000000_a"),
            Ordering::Less
        );
    }

    #[test]
    fn paths_compare_by_component() {
        assert_eq!(cmp_path("v1.9/z.sql", "v1.10/a.sql"), Ordering::Less);
        assert_eq!(cmp_path("a/b.sql", "a-b.sql"), Ordering::Less);
        let mut v = vec!["v2/1.sql", "v10/1.sql", "v1.10/2.sql", "v1.9/1.sql"];
        v.sort_by(|a, b| cmp_path(a, b));
        assert_eq!(v, ["v1.9/1.sql", "v1.10/2.sql", "v2/1.sql", "v10/1.sql"]);
    }
}
