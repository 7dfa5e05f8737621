//! Typed keys, public inputs and proofs for the bill circuit.
//!
//! Keys carry their circuit size and refuse parameters, inputs or proofs of another size.
//! halo2_proofs 0.4 cannot serialise keys; they are rebuilt deterministically from the blank
//! circuit ([`VerifyingKey::build`], [`ProvingKey::build`]).

use halo2_proofs::{
    pasta::{EqAffine, Fp},
    plonk::{self, SingleVerifier},
    poly::commitment::Params,
    transcript::{Blake2bRead, Blake2bWrite, Challenge255},
};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::circuit::{BillCircuit, BILL, COMMITMENT, CONTEXT, ENERGY, STATEMENT_ROWS};
use crate::encoding::{fp_from_i128, fp_from_offset_price};
use crate::error::ProtocolError;
use crate::native::padded_readings;
use crate::size::CircuitSize;
use crate::with_words;

/// Proof bytes that do not depend on `k` (commitments and evaluations of this circuit shape).
/// Pinned by the `proof_size` snapshot test.
pub const PROOF_BASE_BYTES: usize = 2752;
/// Bytes the IPA opening adds per unit of `k` (two curve points per round).
pub const PROOF_BYTES_PER_K: usize = 64;

/// The exact length of every proof of `size`.
pub fn proof_len(size: CircuitSize) -> usize {
    PROOF_BASE_BYTES + PROOF_BYTES_PER_K * size.k() as usize
}

/// Errors of key generation, proving and proof verification.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The parameters are for another `k`.
    #[error("IPA parameters have k = {found}, size {size} needs k = {expected}")]
    WrongParams {
        /// Size.
        size: CircuitSize,
        /// k found.
        found: u32,
        /// k needed.
        expected: u32,
    },
    /// A key, input or proof of one size was used with another.
    #[error("size mismatch: key is for {key}, input is for {input}")]
    SizeMismatch {
        /// Key's size.
        key: CircuitSize,
        /// Input's size.
        input: CircuitSize,
    },
    /// The proof does not have the exact length of proofs of this size.
    #[error("proof is {found} bytes; proofs of size {size} are exactly {expected} bytes")]
    WrongProofLength {
        /// Size.
        size: CircuitSize,
        /// Length found.
        found: usize,
        /// Length expected.
        expected: usize,
    },
    /// The proof does not verify against these public inputs.
    #[error("proof does not verify for these public inputs ({0:?})")]
    Invalid(plonk::Error),
    /// A witness or public input is out of its bounds.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The verifying key built here is not the pinned one of its size.
    #[error("verifying key of size {size} has fingerprint {found}, the protocol pins {expected}")]
    UnpinnedKey {
        /// Size.
        size: CircuitSize,
        /// Fingerprint built.
        found: String,
        /// Fingerprint pinned.
        expected: &'static str,
    },
    /// halo2 failed while building keys or proving.
    #[error("halo2 error: {0:?}")]
    Halo2(plonk::Error),
}

fn check_params(size: CircuitSize, params: &Params<EqAffine>) -> Result<(), ProofError> {
    if params.k() != size.k() {
        return Err(ProofError::WrongParams {
            size,
            found: params.k(),
            expected: size.k(),
        });
    }
    Ok(())
}

/// A verifying key for one circuit size.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    size: CircuitSize,
    vk: plonk::VerifyingKey<EqAffine>,
}

impl VerifyingKey {
    /// Builds the key from the blank circuit (deterministic) and checks it against
    /// [`PINNED_VK_SHA256`].
    pub fn build(size: CircuitSize, params: &Params<EqAffine>) -> Result<Self, ProofError> {
        let key = Self::build_unpinned(size, params)?;
        let found = key.fingerprint();
        let expected = pinned_vk_fingerprint(size);
        if found != expected {
            return Err(ProofError::UnpinnedKey {
                size,
                found,
                expected,
            });
        }
        Ok(key)
    }

    /// Builds the key without checking its fingerprint (to compute a new pin).
    pub fn build_unpinned(
        size: CircuitSize,
        params: &Params<EqAffine>,
    ) -> Result<Self, ProofError> {
        check_params(size, params)?;
        let vk = with_words!(size, W => plonk::keygen_vk(params, &BillCircuit::<W>::blank()))
            .map_err(ProofError::Halo2)?;
        Ok(VerifyingKey { size, vk })
    }

    /// The size this key serves.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// The halo2 key (for batch verification).
    pub fn inner(&self) -> &plonk::VerifyingKey<EqAffine> {
        &self.vk
    }

    /// A stable text description of the circuit shape and fixed commitments (snapshot tests).
    pub fn pinned_description(&self) -> String {
        format!("{:#?}", self.vk.pinned())
    }

    /// SHA-256 (hex) of [`VerifyingKey::pinned_description`]: the key's fingerprint.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.pinned_description().as_bytes()))
    }
}

