//! Decoders for Halo's loose JSON: numbers that may be floats or strings, booleans
//! that may be numbers, dates that may be sentinels. Each is usable from serde
//! (`#[serde(deserialize_with = …)]`) and on a bare [`serde_json::Value`].

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// An integer id from `5`, `5.0`, `"5"`, `" 5 "` or `"5.0"`; `None` for anything
/// else (null, fractions, GUIDs, out-of-range numbers, booleans).
pub fn int_from_value(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(whole_number)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole_number))
        }
        _ => None,
    }
}

fn whole_number(f: f64) -> Option<i64> {
    // The bound keeps the cast exact: beyond 2^53 a float no longer names one integer.
    const LIMIT: f64 = 9_007_199_254_740_992.0;
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= LIMIT).then_some(f as i64)
}

/// A boolean from `true`, `1`, `"true"`, `"1"` (and their false forms).
pub fn bool_from_value(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Text from a string, or from a number written as text; `None` for null.
pub fn text_from_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A Halo timestamp: `YYYY-MM-DDThh:mm:ss`, an optional fraction of 0–9 digits,
/// an optional `Z` (no offset means UTC). Sentinel dates before 1901 count as
/// "no date" and give `None`, as does anything unparsable.
pub fn date_from_str(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, clock) = text.split_once('T').or_else(|| text.split_once(' '))?;

    let mut parts = date.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if year <= 1900 {
        return None;
    }

    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, fraction),
        None => (clock, ""),
    };
    let mut parts = hms.splitn(3, ':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    let second: u8 = parts.next().unwrap_or("0").parse().ok()?;
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };

    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let clock = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, clock).assume_utc())
}

/// serde: an optional integer id, lenient as [`int_from_value`].
pub fn opt_int<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Value>::deserialize(de)?
        .as_ref()
        .and_then(int_from_value))
}

/// serde: a required integer id, lenient as [`int_from_value`].
pub fn int<'de, D: Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
    let value = Value::deserialize(de)?;
    int_from_value(&value)
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer id, got {value}")))
}

/// serde: an optional boolean, lenient as [`bool_from_value`].
pub fn opt_bool<'de, D: Deserializer<'de>>(de: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<Value>::deserialize(de)?
        .as_ref()
        .and_then(bool_from_value))
}

/// serde: a boolean where absent, null or unreadable means `false`.
pub fn flag<'de, D: Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
    Ok(opt_bool(de)?.unwrap_or(false))
}

/// serde: optional text, lenient as [`text_from_value`].
pub fn opt_text<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(de)?
        .as_ref()
        .and_then(text_from_value))
}

/// serde: an optional date, lenient as [`date_from_str`].
pub fn opt_date<'de, D: Deserializer<'de>>(de: D) -> Result<Option<OffsetDateTime>, D::Error> {
    Ok(Option::<Value>::deserialize(de)?
        .as_ref()
        .and_then(Value::as_str)
        .and_then(date_from_str))
}

/// A copy of `value` whose object keys are all lower case, at every depth, so
/// that `Status_ID` and `status_id` read the same. On a clash the first key wins.
pub fn lowercase_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (key, inner) in map {
                out.entry(key.to_ascii_lowercase())
                    .or_insert_with(|| lowercase_keys(inner));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_in_every_shape_halo_sends() {
        assert_eq!(int_from_value(&json!(21)), Some(21));
        assert_eq!(int_from_value(&json!(21.0)), Some(21));
        assert_eq!(int_from_value(&json!("21")), Some(21));
        assert_eq!(int_from_value(&json!(" 21 ")), Some(21));
        assert_eq!(int_from_value(&json!("21.0")), Some(21));
        assert_eq!(int_from_value(&json!(-1)), Some(-1));
    }

    #[test]
    fn non_ids_are_none() {
        assert_eq!(int_from_value(&json!(21.5)), None);
        assert_eq!(
            int_from_value(&json!("3f0e9a4c-2b7d-4e61-9c58-0a1b2c3d4e5f")),
            None
        );
        assert_eq!(int_from_value(&json!(null)), None);
        assert_eq!(int_from_value(&json!(true)), None);
        assert_eq!(int_from_value(&json!(1e300)), None);
        assert_eq!(int_from_value(&json!("")), None);
    }

    #[test]
    fn sentinel_dates_are_none() {
        for sentinel in [
            "1900-01-01T00:00:00",
            "0001-01-01T00:00:00",
            "1899-12-30T00:00:00",
        ] {
            assert_eq!(date_from_str(sentinel), None, "{sentinel}");
        }
    }

    #[test]
    fn dates_with_zero_to_seven_fraction_digits_with_or_without_z() {
        let seven = date_from_str("2026-04-22T14:55:03.1234567Z").unwrap();
        assert_eq!(seven.nanosecond(), 123_456_700);
        let three = date_from_str("2026-04-22T14:55:03.123Z").unwrap();
        assert_eq!(three.millisecond(), 123);
        let bare = date_from_str("2026-04-22T15:10:44").unwrap();
        assert_eq!(bare.unix_timestamp(), 1_776_870_644);
        assert_eq!(bare.offset(), time::UtcOffset::UTC);
        let one = date_from_str("2026-04-22T16:02:11.5Z").unwrap();
        assert_eq!(one.millisecond(), 500);
    }

    #[test]
    fn unparsable_dates_are_none() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00",
            "2026-04-22T25:00:00",
            "2026-04-22T1:2:3.x",
        ] {
            assert_eq!(date_from_str(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans_from_numbers_and_text() {
        assert_eq!(bool_from_value(&json!(true)), Some(true));
        assert_eq!(bool_from_value(&json!(1)), Some(true));
        assert_eq!(bool_from_value(&json!("False")), Some(false));
        assert_eq!(bool_from_value(&json!(null)), None);
    }

    #[test]
    fn keys_lowercased_at_every_depth() {
        let value =
            lowercase_keys(json!({"Status_ID": 9, "Ticket": {"ID": 5}, "list": [{"Who": "x"}]}));
        assert_eq!(
            value,
            json!({"status_id": 9, "ticket": {"id": 5}, "list": [{"who": "x"}]})
        );
    }
}
