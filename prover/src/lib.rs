//! # zkmeter-prover
//!
//! The consumer's privacy plugin. Given the meter's signed [`Period`] and the utility's
//! [`Tariff`], it checks everything that can be checked cheaply first (signature, commitment,
//! frame), computes the bill exactly, proves it with one halo2 proof and builds the
//! [`Submission`]. Readings and the blinding value never leave this crate's caller.
//!
//! ```no_run
//! # use zkmeter_protocol::{Period, Tariff, ZkFile};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let period = Period::read("period.bin".as_ref())?;
//! let tariff = Tariff::read("tariff.json".as_ref())?;
//! let params = zkmeter_params::ParamStore::default_store().load(period.frame.size.k(), |_| {})?;
//! let plugin = zkmeter_prover::Plugin::new(&tariff, params)?;
//! let rng = rand_core::UnwrapErr(rand::rngs::SysRng);
//! let submission = plugin.prove(&period, &tariff, None, rng)?;
//! submission.write("submission.bin".as_ref())?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

use std::sync::Arc;

use rand_core::CryptoRng;
use thiserror::Error;
use zkmeter_circuit::{
    primitives, BoundsError, IpaParams, Proof, ProofError, ProvingKey, PublicInputs,
};
use zkmeter_protocol::{
    verify_statement, BillClaim, BillFigures, CircuitSize, Frame, Invoice, KeyError,
    MeterPublicKey, Period, ProtocolError, SignatureError, Submission, Tariff,
};

impl From<BoundsError> for ProverError {
    fn from(e: BoundsError) -> Self {
        ProverError::Protocol(e.into())
    }
}

/// Why the plugin refused to prove, or failed to.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProverError {
    /// The readings and blinding value in the period file do not open its commitment.
    #[error("period file is inconsistent: readings and blinding value do not open the commitment")]
    CommitmentMismatch,
    /// The meter signature over the period does not verify.
    #[error("meter signature on the period does not verify: {0}")]
    Signature(#[source] SignatureError),
    /// The meter public key carried in the period file cannot be read.
    #[error("meter signature on the period does not verify: {0}")]
    MeterKey(#[source] KeyError),
    /// The period's meter public key is not the one the consumer expects.
    #[error("period file is signed by another meter key than the one given")]
    MeterKeyMismatch,
    /// The tariff is for another frame than the period.
    #[error("tariff is for frame {tariff}, the period is {period}")]
    TariffFrameMismatch {
        /// The period's frame.
        period: Frame,
        /// The tariff's frame.
        tariff: Frame,
    },
    /// The plugin was built for another circuit size.
    #[error("this plugin proves size {plugin}; the period is size {period}")]
    SizeMismatch {
        /// The plugin's size.
        plugin: CircuitSize,
        /// The period's size.
        period: CircuitSize,
    },
    /// The plugin's keys were built for another tariff (the tariff is part of the keys).
    #[error("this plugin's keys are for tariff '{plugin}'; the bill is under tariff '{bill}' (other prices or frame)")]
    TariffMismatch {
        /// The id of the plugin's tariff.
        plugin: String,
        /// The id of the tariff given for the bill.
        bill: String,
    },
    /// A value is out of its documented bounds.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// Key generation or proving failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// Checks a period before any proving: the readings and blinding open the commitment, and the
/// meter's signature verifies under `meter_key`.
pub fn check_period(period: &Period, meter_key: &MeterPublicKey) -> Result<(), ProverError> {
    verify_statement(meter_key, &period.statement(), &period.signature)
        .map_err(ProverError::Signature)?;
    let blinding = period.blinding.to_fp("blinding value")?;
    let recomputed = primitives::commitment(period.frame.size, period.readings(), blinding)?;
    if period.commitment.to_fp("commitment")? != recomputed {
        return Err(ProverError::CommitmentMismatch);
    }
    Ok(())
}

/// The public inputs of the bill of `period` under `tariff` (bill computed exactly).
pub fn public_inputs(period: &Period, tariff: &Tariff) -> Result<PublicInputs, ProverError> {
    public_inputs_with(period, tariff, &tariff.digest()).map(|(public, _)| public)
}

/// [`public_inputs`], with the tariff's digest already computed.
fn public_inputs_with(
    period: &Period,
    tariff: &Tariff,
    tariff_digest: &[u8; 32],
) -> Result<(PublicInputs, BillFigures), ProverError> {
    if period.frame != tariff.frame {
        return Err(ProverError::TariffFrameMismatch {
            period: period.frame,
            tariff: tariff.frame,
        });
    }
    let totals = primitives::bill(
        &tariff.prices,
        tariff.export_prices.as_deref(),
        period.readings(),
    )?;
    let claim = BillClaim {
        facts: period.facts(),
        commitment: &period.commitment,
        bill: totals.bill,
        import_energy: totals.import_energy,
        export_energy: totals.export_energy,
    };
    let figures = BillFigures {
        unit: period.unit,
        bill: totals.bill,
        import_energy: totals.import_energy,
        export_energy: totals.export_energy,
        filled: period.filled,
    };
    Ok((claim.public_inputs(tariff, tariff_digest)?, figures))
}

/// A period that passed every check before proving, with the public inputs of its bill.
/// Only [`check`] makes one, so [`Plugin::prove_checked`] never proves an unchecked period.
#[derive(Debug)]
pub struct Checked<'a> {
    period: &'a Period,
    tariff: &'a Tariff,
    tariff_digest: [u8; 32],
    public: PublicInputs,
    figures: BillFigures,
}

impl Checked<'_> {
    /// The public inputs: commitment, exact bill and energies, context.
    pub fn public(&self) -> &PublicInputs {
        &self.public
    }

    /// The figures the proof will make public (the submission's, and so the utility's).
    pub fn figures(&self) -> BillFigures {
        self.figures
    }

    /// The invoice the utility will compute from those figures under the tariff: shown to the
    /// household before it proves and submits.
    pub fn invoice(&self) -> Invoice {
        Invoice::compute(self.tariff, &self.figures)
    }
}

