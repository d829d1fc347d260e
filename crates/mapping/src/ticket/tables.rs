//! The two configurable look-up tables of the ticket mapping: severity → Halo
//! priority (`HALO_PRIORITY_MAP`) and ContraForce account → Halo client
//! (`HALO_CLIENT_MAP`). Parsing the setting text lives here; reading the
//! environment does not.

use std::collections::HashMap;

/// The priority map used when none is configured.
pub const DEFAULT_PRIORITY_MAP: &str = "High=1,Medium=2,Low=3,Informational=3";

/// The severity whose priority also serves absent and unknown severities.
const FALLBACK_SEVERITY: &str = "low";

/// Severity name (compared case-insensitively) → Halo `priority_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityMap {
    by_severity: HashMap<String, i64>,
    fallback: i64,
}

impl PriorityMap {
    /// Reads `Name=id` items separated by commas, e.g. [`DEFAULT_PRIORITY_MAP`].
    /// The map must name `Low`: an absent or unknown severity gets its priority.
    pub fn parse(text: &str) -> Result<PriorityMap, String> {
        let by_severity = pairs(text, "severity", "priority id")?;
        let fallback = by_severity.get(FALLBACK_SEVERITY).copied().ok_or_else(|| {
            "no priority for Low, which absent and unknown severities also use".to_owned()
        })?;
        Ok(PriorityMap {
            by_severity,
            fallback,
        })
    }

    /// The priority for a severity; `Low`'s for one that is absent or not in the map.
    pub fn priority_for(&self, severity: Option<&str>) -> i64 {
        severity
            .and_then(|name| self.by_severity.get(&key(name)))
            .copied()
            .unwrap_or(self.fallback)
    }
}

impl Default for PriorityMap {
    fn default() -> Self {
        Self {
            by_severity: [("high", 1), ("medium", 2), ("low", 3), ("informational", 3)]
                .into_iter()
                .map(|(name, id)| (name.to_owned(), id))
                .collect(),
            fallback: 3,
        }
    }
}

/// ContraForce `accountId` (compared case-insensitively) → Halo `client_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMap {
    by_account: HashMap<String, i64>,
}

impl ClientMap {
    /// Reads `accountId=clientId` items separated by commas; empty text is an
    /// empty map.
    pub fn parse(text: &str) -> Result<ClientMap, String> {
        Ok(ClientMap {
            by_account: pairs(text, "account id", "client id")?,
        })
    }

    /// The client for an account, when the map names it.
    pub fn client_for(&self, account_id: Option<&str>) -> Option<i64> {
        self.by_account.get(&key(account_id?)).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.by_account.is_empty()
    }
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// `name=id` items separated by commas, each trimmed; empty items are skipped.
/// Names are stored lower-cased. Ids are positive integers, as Halo's are.
fn pairs(text: &str, name_kind: &str, id_kind: &str) -> Result<HashMap<String, i64>, String> {
    let mut map = HashMap::new();
    for item in text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (name, id) = item.split_once('=').ok_or_else(|| {
            format!("item {item:?} has no \"=\" (expected {name_kind}={id_kind})")
        })?;
        let (name, id) = (name.trim(), id.trim());
        if name.is_empty() {
            return Err(format!("item {item:?} has an empty {name_kind}"));
        }
        let id =
            id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                format!("item {item:?}: {id:?} is not a positive integer {id_kind}")
            })?;
        if map.insert(key(name), id).is_some() {
            return Err(format!("{name_kind} {name:?} is given more than once"));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_text_and_default_map_agree() {
        assert_eq!(
            PriorityMap::parse(DEFAULT_PRIORITY_MAP),
            Ok(PriorityMap::default())
        );
    }

    #[test]
    fn default_table_rows() {
        let map = PriorityMap::default();
        assert_eq!(map.priority_for(Some("High")), 1);
        assert_eq!(map.priority_for(Some("Medium")), 2);
        assert_eq!(map.priority_for(Some("Low")), 3);
        assert_eq!(map.priority_for(Some("Informational")), 3);
    }

    #[test]
    fn severity_names_are_case_insensitive() {
        let map = PriorityMap::default();
        assert_eq!(map.priority_for(Some("HIGH")), 1);
        assert_eq!(map.priority_for(Some("medium")), 2);
        assert_eq!(map.priority_for(Some(" hIgH ")), 1);
    }

    #[test]
    fn absent_or_unknown_severity_gets_the_low_priority() {
        let map = PriorityMap::parse("High=1,Medium=2,Low=4").unwrap();
        assert_eq!(map.priority_for(None), 4);
        assert_eq!(map.priority_for(Some("Critical")), 4);
        assert_eq!(map.priority_for(Some("Informational")), 4);
        assert_eq!(map.priority_for(Some("")), 4);
    }

    #[test]
    fn items_are_trimmed_and_empty_items_skipped() {
        let map = PriorityMap::parse(" high = 7 , , LOW=9 ,").unwrap();
        assert_eq!(map.priority_for(Some("High")), 7);
        assert_eq!(map.priority_for(Some("medium")), 9);
    }

    #[test]
    fn priority_map_errors_say_what_is_wrong() {
        let error = |text: &str| PriorityMap::parse(text).unwrap_err();
        assert_eq!(
            error("High=1,Low"),
            "item \"Low\" has no \"=\" (expected severity=priority id)"
        );
        assert_eq!(
            error("High=one,Low=3"),
            "item \"High=one\": \"one\" is not a positive integer priority id"
        );
        assert_eq!(
            error("High=1.5,Low=3"),
            "item \"High=1.5\": \"1.5\" is not a positive integer priority id"
        );
        assert_eq!(
            error("High=0,Low=3"),
            "item \"High=0\": \"0\" is not a positive integer priority id"
        );
        assert_eq!(error("=1,Low=3"), "item \"=1\" has an empty severity");
        assert_eq!(
            error("High=1,high=2,Low=3"),
            "severity \"high\" is given more than once"
        );
        assert_eq!(
            error("High=1"),
            "no priority for Low, which absent and unknown severities also use"
        );
        assert_eq!(
            error(""),
            "no priority for Low, which absent and unknown severities also use"
        );
    }

    #[test]
    fn client_map_matches_accounts_case_insensitively() {
        let map = ClientMap::parse(" 5B0C3F0E-2D7A-4F5E-9A51-2F7D3C1E9B10 = 12 ,other-account=40")
            .unwrap();
        assert_eq!(
            map.client_for(Some("5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10")),
            Some(12)
        );
        assert_eq!(map.client_for(Some("OTHER-ACCOUNT")), Some(40));
        assert_eq!(map.client_for(Some("unknown")), None);
        assert_eq!(map.client_for(None), None);
    }

    #[test]
    fn empty_client_map_text_is_an_empty_map() {
        for text in ["", "  ", ",,"] {
            let map = ClientMap::parse(text).unwrap();
            assert!(map.is_empty(), "{text:?}");
            assert_eq!(map.client_for(Some("anything")), None);
        }
    }

    #[test]
    fn client_map_errors_say_what_is_wrong() {
        let error = |text: &str| ClientMap::parse(text).unwrap_err();
        assert_eq!(
            error("acct"),
            "item \"acct\" has no \"=\" (expected account id=client id)"
        );
        assert_eq!(
            error("acct=x"),
            "item \"acct=x\": \"x\" is not a positive integer client id"
        );
        assert_eq!(error(" =5"), "item \"=5\" has an empty account id");
        assert_eq!(error("a=1,A=2"), "account id \"A\" is given more than once");
    }
}
