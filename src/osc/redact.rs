//! Keeps database passwords out of every message: URLs are printed with the
//! password replaced, and any text can be scrubbed of the password itself.

/// The URL with its password (if any) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // Not parseable: strip everything between "://" and "@" to be safe.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(a)) if a > s => format!("{}://***{}", &url[..s], &url[a..]),
            _ => url.to_string(),
        },
    }
}

/// The password in a URL, percent-decoded, if there is one.
pub fn password_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let p = u.password()?;
    let decoded = percent_decode(p);
    Some(decoded).filter(|p| !p.is_empty())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Scrubs both the raw and the decoded password from a message.
pub fn scrub(msg: &str, url: &str) -> String {
    let mut out = msg.to_string();
    if let Some(u) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
    {
        if !u.is_empty() {
            out = out.replace(&u, "***");
        }
    }
    if let Some(p) = password_of(url) {
        out = out.replace(&p, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive() {
        let url = "postgres://bob:s%40cret@db:5432/app";
        assert_eq!(redact_url(url), "postgres://bob:***@db:5432/app");
        assert_eq!(
            scrub("failed for s@cret and s%40cret", url),
            "failed for *** and ***"
        );
        assert_eq!(redact_url("mysql://root@h/db"), "mysql://root@h/db");
    }
}
