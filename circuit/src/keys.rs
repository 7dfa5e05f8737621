//! Typed keys of the bill circuit. Each key owns the IPA parameters it was built with and
//! carries its circuit size, so it refuses parameters, inputs or proofs of another size.
//!
//! halo2_proofs 0.4 cannot serialise keys; they are rebuilt deterministically from the blank
//! circuit ([`VerifyingKey::build`], [`ProvingKey::build`]) and the verifying key is checked
//! against the fingerprint the protocol pins for its size ([`PINNED_VK_SHA256`]).

use std::sync::Arc;

use halo2_proofs::{pasta::EqAffine, plonk, poly::commitment::Params};
use sha2::{Digest, Sha256};

use crate::circuit::BillCircuit;
use crate::error::ProofError;
use crate::size::CircuitSize;
use crate::with_words;

/// Transparent IPA parameters for one `k` (see the `zkmeter-params` crate for files and pins).
pub type IpaParams = Params<EqAffine>;

/// The fingerprint every party expects of each size's verifying key. Keys are rebuilt from the
/// circuit code on every use; a build whose key differs (a changed circuit, library or
/// parameters) is refused rather than silently producing proofs nobody else accepts. Update
/// only on purpose (`cargo run --release -p zkmeter-circuit --example vk_fingerprints`), and
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

fn check_params(size: CircuitSize, params: &IpaParams) -> Result<(), ProofError> {
    if params.k() != size.k() {
        return Err(ProofError::WrongParams {
            size,
            found: params.k(),
            expected: size.k(),
        });
    }
    Ok(())
}

/// A verifying key for one circuit size, with its parameters.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    size: CircuitSize,
    params: Arc<IpaParams>,
    vk: plonk::VerifyingKey<EqAffine>,
}

impl VerifyingKey {
    /// Builds the key from the blank circuit (deterministic) and checks it against
    /// [`PINNED_VK_SHA256`].
    ///
    /// # Errors
    /// [`ProofError::WrongParams`] for parameters of another `k`, [`ProofError::UnpinnedKey`]
    /// when the key built is not the pinned one, [`ProofError::Halo2`] if key generation fails.
    pub fn build(size: CircuitSize, params: IpaParams) -> Result<Self, ProofError> {
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
    ///
    /// # Errors
    /// As [`VerifyingKey::build`], without [`ProofError::UnpinnedKey`].
    pub fn build_unpinned(size: CircuitSize, params: IpaParams) -> Result<Self, ProofError> {
        check_params(size, &params)?;
        let vk = with_words!(size, W => plonk::keygen_vk(&params, &BillCircuit::<W>::blank()))
            .map_err(ProofError::halo2)?;
        Ok(VerifyingKey {
            size,
            params: Arc::new(params),
            vk,
        })
    }

    /// The size this key serves.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// A stable text description of the circuit shape and fixed commitments (snapshot tests).
    pub fn pinned_description(&self) -> String {
        format!("{:#?}", self.vk.pinned())
    }

    /// SHA-256 (hex) of [`VerifyingKey::pinned_description`]: the key's fingerprint.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.pinned_description().as_bytes()))
    }

    pub(crate) fn params(&self) -> &IpaParams {
        &self.params
    }

    pub(crate) fn halo2(&self) -> &plonk::VerifyingKey<EqAffine> {
        &self.vk
    }
}

/// A proving key for one circuit size, with its parameters.
#[derive(Debug)]
pub struct ProvingKey {
    size: CircuitSize,
    params: Arc<IpaParams>,
    pk: plonk::ProvingKey<EqAffine>,
}

impl ProvingKey {
    /// Builds the proving key from the blank circuit (deterministic), after building and
    /// checking its verifying key ([`VerifyingKey::build`]).
    ///
    /// # Errors
    /// As [`VerifyingKey::build`].
    pub fn build(size: CircuitSize, params: IpaParams) -> Result<Self, ProofError> {
        let VerifyingKey { params, vk, .. } = VerifyingKey::build(size, params)?;
        let pk = with_words!(size, W => plonk::keygen_pk(&params, vk, &BillCircuit::<W>::blank()))
            .map_err(ProofError::halo2)?;
        Ok(ProvingKey { size, params, pk })
    }

    /// The size this key serves.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// Its verifying key (sharing the parameters).
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            size: self.size,
            params: Arc::clone(&self.params),
            vk: self.pk.get_vk().clone(),
        }
    }

    pub(crate) fn params(&self) -> &IpaParams {
        &self.params
    }

    pub(crate) fn halo2(&self) -> &plonk::ProvingKey<EqAffine> {
        &self.pk
    }
}
