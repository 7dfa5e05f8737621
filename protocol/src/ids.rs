//! Small validated identifiers and byte strings.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ProtocolError;

/// Largest meter id, in bytes.
pub const MAX_METER_ID_LEN: usize = 64;

/// A meter id chosen by the operator: 1-64 characters of `[A-Za-z0-9._-]`.
///
/// Validated on construction and on deserialisation, so no invalid id exists in memory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MeterId(String);

impl MeterId {
    /// Validates and wraps an id.
    pub fn new(id: &str) -> Result<Self, ProtocolError> {
        if valid_identifier(id, MAX_METER_ID_LEN) {
            Ok(MeterId(id.to_owned()))
        } else {
            Err(ProtocolError::BadMeterId(truncate_for_error(id)))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MeterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MeterId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MeterId::new(&s).map_err(serde::de::Error::custom)
    }
}

/// Largest rate-plan id, in bytes.
pub const MAX_PLAN_ID_LEN: usize = 64;

/// The plan of a tariff file or registry line that names none.
pub const DEFAULT_PLAN: &str = "default";

/// A rate plan of the utility (docs/batch.md, "Rate plans"): 1-64 characters of
/// `[A-Za-z0-9._-]`. Tariffs name their plan, the registry says which plan bills each meter.
///
/// Validated on construction and on deserialisation, so no invalid id exists in memory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PlanId(String);

impl PlanId {
    /// Validates and wraps a plan id.
    pub fn new(id: &str) -> Result<Self, ProtocolError> {
        if valid_identifier(id, MAX_PLAN_ID_LEN) {
            Ok(PlanId(id.to_owned()))
        } else {
            Err(ProtocolError::BadIdentifier {
                what: "plan id",
                value: truncate_for_error(id),
            })
        }
    }

    /// The plan of files that name none, [`DEFAULT_PLAN`].
    pub fn default_plan() -> Self {
        PlanId(DEFAULT_PLAN.to_owned())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PlanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PlanId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PlanId::new(&s).map_err(serde::de::Error::custom)
    }
}

/// True when `s` is 1..=`max` characters of `[A-Za-z0-9._-]`.
pub fn valid_identifier(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Checks a tariff's currency code: 3 upper-case ASCII letters (ISO 4217 style, e.g. `EUR`).
///
/// # Errors
/// [`ProtocolError::BadIdentifier`] with `what` = `"currency"` for anything else.
pub fn check_currency(code: &str) -> Result<(), ProtocolError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(ProtocolError::BadIdentifier {
            what: "currency",
            value: truncate_for_error(code),
        })
    }
}

/// Shortens hostile text before it goes into an error message.
pub fn truncate_for_error(s: &str) -> String {
    let clean: String = s
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 80 {
        format!("{clean}...")
    } else {
        clean
    }
}

/// An ECDSA P-256 signature as 64 bytes `r || s` (big-endian scalars, low-s form).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureBytes(#[serde(with = "crate::encoding::hex_bytes")] pub [u8; 64]);

impl std::fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignatureBytes({})", hex::encode(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_upper_case_letters() {
        for good in ["GBP", "EUR", "USD", "XAU"] {
            assert_eq!(check_currency(good), Ok(()));
        }
        for bad in ["", "EU", "EURO", "eur", "Eur", "E1R", "ÉUR", "EU "] {
            assert_eq!(
                check_currency(bad),
                Err(ProtocolError::BadIdentifier {
                    what: "currency",
                    value: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn meter_ids_are_validated() {
        assert!(MeterId::new("meter-0001.A_b").is_ok());
        for bad in ["", "a b", "x/y", "é", &"a".repeat(65)] {
            assert!(MeterId::new(bad).is_err(), "{bad:?} accepted");
        }
        let json = serde_json::to_string("bad id").unwrap();
        assert!(serde_json::from_str::<MeterId>(&json).is_err());
    }

    #[test]
    fn plan_ids_are_validated() {
        assert_eq!(PlanId::new("hourly-2026").unwrap().as_str(), "hourly-2026");
        assert_eq!(PlanId::default_plan().as_str(), DEFAULT_PLAN);
        for bad in ["", "a b", "x/y", "é", &"a".repeat(65)] {
            assert!(
                matches!(
                    PlanId::new(bad),
                    Err(ProtocolError::BadIdentifier {
                        what: "plan id",
                        ..
                    })
                ),
                "{bad:?} accepted"
            );
        }
        assert!(serde_json::from_str::<PlanId>("\"a b\"").is_err());
    }
}
