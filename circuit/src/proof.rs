//! Public inputs, instances and proofs of the bill circuit.
//!
//! [`PublicInputs`] are the statement a bill is proved for (the tariff is in the keys:
//! [`crate::tariff`]); [`Instance`] is its encoding as the circuit's instance column (built
//! once, used for one or many checks); [`Proof`] is the
//! proof bytes with [`Proof::create`], [`Proof::verify`] and [`Proof::add_to_batch`]. Every
//! check refuses a key, instance or proof of another size, and a proof whose length is not the
//! exact length of proofs of its size ([`proof_len`]: halo2 itself ignores trailing bytes).

use halo2_proofs::{
    pasta::{EqAffine, Fp},
    plonk::{self, BatchVerifier, SingleVerifier},
    transcript::{Blake2bRead, Blake2bWrite, Challenge255},
};
use rand_core::CryptoRng;

use crate::circuit::BillCircuit;
use crate::constants::{
    BILL, COMMITMENT, CONTEXT, EXPORT_ENERGY, IMPORT_ENERGY, PROOF_BASE_BYTES, PROOF_BYTES_PER_K,
    STATEMENT_ROWS,
};
use crate::encoding::fp_from_i128;
use crate::error::ProofError;
use crate::keys::{ProvingKey, VerifyingKey};
use crate::primitives::{circuit_readings, Readings};
use crate::size::CircuitSize;
use crate::with_words;

/// The exact length of every proof of `size`.
pub fn proof_len(size: CircuitSize) -> usize {
    PROOF_BASE_BYTES + PROOF_BYTES_PER_K * size.k() as usize
}

/// The public inputs of one bill proof: the statement (the tariff is in the keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInputs {
    /// Circuit size.
    pub size: CircuitSize,
    /// The commitment `C`.
    pub commitment: Fp,
    /// The bill `B`, in units of `10^(e - 9)` currency (`e`: the meter's unit exponent).
    pub bill: i128,
    /// The import energy `E_in`, in the meter's unit `10^e` Wh.
    pub import_energy: u64,
    /// The export energy `E_out` (0 for a one-register size).
    pub export_energy: u64,
    /// The statement context hash.
    pub context: Fp,
}

impl PublicInputs {
    /// The instance column (the statement; see `crate::circuit`).
    pub fn to_instance(&self) -> Instance {
        let mut statement = vec![Fp::zero(); STATEMENT_ROWS];
        statement[COMMITMENT] = self.commitment;
        statement[BILL] = fp_from_i128(self.bill);
        statement[IMPORT_ENERGY] = Fp::from(self.import_energy);
        statement[EXPORT_ENERGY] = Fp::from(self.export_energy);
        statement[CONTEXT] = self.context;
        Instance {
            size: self.size,
            columns: vec![statement],
        }
    }
}

/// The public inputs encoded as the circuit's instance column: the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    size: CircuitSize,
    columns: Vec<Vec<Fp>>,
}

impl Instance {
    /// The size these inputs are for.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// The columns (one: the statement).
    #[cfg(test)]
    pub(crate) fn columns(&self) -> &[Vec<Fp>] {
        &self.columns
    }

    fn column_refs(&self) -> Vec<&[Fp]> {
        self.columns.iter().map(Vec::as_slice).collect()
    }
}

/// A proof of the bill circuit: bytes, checked for their exact length by every verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof(Vec<u8>);

