//! Environment interpolation in configuration values: `${VAR}`,
//! `${VAR:-default}` and `$VAR`. `$$` is a literal `$`.

/// Replaces the variables in `text`, looking them up with `lookup`.
///
/// An unset variable without a default is an error naming it. A `$` not
/// followed by a name or `{` stays as it is, so amounts like `5$` survive.
pub(crate) fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    if !text.contains('$') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or_else(|| format!("unclosed \"${{\" in {text:?}: add the closing \"}}\""))?;
            let inner = &body[..end];
            let (name, default) = match inner.find(":-") {
                Some(j) => (&inner[..j], Some(&inner[j + 2..])),
                None => (inner, None),
            };
            if !is_name(name) {
                return Err(format!(
                    "invalid variable name {name:?} in {text:?}: use letters, digits and '_'"
                ));
            }
            match (lookup(name), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(format!(
                        "environment variable {name} is not set (write ${{{name}:-default}} \
                         to give a default)"
                    ));
                }
            }
            rest = &body[end + 1..];
        } else {
            let len = after
                .char_indices()
                .take_while(|&(k, c)| {
                    c == '_' || c.is_ascii_alphabetic() || (k > 0 && c.is_ascii_digit())
                })
                .count();
            if len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            let name = &after[..len];
            match lookup(name) {
                Some(v) => out.push_str(&v),
                None => {
                    return Err(format!(
                        "environment variable {name} is not set (write ${{{name}:-default}} \
                         to give a default)"
                    ));
                }
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f == '_' || f.is_ascii_alphabetic())
        && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/me".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn forms() {
        assert_eq!(interpolate("${HOME}/x", &env).unwrap(), "/home/me/x");
        assert_eq!(interpolate("$HOME/x", &env).unwrap(), "/home/me/x");
        assert_eq!(interpolate("${NOPE:-d e}", &env).unwrap(), "d e");
        assert_eq!(interpolate("${EMPTY:-d}", &env).unwrap(), "");
        assert_eq!(interpolate("5$ and $$HOME", &env).unwrap(), "5$ and $HOME");
        assert_eq!(interpolate("no vars", &env).unwrap(), "no vars");
    }

    #[test]
    fn errors_name_the_variable() {
        let e = interpolate("${NOPE}", &env).unwrap_err();
        assert!(e.contains("NOPE is not set"), "{e}");
        let e = interpolate("$NOPE", &env).unwrap_err();
        assert!(e.contains("NOPE is not set"), "{e}");
        assert!(
            interpolate("${HOME", &env)
                .unwrap_err()
                .contains("unclosed")
        );
    }
}
