//! Parsers for one setting's text: integers in a range, booleans, comma lists,
//! http(s) URLs, GUIDs. Each failure is a message for `NAME: message`; callers
//! decide whether the value may be quoted (never for secrets).

/// An integer from `min` to `max` inclusive, as `T`.
pub(crate) fn integer<T: TryFrom<i128>>(text: &str, min: i128, max: i128) -> Result<T, String> {
    let value: i128 = text
        .parse()
        .map_err(|_| format!("expected an integer, got {text:?}"))?;
    if value < min || value > max {
        return Err(match (min, max) {
            (0, _) if value < 0 => format!("expected a non-negative integer, got {text:?}"),
            (1, _) if value < 1 => format!("expected a positive integer, got {text:?}"),
            _ => format!("expected an integer from {min} to {max}, got {text:?}"),
        });
    }
    T::try_from(value).map_err(|_| format!("expected an integer from {min} to {max}, got {text:?}"))
}

/// `true/false/1/0/yes/no`, any case.
pub(crate) fn boolean(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "expected true or false (or 1/0, yes/no), got {text:?}"
        )),
    }
}

/// The items of a comma list, trimmed, empty items dropped.
pub(crate) fn list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

/// A comma list of integers (`HALO_CLOSED_STATUS_ID=8, 9`).
pub(crate) fn integer_list(text: &str) -> Result<Vec<i64>, String> {
    list(text)
        .into_iter()
        .map(|item| {
            item.parse::<i64>()
                .map_err(|_| format!("expected integers separated by commas, got {item:?}"))
        })
        .collect()
}

/// An absolute `http` or `https` URL with a host, returned without a trailing
/// slash so callers can append `/path`. The value is not quoted in the message:
/// a URL may carry credentials.
pub(crate) fn http_url(text: &str) -> Result<String, String> {
    let invalid = || "not a valid http(s) URL".to_owned();
    let url = url::Url::parse(text).map_err(|_| invalid())?;
    let web = matches!(url.scheme(), "http" | "https");
    if !web || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// A GUID in any usual form; kept as written when it is the plain hyphenated
/// form (ContraForce compares the text), otherwise rewritten to that form.
pub(crate) fn guid(text: &str) -> Result<String, String> {
    let parsed =
        uuid::Uuid::try_parse(text).map_err(|_| format!("expected a GUID, got {text:?}"))?;
    if text.len() == 36 {
        Ok(text.to_owned())
    } else {
        Ok(parsed.hyphenated().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_range_checked_with_a_readable_message() {
        assert_eq!(integer::<u16>("8080", 0, 65_535), Ok(8080));
        assert_eq!(
            integer::<u16>("abc", 0, 65_535),
            Err("expected an integer, got \"abc\"".to_owned())
        );
        assert_eq!(
            integer::<u64>("-5", 0, u64::MAX.into()),
            Err("expected a non-negative integer, got \"-5\"".to_owned())
        );
        assert_eq!(
            integer::<i64>("0", 1, i64::MAX.into()),
            Err("expected a positive integer, got \"0\"".to_owned())
        );
        assert_eq!(
            integer::<u16>("70000", 0, 65_535),
            Err("expected an integer from 0 to 65535, got \"70000\"".to_owned())
        );
    }

    #[test]
    fn booleans_accept_the_usual_spellings_in_any_case() {
        for yes in ["true", "TRUE", "1", "Yes"] {
            assert_eq!(boolean(yes), Ok(true), "{yes}");
        }
        for no in ["false", "False", "0", "NO"] {
            assert_eq!(boolean(no), Ok(false), "{no}");
        }
        assert!(boolean("maybe").is_err());
    }

    #[test]
    fn lists_are_trimmed_and_drop_empty_items() {
        assert_eq!(list(" a , b,,c ,"), vec!["a", "b", "c"]);
        assert_eq!(integer_list("8, 9 ,"), Ok(vec![8, 9]));
        assert_eq!(
            integer_list("8,x"),
            Err("expected integers separated by commas, got \"x\"".to_owned())
        );
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert_eq!(
            http_url("https://h.example/api/"),
            Ok("https://h.example/api".to_owned())
        );
        assert_eq!(
            http_url("http://127.0.0.1:4000"),
            Ok("http://127.0.0.1:4000".to_owned())
        );
        for bad in ["ftp://h.example", "h.example/api", "https://", "mailto:a@b"] {
            assert!(http_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn guids_keep_the_hyphenated_text_and_normalise_other_forms() {
        let upper = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
        assert_eq!(guid(upper), Ok(upper.to_owned()));
        assert_eq!(
            guid("{6f9619ff-8b86-d011-b42d-00c04fc964ff}"),
            Ok("6f9619ff-8b86-d011-b42d-00c04fc964ff".to_owned())
        );
        assert!(guid("not-a-guid").is_err());
    }
}