/// The fingerprint every party expects of each size's verifying key. Keys are rebuilt from the
/// circuit code on every use; a build whose key differs (a changed circuit, library or
/// parameters) is refused rather than silently producing proofs nobody else accepts. Update
/// only on purpose (`cargo run --release -p zkmeter-circuits --example vk_fingerprints`), and
/// bump the protocol version.
pub const PINNED_VK_SHA256: [(CircuitSize, &str); 3] = [
    (
        CircuitSize::Day15Min,
        "3c29d4623382101aab395da36692d34f6e9cf9cf91643d7063fb786246d3a156",
    ),
    (
        CircuitSize::Month30Min,
        "99bbf61c78c8171c23753f3c9f3f3c6bf56c77edeb833606e68569973e7a2b77",
    ),
    (
        CircuitSize::Month15Min,
        "7edf3188159679e22a5c60d10a8aa910deebda6d027dc2ee2c4e351aeece2ea2",
    ),
];

/// The pinned fingerprint of `size`'s verifying key.
pub fn pinned_vk_fingerprint(size: CircuitSize) -> &'static str {
    PINNED_VK_SHA256
        .iter()
        .find(|(s, _)| *s == size)
        .map(|(_, h)| *h)
        .expect("every size is pinned")
}

/// A proving key for one circuit size.
#[derive(Debug)]
pub struct ProvingKey {
    size: CircuitSize,
    pk: plonk::ProvingKey<EqAffine>,
}

impl ProvingKey {
    /// Builds the proving key from the blank circuit (deterministic).
    pub fn build(size: CircuitSize, params: &Params<EqAffine>) -> Result<Self, ProofError> {
        let vk = VerifyingKey::build(size, params)?;
        let pk =
            with_words!(size, W => plonk::keygen_pk(params, vk.vk, &BillCircuit::<W>::blank()))
                .map_err(ProofError::Halo2)?;
        Ok(ProvingKey { size, pk })
    }

    /// The size this key serves.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// Its verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            size: self.size,
            vk: self.pk.get_vk().clone(),
        }
    }
}

/// The public inputs of one bill proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInputs {
    /// Circuit size (sets the price column's length).
    pub size: CircuitSize,
    /// The commitment `C`.
    pub commitment: Fp,
    /// The bill `B`, nano-currency.
    pub bill: i128,
    /// The energy `E`, Wh.
    pub energy_wh: u64,
    /// The statement context hash.
    pub context: Fp,
    /// One price per real slot (padded with zeros to the capacity).
    pub prices: Vec<i64>,
}

impl PublicInputs {
    /// The two instance columns: statement and prices (slot `i`'s offset price at row `2i`,
    /// zeros elsewhere; see [`crate::circuit`]).
    pub fn columns(&self) -> Result<[Vec<Fp>; 2], ProtocolError> {
        let n = self.size.capacity();
        if self.prices.len() > n {
            return Err(ProtocolError::WrongLength {
                what: "prices",
                found: self.prices.len(),
                expected: n,
            });
        }
        let mut statement = vec![Fp::zero(); STATEMENT_ROWS];
        statement[COMMITMENT] = self.commitment;
        statement[BILL] = fp_from_i128(self.bill);
        statement[ENERGY] = Fp::from(self.energy_wh);
        statement[CONTEXT] = self.context;
        let mut prices = vec![Fp::zero(); 2 * n - 1];
        for (slot, &p) in self.prices.iter().enumerate() {
            crate::encoding::check_price(slot, p)?;
            prices[2 * slot] = fp_from_offset_price(p);
        }
        Ok([statement, prices])
    }
}

/// Proves that `readings` (the frame's slots) and `blinding` open `public.commitment` and give
/// `public.bill` and `public.energy_wh` under `public.prices`.
pub fn create_proof(
    params: &Params<EqAffine>,
    pk: &ProvingKey,
    readings: &[u32],
    blinding: Fp,
    public: &PublicInputs,
    rng: impl CryptoRng,
) -> Result<Vec<u8>, ProofError> {
    check_params(pk.size, params)?;
    if public.size != pk.size {
        return Err(ProofError::SizeMismatch {
            key: pk.size,
            input: public.size,
        });
    }
    let [statement, prices] = public.columns()?;
    let mut transcript = Blake2bWrite::<_, EqAffine, Challenge255<_>>::init(vec![]);
    with_words!(pk.size, W => {
        let circuit = BillCircuit::<W>::new(&padded_readings::<W>(readings)?, blinding);
        plonk::create_proof(
            params,
            &pk.pk,
            &[circuit],
            &[&[&statement, &prices]],
            rng,
            &mut transcript,
        )
    })
    .map_err(ProofError::Halo2)?;
    Ok(transcript.finalize())
}

/// Verifies one proof: exact length first, then the halo2 check.
pub fn verify_proof(
    params: &Params<EqAffine>,
    vk: &VerifyingKey,
    public: &PublicInputs,
    proof: &[u8],
) -> Result<(), ProofError> {
    check_params(vk.size, params)?;
    if public.size != vk.size {
        return Err(ProofError::SizeMismatch {
            key: vk.size,
            input: public.size,
        });
    }
    let expected = proof_len(vk.size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            size: vk.size,
            found: proof.len(),
            expected,
        });
    }
    let [statement, prices] = public.columns()?;
    let mut transcript = Blake2bRead::<_, EqAffine, Challenge255<_>>::init(proof);
    plonk::verify_proof(
        params,
        &vk.vk,
        SingleVerifier::new(params),
        &[&[&statement, &prices]],
        &mut transcript,
    )
    .map_err(ProofError::Invalid)
}