/// Every check the plugin makes before proving, cheapest first, no keys needed: the meter key
/// carried in the period (and, if given, that it is `expected_meter_key`), the signature, the
/// opening of the commitment, the tariff's frame and the exact bill.
///
/// `expected_meter_key` pins the meter key; without it the key carried in the period file is
/// used (which checks integrity, not the meter's identity: the utility checks that against
/// its registry).
pub fn check<'a>(
    period: &'a Period,
    tariff: &'a Tariff,
    expected_meter_key: Option<&MeterPublicKey>,
) -> Result<Checked<'a>, ProverError> {
    let carried =
        MeterPublicKey::from_pem_str(&period.meter_public_key).map_err(ProverError::MeterKey)?;
    if expected_meter_key.is_some_and(|expected| expected != &carried) {
        return Err(ProverError::MeterKeyMismatch);
    }
    check_period(period, &carried)?;
    let tariff_digest = tariff.digest();
    let (public, figures) = public_inputs_with(period, tariff, &tariff_digest)?;
    Ok(Checked {
        period,
        tariff,
        tariff_digest,
        public,
        figures,
    })
}

/// A privacy plugin for one tariff (and so one circuit size): its proving key, built once for
/// the tariff (the prices are fixed columns of the circuit), owning the parameters.
#[derive(Debug)]
pub struct Plugin {
    pk: ProvingKey,
    tariff_id: String,
    tariff_digest: [u8; 32],
}

impl Plugin {
    /// Builds the proving key of `tariff` (a few seconds at the month sizes). `params` are the
    /// parameters of the tariff's size (owned or shared).
    ///
    /// # Errors
    /// [`ProverError::Protocol`] for a tariff out of bounds, [`ProverError::Proof`] when key
    /// generation fails or the key does not have the pinned shape.
    pub fn new(tariff: &Tariff, params: impl Into<Arc<IpaParams>>) -> Result<Self, ProverError> {
        let pk = ProvingKey::build(&tariff.circuit_prices()?, params)?;
        Ok(Plugin {
            pk,
            tariff_id: tariff.tariff_id.clone(),
            tariff_digest: tariff.digest(),
        })
    }

    /// The size this plugin proves.
    pub fn size(&self) -> CircuitSize {
        self.pk.size()
    }

    /// The proving key.
    pub fn proving_key(&self) -> &ProvingKey {
        &self.pk
    }

    /// Checks the period, computes its bill under `tariff`, proves it and returns the
    /// submission: [`check`], then [`Plugin::prove_checked`].
    pub fn prove(
        &self,
        period: &Period,
        tariff: &Tariff,
        expected_meter_key: Option<&MeterPublicKey>,
        rng: impl CryptoRng,
    ) -> Result<Submission, ProverError> {
        // The size first: it is free, and a period of another size needs another plugin.
        self.check_size(period.frame.size)?;
        self.prove_checked(&check(period, tariff, expected_meter_key)?, rng)
    }

    fn check_size(&self, size: CircuitSize) -> Result<(), ProverError> {
        if size != self.size() {
            return Err(ProverError::SizeMismatch {
                plugin: self.size(),
                period: size,
            });
        }
        Ok(())
    }

    /// Proves a period that passed [`check`] and returns the submission.
    pub fn prove_checked(
        &self,
        checked: &Checked<'_>,
        rng: impl CryptoRng,
    ) -> Result<Submission, ProverError> {
        let Checked {
            period,
            tariff,
            tariff_digest,
            public,
            figures: _,
        } = checked;
        self.check_size(period.frame.size)?;
        if tariff_digest != &self.tariff_digest {
            return Err(ProverError::TariffMismatch {
                plugin: self.tariff_id.clone(),
                bill: tariff.tariff_id.clone(),
            });
        }
        let blinding = period.blinding.to_fp("blinding value")?;
        let instance = public.to_instance();
        let proof = Proof::create(&self.pk, period.readings(), blinding, &instance, rng)?;
        Ok(Submission {
            meter_id: period.meter_id.clone(),
            frame: period.frame,
            unit: period.unit,
            filled: period.filled,
            commitment: period.commitment,
            meter_signature: period.signature,
            tariff_id: tariff.tariff_id.clone(),
            tariff_digest: *tariff_digest,
            bill: public.bill,
            import_energy: public.import_energy,
            export_energy: public.export_energy,
            proof: proof.into_bytes(),
        })
    }
}
