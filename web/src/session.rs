//! The plugin's work in the page, step by step, on bytes only (the browser has no files):
//! read and check the period and tariff, show the bill, accept the parameters by their pinned
//! hash, build the proving key, prove. Plain Rust, tested natively; `crate::api` is the thin
//! JavaScript layer over it.

use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::Serialize;
use thiserror::Error;
use zkmeter_circuit::IpaParams;
use zkmeter_protocol::{
    encoding, invoice::InvoiceJson, tariff::TARIFF_CAP, FileError, Period, Tariff, ZkFile,
};
use zkmeter_prover::{Plugin, ProverError};

/// Length of the proof RNG's seed in bytes (ChaCha20's key).
pub const SEED_LEN: usize = 32;

/// Why the page's plugin refused a file or a step. Every message is one line for the user.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WebError {
    /// The period file cannot be read as a zkmeter period.
    #[error("period file: {0}")]
    Period(#[source] FileError),
    /// The tariff file is too big or cannot be read as a zkmeter tariff.
    #[error("tariff file: {0}")]
    Tariff(#[source] FileError),
    /// The plugin's checks before proving refused the period and tariff.
    #[error("{0}")]
    Check(#[source] ProverError),
    /// The parameter bytes are not the pinned parameters of the period's size.
    #[error("{0}")]
    Params(#[source] zkmeter_params::ParamsError),
    /// Key generation failed.
    #[error("building the proving key: {0}")]
    KeyGen(#[source] ProverError),
    /// Proving failed.
    #[error("proving: {0}")]
    Prove(#[source] ProverError),
    /// The seed of the proof's randomness is unusable.
    #[error("proof randomness: {0}")]
    Seed(&'static str),
    /// A step was called before the one it needs.
    #[error("{0}")]
    Order(&'static str),
}

/// What the page shows before proving: the bill, the energies and the period's facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The meter id.
    pub meter_id: String,
    /// The frame in words.
    pub frame: String,
    /// The first slot's start (RFC 3339, UTC).
    pub start: String,
    /// Slot length in minutes.
    pub slot_minutes: u16,
    /// Slots in the period.
    pub slots: u32,
    /// The circuit size's name.
    pub size: String,
    /// Slots the meter did not measure and filled with zero.
    pub filled: u32,
    /// The meter's unit.
    pub unit: String,
    /// The tariff id.
    pub tariff_id: String,
    /// The tariff's currency.
    pub currency: String,
    /// The bill rounded half away from zero to cents (as `zkmeter verify` prints it).
    pub bill_rounded: String,
    /// The exact bill, every digit of its unit (as `zkmeter verify` prints it).
    pub bill_exact: String,
    /// The import energy in exact kWh.
    pub import_kwh: String,
    /// The export energy in exact kWh, for a two-register period.
    pub export_kwh: Option<String>,
    /// The `k` of the size's circuit: which parameter file the page needs.
    pub k: u32,
    /// The parameter file's name (`k{k}.bin`).
    pub params_file: String,
    /// The parameter file's pinned SHA-256 (hex): the only one accepted.
    pub params_sha256: String,
    /// The invoice the utility will compute from the proven figures under the tariff's
    /// charges (`{currency, lines: [{label, amount}], total}`, decimal strings): the same
    /// function as `zkmeter prove`'s preview and `zkmeter verify --json`.
    pub invoice: InvoiceJson,
}

/// One bill in the making: a checked period and tariff, then parameters, then a proving key.
#[derive(Debug)]
pub struct Session {
    period: Period,
    tariff: Tariff,
    summary: Summary,
    params: Option<Arc<IpaParams>>,
    plugin: Option<Plugin>,
}

impl Session {
    /// Reads the period (postcard envelope, as the meter writes it) and the tariff (JSON) and
    /// makes every check the plugin makes before proving: envelope and bounds, the meter's
    /// signature with the key the period carries, the opening of the commitment, the tariff's
    /// frame, the exact bill.
    ///
    /// # Errors
    /// [`WebError::Period`], [`WebError::Tariff`] or [`WebError::Check`], with the reason.
    pub fn open(period: &[u8], tariff: &[u8]) -> Result<Session, WebError> {
        let period = Period::from_bytes(period).map_err(WebError::Period)?;
        if tariff.len() as u64 > TARIFF_CAP {
            return Err(WebError::Tariff(FileError::Malformed {
                kind: "tariff",
                reason: format!("{} bytes exceed the cap of {TARIFF_CAP}", tariff.len()),
            }));
        }
        let tariff = Tariff::from_json(tariff).map_err(WebError::Tariff)?;
        let checked = zkmeter_prover::check(&period, &tariff, None).map_err(WebError::Check)?;
        let figures = checked.figures();
        let invoice = checked.invoice().to_json();
        let k = period.frame.size.k();
        let params_sha256 = zkmeter_params::pinned_hash(k)
            .map_err(WebError::Params)?
            .to_owned();
        let summary = Summary {
            meter_id: period.meter_id.to_string(),
            frame: period.frame.to_string(),
            start: period.frame.start.to_string(),
            slot_minutes: period.frame.slot_minutes,
            slots: period.frame.slots,
            size: period.frame.size.name().to_owned(),
            filled: period.filled,
            unit: period.unit.name().to_owned(),
            tariff_id: tariff.tariff_id.clone(),
            currency: tariff.currency.clone(),
            bill_rounded: rounded_to_cents(figures.bill_pico()),
            bill_exact: encoding::format_bill(figures.bill, figures.unit),
            import_kwh: period.unit.format_kwh(u128::from(figures.import_energy)),
            export_kwh: period
                .export
                .is_some()
                .then(|| period.unit.format_kwh(u128::from(figures.export_energy))),
            k,
            params_file: format!("k{k}.bin"),
            params_sha256,
            invoice,
        };
        Ok(Session {
            period,
            tariff,
            summary,
            params: None,
            plugin: None,
        })
    }

    /// What the page shows before proving.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Accepts the IPA parameters of the period's size from bytes loaded anywhere: only if
    /// they have the exact length and the SHA-256 pinned in `zkmeter-params`.
    ///
    /// # Errors
    /// [`WebError::Params`] with the length or hash found.
    pub fn load_params(&mut self, bytes: &[u8]) -> Result<(), WebError> {
        let params = zkmeter_params::from_bytes(self.summary.k, bytes).map_err(WebError::Params)?;
        self.params = Some(Arc::new(params));
        self.plugin = None;
        Ok(())
    }

    /// Builds the proving key of the tariff (its prices are fixed columns of the circuit).
    ///
    /// # Errors
    /// [`WebError::Order`] before [`Session::load_params`], [`WebError::KeyGen`] if key
    /// generation fails.
    pub fn build_key(&mut self) -> Result<(), WebError> {
        let params = self.params.clone().ok_or(WebError::Order(
            "load the parameters before building the key",
        ))?;
        self.plugin = Some(Plugin::new(&self.tariff, params).map_err(WebError::KeyGen)?);
        Ok(())
    }

    /// Proves the bill and returns the submission file's bytes. The proof's randomness is
    /// ChaCha20 keyed by `seed`, which the page draws from `crypto.getRandomValues`: a seed
    /// must be fresh for every proof, or the proof may not hide the readings.
    ///
    /// # Errors
    /// [`WebError::Seed`] for a seed that is not 32 bytes or is all zero (a page that forgot to
    /// fill it), [`WebError::Order`] before [`Session::build_key`], [`WebError::Prove`].
    pub fn prove(&self, seed: &[u8]) -> Result<Vec<u8>, WebError> {
        let seed: [u8; SEED_LEN] = seed
            .try_into()
            .map_err(|_| WebError::Seed("the seed must be 32 bytes"))?;
        if seed == [0; SEED_LEN] {
            return Err(WebError::Seed(
                "the seed is all zero: draw it from crypto.getRandomValues",
            ));
        }
        let plugin = self
            .plugin
            .as_ref()
            .ok_or(WebError::Order("build the proving key before proving"))?;
        let submission = plugin
            .prove(
                &self.period,
                &self.tariff,
                None,
                ChaCha20Rng::from_seed(seed),
            )
            .map_err(WebError::Prove)?;
        Ok(submission.to_bytes())
    }
}

/// Pico-currency rounded half away from zero to cents: `-1.235` -> `-1.24`.
fn rounded_to_cents(pico: i128) -> String {
    let cents = (pico.unsigned_abs() + 5_000_000_000) / 10_000_000_000;
    let sign = if pico < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_round_half_away_from_zero() {
        assert_eq!(rounded_to_cents(0), "0.00");
        assert_eq!(rounded_to_cents(1_234_999_999_999), "1.23");
        assert_eq!(rounded_to_cents(1_235_000_000_000), "1.24");
        assert_eq!(rounded_to_cents(-1_235_000_000_000), "-1.24");
    }
}
