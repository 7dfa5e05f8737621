//! The tariff file: one signed fixed-point price per slot of a frame, as JSON.
//!
//! ```json
//! { "format": "zkmeter-tariff", "version": 3, "tariff_id": "agile-A-2026-01",
//!   "currency": "GBP", "price_unit": "micro-currency/kWh",
//!   "frame": { "start": "2026-01-01T00:00:00Z", "slot_minutes": 30, "slots": 1488,
//!              "size": "month-30min" },
//!   "prices": [152300, -20000, ...], "plan": "agile-30min" }
//! ```
//! Unknown fields are refused. `prices[i]` is the price of slot `i` in micro-currency per kWh
//! of imported energy. A tariff for a two-register size (`-ie`) also has `export_prices`: the
//! credit per kWh exported in each slot (the same prices for retail net metering, an export
//! tariff such as Agile Outgoing otherwise); the bill is import cost minus export credit.
//! `charges` (optional, version 3) holds what turns the bill into an invoice: standing charge,
//! levies, tiers, minimum charge, taxes ([`Charges`]). Version 2 files (no charges) are read
//! as they are and keep their digest.
//! `plan` (optional) names the utility's rate plan the tariff belongs to; a tariff without it
//! is of the default plan ([`DEFAULT_PLAN`](crate::ids::DEFAULT_PLAN)). The digest covers
//! every field, the absent optional ones as postcard's `None` (docs/protocol.md, "Tariff
//! digest").

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::charges::Charges;
use crate::error::{FileError, ProtocolError};
use crate::frame::Frame;
use crate::ids::{check_currency, valid_identifier, PlanId};
use zkmeter_circuit::encoding::check_price;
use zkmeter_circuit::{BoundsError, TariffPrices};

/// The `format` field's value.
pub const TARIFF_FORMAT: &str = "zkmeter-tariff";
/// The tariff file version this build writes (3: charges; 2: export prices, the digest
/// covers every field, absent ones included).
pub const TARIFF_VERSION: u16 = 3;
/// The older version still read: a version 2 file has no charges and keeps its digest.
pub const TARIFF_VERSION_2: u16 = 2;
/// The only price unit.
pub const PRICE_UNIT: &str = "micro-currency/kWh";
/// Cap on a tariff file, checked before parsing.
pub const TARIFF_CAP: u64 = 1 << 20;
/// Domain separator of the tariff digest.
pub const TARIFF_DIGEST_DOMAIN: &[u8] = b"zkmeter/tariff-digest/v2\0";

/// A tariff for one frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    /// Always [`TARIFF_FORMAT`].
    pub format: String,
    /// [`TARIFF_VERSION`], or [`TARIFF_VERSION_2`] for a file written before charges.
    pub version: u16,
    /// The utility's id for this tariff (1-64 of `[A-Za-z0-9._-]`).
    pub tariff_id: String,
    /// ISO 4217-style currency code (3 upper-case letters).
    pub currency: String,
    /// Always [`PRICE_UNIT`].
    pub price_unit: String,
    /// The frame the prices apply to.
    pub frame: Frame,
    /// One price per slot, micro-currency per kWh imported.
    pub prices: Vec<i64>,
    /// One credit per slot, micro-currency per kWh exported: exactly when the frame's size has
    /// an export register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_prices: Option<Vec<i64>>,
    /// The rate plan (docs/batch.md, "Rate plans"); `None`: the default plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
    /// Standing charge, levies, tiers, minimum charge and taxes (version 3); `None`: the
    /// invoice is the bill, rounded to the currency's minor unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges: Option<Charges>,
}

impl Tariff {
    /// Builds and validates a tariff of import prices (for a one-register frame).
    pub fn new(
        tariff_id: &str,
        currency: &str,
        frame: Frame,
        prices: Vec<i64>,
    ) -> Result<Self, ProtocolError> {
        Self::with_registers(tariff_id, currency, frame, prices, None)
    }

    /// Builds and validates a tariff of import prices and, for a two-register frame, export
    /// credits.
    pub fn with_registers(
        tariff_id: &str,
        currency: &str,
        frame: Frame,
        prices: Vec<i64>,
        export_prices: Option<Vec<i64>>,
    ) -> Result<Self, ProtocolError> {
        let t = Tariff {
            format: TARIFF_FORMAT.into(),
            version: TARIFF_VERSION,
            tariff_id: tariff_id.into(),
            currency: currency.into(),
            price_unit: PRICE_UNIT.into(),
            frame,
            prices,
            export_prices,
            plan: None,
            charges: None,
        };
        t.validate()?;
        Ok(t)
    }

