//! The link between a Halo ticket and a ContraForce incident: the text
//! `cf|{source}|{incidentId}` kept in the ticket's reference field. Which field
//! holds it is [`crate::halo::RefField`]'s business, not this file's.

use std::fmt;

use crate::cf::Incident;

const PREFIX: &str = "cf";

/// A ContraForce incident as named on a Halo ticket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The incident's source (`sentinel`, `defenderxdr`…); never contains `|`.
    pub source: String,
    /// ContraForce's incident id; may contain `|`.
    pub incident_id: String,
}

impl Reference {
    /// The reference of an incident read from a delivery.
    pub fn of(incident: &Incident) -> Self {
        Self {
            source: incident.source.clone(),
            incident_id: incident.incident_id.clone(),
        }
    }

    /// Reads `cf|{source}|{incidentId}`, splitting at the first two `|` so the id
    /// keeps any `|` of its own. `None` without the `cf` prefix (case matters) or
    /// with an empty source or id. The text is not trimmed.
    pub fn parse(text: &str) -> Option<Reference> {
        let mut parts = text.splitn(3, '|');
        let (prefix, source, incident_id) = (parts.next()?, parts.next()?, parts.next()?);
        if prefix != PREFIX || source.is_empty() || incident_id.is_empty() {
            return None;
        }
        Some(Reference {
            source: source.to_owned(),
            incident_id: incident_id.to_owned(),
        })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}|{}|{}", self.source, self.incident_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(source: &str, incident_id: &str) -> Reference {
        Reference {
            source: source.into(),
            incident_id: incident_id.into(),
        }
    }

    #[test]
    fn displays_as_cf_source_id() {
        let r = reference("sentinel", "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11");
        assert_eq!(
            r.to_string(),
            "cf|sentinel|7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11"
        );
    }

    #[test]
    fn parses_what_it_displays() {
        let text = "cf|sentinel|7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11";
        let expected = reference("sentinel", "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11");
        assert_eq!(Reference::parse(text), Some(expected));
    }

    #[test]
    fn the_id_keeps_its_own_bars() {
        let parsed = Reference::parse("cf|crowdstrike|ldt:abc|123||").unwrap();
        assert_eq!(parsed, reference("crowdstrike", "ldt:abc|123||"));
        assert_eq!(parsed.to_string(), "cf|crowdstrike|ldt:abc|123||");
    }

    #[test]
    fn refuses_other_prefixes_and_empty_parts() {
        for text in [
            "",
            "cf",
            "cf|sentinel",
            "cf||id",
            "cf|sentinel|",
            "CF|sentinel|id",
            "xx|sentinel|id",
            " cf|sentinel|id",
            "IN-0005123",
        ] {
            assert_eq!(Reference::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn of_an_incident() {
        let incident = Incident {
            incident_id: "i-9".into(),
            source: "sentinelone".into(),
            title: "t".into(),
            ..Incident::default()
        };
        assert_eq!(Reference::of(&incident).to_string(), "cf|sentinelone|i-9");
    }
}
