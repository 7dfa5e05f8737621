//! The tariff file: one signed fixed-point price per slot of a frame, as JSON.
//!
//! ```json
//! { "format": "zkmeter-tariff", "version": 1, "tariff_id": "agile-A-2026-01",
//!   "currency": "GBP", "price_unit": "micro-currency/kWh",
//!   "frame": { "start": "2026-01-01T00:00:00Z", "slot_minutes": 30, "slots": 1488,
//!              "size": "month-30min" },
//!   "prices": [152300, -20000, ...], "plan": "agile-30min" }
//! ```
//! Unknown fields are refused. `prices[i]` is the price of slot `i` in micro-currency per kWh.
//! `plan` (optional) names the utility's rate plan the tariff belongs to; a tariff without it
//! is of the default plan ([`DEFAULT_PLAN`](crate::ids::DEFAULT_PLAN)). The plan is covered by
//! the digest when present; a tariff without it has the digest it had before plans existed
//! (docs/protocol.md, "Tariff digest").

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{FileError, ProtocolError};
use crate::frame::Frame;
use crate::ids::{check_currency, valid_identifier, PlanId};
use zkmeter_circuit::encoding::check_price;
use zkmeter_circuit::{BoundsError, TariffPrices};

/// The `format` field's value.
pub const TARIFF_FORMAT: &str = "zkmeter-tariff";
/// The tariff file version this build reads and writes.
pub const TARIFF_VERSION: u16 = 1;
/// The only price unit.
pub const PRICE_UNIT: &str = "micro-currency/kWh";
/// Cap on a tariff file, checked before parsing.
pub const TARIFF_CAP: u64 = 1 << 20;
/// Domain separator of the tariff digest.
pub const TARIFF_DIGEST_DOMAIN: &[u8] = b"zkmeter/tariff-digest/v1\0";

/// A tariff for one frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    /// Always [`TARIFF_FORMAT`].
    pub format: String,
    /// Always [`TARIFF_VERSION`].
    pub version: u16,
    /// The utility's id for this tariff (1-64 of `[A-Za-z0-9._-]`).
    pub tariff_id: String,
    /// ISO 4217-style currency code (3 upper-case letters).
    pub currency: String,
    /// Always [`PRICE_UNIT`].
    pub price_unit: String,
    /// The frame the prices apply to.
    pub frame: Frame,
    /// One price per slot, micro-currency per kWh.
    pub prices: Vec<i64>,
    /// The rate plan (docs/batch.md, "Rate plans"); `None`: the default plan. Last, and left
    /// out of the encoding when `None`, so that a tariff without a plan keeps the digest of a
    /// tariff from before plans ([`Tariff::digest`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
}

impl Tariff {
    /// Builds and validates a tariff.
    pub fn new(
        tariff_id: &str,
        currency: &str,
        frame: Frame,
        prices: Vec<i64>,
    ) -> Result<Self, ProtocolError> {
        let t = Tariff {
            format: TARIFF_FORMAT.into(),
            version: TARIFF_VERSION,
            tariff_id: tariff_id.into(),
            currency: currency.into(),
            price_unit: PRICE_UNIT.into(),
            frame,
            prices,
            plan: None,
        };
        t.validate()?;
        Ok(t)
    }

    /// The same tariff under rate plan `plan` (`None`: the default plan).
    pub fn with_plan(mut self, plan: Option<PlanId>) -> Self {
        self.plan = plan;
        self
    }

    /// The rate plan the tariff belongs to: its `plan`, else the default plan.
    pub fn plan_id(&self) -> PlanId {
        self.plan.clone().unwrap_or_else(PlanId::default_plan)
    }