    /// The same tariff with export credits `export` (for a two-register frame), validated.
    ///
    /// # Errors
    /// As [`Tariff::validate`].
    pub fn with_export_prices(mut self, export: Option<Vec<i64>>) -> Result<Self, ProtocolError> {
        self.export_prices = export;
        self.validate()?;
        Ok(self)
    }

    /// The same tariff under rate plan `plan` (`None`: the default plan).
    pub fn with_plan(mut self, plan: Option<PlanId>) -> Self {
        self.plan = plan;
        self
    }

    /// The same tariff with `charges` (`None`, or empty charges: none), validated. A version 2
    /// tariff becomes version 3.
    ///
    /// # Errors
    /// As [`Tariff::validate`].
    pub fn with_charges(mut self, charges: Option<Charges>) -> Result<Self, ProtocolError> {
        self.charges = charges.filter(|c| !c.is_empty() || c.minor_unit.is_some());
        self.version = TARIFF_VERSION;
        self.validate()?;
        Ok(self)
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
        if self.version != TARIFF_VERSION && self.version != TARIFF_VERSION_2 {
            return Err(bad("tariff version", &self.version.to_string()));
        }
        if let Some(charges) = &self.charges {
            if self.version == TARIFF_VERSION_2 {
                return Err(ProtocolError::BadCharges {
                    field: "charges".into(),
                    reason: "need tariff version 3".into(),
                });
            }
            charges.validate()?;
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
        if self.export_prices.is_some() != self.frame.size.has_export() {
            return Err(ProtocolError::Bounds(BoundsError::RegistersMismatch {
                what: "tariff",
                found: 1 + usize::from(self.export_prices.is_some()),
                size: self.frame.size.name(),
            }));
        }
        if let Some(export) = &self.export_prices {
            self.frame.check_len("export prices", export.len())?;
            for (slot, &p) in export.iter().enumerate() {
                check_price(slot, p)?;
            }
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
        TariffPrices::new(self.frame.size, &self.prices, self.export_prices.as_deref())
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
            if found != TARIFF_VERSION && found != TARIFF_VERSION_2 {
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
    /// every field in order, the optional ones (`export_prices`, `plan`, and from version 3
    /// `charges`) always encoded (absent as postcard's `None`, byte 0; present as byte 1 then
    /// the value), so the encoding is self-delimiting and no two tariffs share it. A version 2
    /// file has no `charges` field in the encoding (its digest is the one it always had; the
    /// version, encoded first, keeps the two layouts apart). Independent of JSON whitespace
    /// or key order.
    pub fn digest(&self) -> [u8; 32] {
        let fields = (
            &self.format,
            self.version,
            &self.tariff_id,
            &self.currency,
            &self.price_unit,
            &self.frame,
            &self.prices,
            &self.export_prices,
            &self.plan,
        );
        let mut h = Sha256::new();
        h.update(TARIFF_DIGEST_DOMAIN);
        h.update(postcard::to_allocvec(&fields).expect("in-memory encoding cannot fail"));
        if self.version != TARIFF_VERSION_2 {
            h.update(postcard::to_allocvec(&self.charges).expect("in-memory encoding cannot fail"));
        }
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
    fn every_field_is_covered_by_the_digest_absent_ones_included() {
        let t = tariff();
        let encoding = |export: Option<&[u8]>, plan: Option<&str>| {
            let mut bytes = postcard::to_allocvec(&(
                &t.format,
                t.version,
                &t.tariff_id,
                &t.currency,
                &t.price_unit,
                &t.frame,
                &t.prices,
            ))
            .unwrap();
            match export {
                None => bytes.push(0),
                Some(e) => {
                    bytes.push(1);
                    bytes.extend(e);
                }
            }
            match plan {
                None => bytes.push(0),
                Some(p) => {
                    bytes.extend([1, p.len() as u8]);
                    bytes.extend(p.as_bytes());
                }
            }
            // No charges (version 3).
            bytes.push(0);
            let mut h = Sha256::new();
            h.update(TARIFF_DIGEST_DOMAIN);
            h.update(&bytes);
            <[u8; 32]>::from(h.finalize())
        };
        assert_eq!(t.digest(), encoding(None, None));
        assert_eq!(t.plan_id().as_str(), crate::ids::DEFAULT_PLAN);
        assert!(!t.to_json().contains("plan"), "no plan field is written");
        assert!(
            !t.to_json().contains("export"),
            "no export field is written"
        );

        let hourly = t.clone().with_plan(Some(PlanId::new("hourly").unwrap()));
        assert_eq!(hourly.digest(), encoding(None, Some("hourly")));
        let back = Tariff::from_json(hourly.to_json().as_bytes()).unwrap();
        assert_eq!(back, hourly);
        assert_eq!(back.plan_id().as_str(), "hourly");
        let other = t.clone().with_plan(Some(PlanId::new("hourly2").unwrap()));
        assert_ne!(other.digest(), hourly.digest());
        // A malformed plan id is refused.
        let bad = hourly.to_json().replace("\"hourly\"", "\"hour ly\"");
        assert!(matches!(
            Tariff::from_json(bad.as_bytes()),
            Err(FileError::Malformed { .. })
        ));

        // Export prices: only with a two-register size, one per slot; covered by the digest.
        let mut ie_frame = t.frame;
        ie_frame.size = CircuitSize::Day15MinIe;
        let ie = Tariff::new("t-1", "GBP", ie_frame, t.prices.clone());
        assert!(matches!(
            ie,
            Err(ProtocolError::Bounds(BoundsError::RegistersMismatch {
                found: 1,
                ..
            }))
        ));
        let mut ie = t.clone();
        ie.frame = ie_frame;
        let ie = ie.with_export_prices(Some(vec![7, 8, -9])).unwrap();
        // [7, 8, -9]: length 3, zigzag varints 14, 16, 17.
        assert_eq!(ie.digest(), {
            let mut u = t.clone();
            u.frame = ie.frame;
            let mut bytes = postcard::to_allocvec(&(
                &u.format,
                u.version,
                &u.tariff_id,
                &u.currency,
                &u.price_unit,
                &u.frame,
                &u.prices,
            ))
            .unwrap();
            bytes.extend([1, 3, 14, 16, 17, 0, 0]);
            let mut h = Sha256::new();
            h.update(TARIFF_DIGEST_DOMAIN);
            h.update(&bytes);
            <[u8; 32]>::from(h.finalize())
        });
        assert_eq!(Tariff::from_json(ie.to_json().as_bytes()).unwrap(), ie);
        assert!(ie.clone().with_export_prices(Some(vec![1, 2])).is_err());
        assert!(t.clone().with_export_prices(Some(vec![1, 2, 3])).is_err());
        let circuit = ie.circuit_prices().unwrap();
        assert_eq!(circuit.export(), Some(&[7, 8, -9][..]));
    }

    #[test]
    fn malformed_tariffs_are_refused_with_the_reason() {
        let t = tariff();
        let text = t.to_json();
        assert!(
            Tariff::from_json(text.replace("\"version\": 3", "\"version\": 9").as_bytes())
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

    #[test]
    fn version_2_files_are_read_and_keep_their_digest_charges_are_covered() {
        let t = tariff();
        // A version 2 file: the same JSON with version 2 and no charges.
        let v2_text = t.to_json().replace("\"version\": 3", "\"version\": 2");
        let v2 = Tariff::from_json(v2_text.as_bytes()).unwrap();
        assert_eq!(v2.version, TARIFF_VERSION_2);
        let expected = {
            let mut h = Sha256::new();
            h.update(TARIFF_DIGEST_DOMAIN);
            h.update(
                postcard::to_allocvec(&(
                    &v2.format,
                    2u16,
                    &v2.tariff_id,
                    &v2.currency,
                    &v2.price_unit,
                    &v2.frame,
                    &v2.prices,
                    &v2.export_prices,
                    &v2.plan,
                ))
                .unwrap(),
            );
            <[u8; 32]>::from(h.finalize())
        };
        assert_eq!(v2.digest(), expected, "version 2: the digest it always had");
        assert_ne!(v2.digest(), t.digest());

        // Charges: covered by the digest; refused in a version 2 file.
        let charges = crate::charges::Charges {
            standing_charge_per_day: Some(604_200),
            ..Default::default()
        };
        let with = t.clone().with_charges(Some(charges.clone())).unwrap();
        assert_ne!(with.digest(), t.digest());
        let text = with.to_json();
        assert!(
            text.contains("\"standing_charge_per_day\": 604200"),
            "{text}"
        );
        assert_eq!(Tariff::from_json(text.as_bytes()).unwrap(), with);
        let mut other = charges.clone();
        other.standing_charge_per_day = Some(604_201);
        assert_ne!(
            t.clone().with_charges(Some(other)).unwrap().digest(),
            with.digest()
        );
        let as_v2 = text.replace("\"version\": 3", "\"version\": 2");
        let e = Tariff::from_json(as_v2.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("need tariff version 3"), "{e}");
        // Empty charges are no charges.
        assert_eq!(t.clone().with_charges(Some(Default::default())).unwrap(), t);
        // Bad charges in a file are refused naming the field.
        let bad = text
            .replace("604200", "-1")
            .replace("\"standing_charge_per_day\": -1", "\"minimum_charge\": -1");
        let e = Tariff::from_json(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("minimum_charge"), "{e}");
    }
}