impl Proof {
    /// Proves that `readings` (the frame's slots of each register) and `blinding` open
    /// `instance`'s commitment and give its bill and energies under the proving key's tariff.
    ///
    /// # Errors
    /// [`ProofError::SizeMismatch`] when key and instance differ in size, [`ProofError::Bounds`]
    /// for readings over the capacity or their bound, [`ProofError::Halo2`] when proving fails
    /// (as it does for a witness that does not satisfy the circuit).
    pub fn create(
        pk: &ProvingKey,
        readings: Readings<'_>,
        blinding: Fp,
        instance: &Instance,
        rng: impl CryptoRng,
    ) -> Result<Self, ProofError> {
        same_size(pk.size(), instance.size)?;
        if readings.import.len() != pk.tariff().slots() {
            return Err(crate::BoundsError::WrongLength {
                what: "readings",
                found: readings.import.len(),
                expected: pk.tariff().slots(),
            }
            .into());
        }
        let laid_out = circuit_readings(pk.size(), readings)?;
        let mut transcript = Blake2bWrite::<_, EqAffine, Challenge255<_>>::init(vec![]);
        with_words!(pk.size(), W => {
            let circuit = BillCircuit::<W>::new(&laid_out, blinding, pk.tariff());
            plonk::create_proof(
                pk.params(),
                pk.halo2(),
                &[circuit],
                &[&instance.column_refs()[..]],
                rng,
                &mut transcript,
            )
        })
        .map_err(ProofError::halo2)?;
        Ok(Proof(transcript.finalize()))
    }

    /// Wraps proof bytes received from elsewhere (their length is checked on verification).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Proof(bytes)
    }

    /// The proof bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The proof bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Checks the size and the exact length, before any curve work.
    fn check_shape(&self, size: CircuitSize, instance: &Instance) -> Result<(), ProofError> {
        same_size(size, instance.size)?;
        let expected = proof_len(size);
        if self.0.len() != expected {
            return Err(ProofError::WrongProofLength {
                size,
                found: self.0.len(),
                expected,
            });
        }
        Ok(())
    }

    /// Verifies the proof alone: exact length first, then the halo2 check.
    ///
    /// # Errors
    /// [`ProofError::SizeMismatch`], [`ProofError::WrongProofLength`], or
    /// [`ProofError::Invalid`] when the proof does not verify for `instance` under the key's
    /// tariff.
    pub fn verify(&self, vk: &VerifyingKey, instance: &Instance) -> Result<(), ProofError> {
        self.check_shape(vk.size(), instance)?;
        let mut transcript = Blake2bRead::<_, EqAffine, Challenge255<_>>::init(&self.0[..]);
        plonk::verify_proof(
            vk.params(),
            vk.halo2(),
            SingleVerifier::new(vk.params()),
            &[&instance.column_refs()[..]],
            &mut transcript,
        )
        .map_err(ProofError::invalid)
    }

    /// Adds the proof to `batch`, to be checked with the others in one combined check.
    ///
    /// # Errors
    /// [`ProofError::SizeMismatch`] or [`ProofError::WrongProofLength`]: such a proof is not
    /// added.
    pub fn add_to_batch(
        &self,
        batch: &mut BatchValidator,
        instance: &Instance,
    ) -> Result<(), ProofError> {
        self.check_shape(batch.size, instance)?;
        batch
            .inner
            .add_proof(vec![instance.columns.clone()], self.0.clone());
        batch.count += 1;
        Ok(())
    }
}

fn same_size(key: CircuitSize, input: CircuitSize) -> Result<(), ProofError> {
    if key != input {
        return Err(ProofError::SizeMismatch { key, input });
    }
    Ok(())
}

/// Many proofs of one size, checked together: halo2 folds every proof's final multi-scalar
/// multiplication into one random linear combination.
#[derive(Debug)]
pub struct BatchValidator {
    size: CircuitSize,
    inner: BatchVerifier<EqAffine>,
    count: usize,
}

impl BatchValidator {
    /// An empty batch for proofs of `size`.
    pub fn new(size: CircuitSize) -> Self {
        BatchValidator {
            size,
            inner: BatchVerifier::new(),
            count: 0,
        }
    }

    /// Number of proofs added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no proof was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// `true` if every proof added verifies (with overwhelming probability); `false` if any
    /// does not, if `vk` is of another size, or if the batch is empty: halo2 says `true` for
    /// nothing, and nothing is never evidence.
    pub fn validate(self, vk: &VerifyingKey) -> bool {
        if self.count == 0 || vk.size() != self.size {
            return false;
        }
        self.inner.finalize(vk.params(), vk.halo2())
    }
}