    /// Checks ids, frame, price count and price bounds.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        let bad = |what: &'static str, value: &str| ProtocolError::BadIdentifier {
            what,
            value: crate::ids::truncate_for_error(value),
        };
        if self.format != TARIFF_FORMAT {
            return Err(bad("tariff format", &self.format));
        }
        if self.price_unit != PRICE_UNIT {
            return Err(bad("price unit", &self.price_unit));
        }
        if !valid_identifier(&self.tariff_id, 64) {
            return Err(bad("tariff id", &self.tariff_id));
        }
        check_currency(&self.currency)?;
        self.frame.validate()?;
        self.frame.check_len("tariff prices", self.prices.len())?;
        for (slot, &p) in self.prices.iter().enumerate() {
            check_price(slot, p)?;
        }
        Ok(())
    }

    /// The tariff as the circuit's keys take it: its prices for its frame's size. The prices
    /// are fixed columns of the circuit, so the keys of (size, tariff) commit to them
    /// (docs/protocol.md "Circuit").
    ///
    /// # Errors
    /// [`BoundsError`] for a tariff that does not pass [`Tariff::validate`]'s bounds (possible
    /// only for one changed after it was built or read).
    pub fn circuit_prices(&self) -> Result<TariffPrices, BoundsError> {
        TariffPrices::new(self.frame.size, &self.prices)
    }

    /// Parses and validates a tariff from JSON bytes (already size-capped by the caller).
    pub fn from_json(bytes: &[u8]) -> Result<Self, FileError> {
        #[derive(Deserialize)]
        struct Probe {
            version: Option<u16>,
        }
        if let Ok(Probe {
            version: Some(found),
        }) = serde_json::from_slice::<Probe>(bytes)
        {
            if found != TARIFF_VERSION {
                return Err(FileError::UnsupportedVersion {
                    kind: "tariff",
                    found,
                    supported: TARIFF_VERSION,
                });
            }
        }
        let t: Tariff = serde_json::from_slice(bytes).map_err(|e| FileError::Malformed {
            kind: "tariff",
            reason: e.to_string(),
        })?;
        t.validate().map_err(|source| FileError::Invalid {
            kind: "tariff",
            source,
        })?;
        Ok(t)
    }

    /// Reads a tariff file (capped at [`TARIFF_CAP`] before parsing).
    pub fn read(path: &std::path::Path) -> Result<Self, FileError> {
        let bytes = crate::fs::read_capped(path, TARIFF_CAP, "tariff")?;
        Self::from_json(&bytes)
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("in-memory encoding cannot fail") + "\n"
    }

    /// The tariff digest `D`: SHA-256 over [`TARIFF_DIGEST_DOMAIN`] and the postcard encoding of
    /// the whole tariff. Independent of JSON whitespace or key order. `plan`, the last field,
    /// is encoded only when present (as postcard's `Some`: byte 1, then the string), so a
    /// tariff without a plan has exactly the digest of the same tariff before plans existed,
    /// and proofs made under it stay valid. Because the encoding of the other fields is
    /// self-delimiting, the plan's bytes cannot be confused with theirs.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(TARIFF_DIGEST_DOMAIN);
        h.update(postcard::to_allocvec(self).expect("in-memory encoding cannot fail"));
        h.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::UtcTime;
    use zkmeter_circuit::{BoundsError, CircuitSize};

    fn tariff() -> Tariff {
        let frame = Frame::new(
            UtcTime::parse("2026-01-01T00:00:00Z").unwrap(),
            60,
            3,
            CircuitSize::Day15Min,
        )
        .unwrap();
        Tariff::new("t-1", "GBP", frame, vec![100, -5, 0]).unwrap()
    }

    #[test]
    fn json_round_trip_keeps_the_digest() {
        let t = tariff();
        let back = Tariff::from_json(t.to_json().as_bytes()).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.digest(), t.digest());
    }

    #[test]
    fn any_change_moves_the_digest() {
        let t = tariff();
        let mut u = t.clone();
        u.prices[1] = -4;
        assert_ne!(t.digest(), u.digest());
        let mut v = t.clone();
        v.tariff_id = "t-2".into();
        assert_ne!(t.digest(), v.digest());
    }

    #[test]
    fn the_plan_is_covered_by_the_digest_only_when_present() {
        let t = tariff();
        // Without a plan: the digest of the fields before plans existed, in their order.
        let before = postcard::to_allocvec(&(
            &t.format,
            t.version,
            &t.tariff_id,
            &t.currency,
            &t.price_unit,
            &t.frame,
            &t.prices,
        ))
        .unwrap();
        let mut h = Sha256::new();
        h.update(TARIFF_DIGEST_DOMAIN);
        h.update(&before);
        assert_eq!(t.digest(), <[u8; 32]>::from(h.finalize()));
        assert_eq!(t.plan_id().as_str(), crate::ids::DEFAULT_PLAN);
        assert!(!t.to_json().contains("plan"), "no plan field is written");

        // With a plan: that encoding, then `Some(plan)`; the plan moves the digest.
        let hourly = t.clone().with_plan(Some(PlanId::new("hourly").unwrap()));
        let mut h = Sha256::new();
        h.update(TARIFF_DIGEST_DOMAIN);
        h.update(&before);
        h.update([1u8, 6]);
        h.update(b"hourly");
        assert_eq!(hourly.digest(), <[u8; 32]>::from(h.finalize()));
        let back = Tariff::from_json(hourly.to_json().as_bytes()).unwrap();
        assert_eq!(back, hourly);
        assert_eq!(back.plan_id().as_str(), "hourly");
        let other = t.with_plan(Some(PlanId::new("hourly2").unwrap()));
        assert_ne!(other.digest(), hourly.digest());
        // A malformed plan id is refused.
        let bad = hourly.to_json().replace("\"hourly\"", "\"hour ly\"");
        assert!(matches!(
            Tariff::from_json(bad.as_bytes()),
            Err(FileError::Malformed { .. })
        ));
    }

    #[test]
    fn malformed_tariffs_are_refused_with_the_reason() {
        let t = tariff();
        let text = t.to_json();
        assert!(
            Tariff::from_json(text.replace("\"version\": 1", "\"version\": 9").as_bytes())
                .is_err_and(|e| matches!(e, FileError::UnsupportedVersion { found: 9, .. }))
        );
        let extra = text.replacen('{', "{\"extra\": 1,", 1);
        assert!(matches!(
            Tariff::from_json(extra.as_bytes()),
            Err(FileError::Malformed { .. })
        ));
        let short = text.replace("\"slots\": 3", "\"slots\": 4");
        assert!(matches!(
            Tariff::from_json(short.as_bytes()),
            Err(FileError::Invalid {
                source: ProtocolError::Bounds(BoundsError::WrongLength { .. }),
                ..
            })
        ));
        let huge = text.replace("100", "9999999999");
        assert!(matches!(
            Tariff::from_json(huge.as_bytes()),
            Err(FileError::Invalid {
                source: ProtocolError::Bounds(BoundsError::PriceOutOfRange { .. }),
                ..
            })
        ));
        assert!(Tariff::from_json(b"\xff\x00garbage").is_err());
    }
}
