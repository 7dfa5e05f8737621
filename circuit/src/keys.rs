//! Typed keys of the bill circuit. A key is built for one circuit size and one tariff
//! ([`TariffPrices`]: the prices and padding slots are fixed columns, committed in the key), owns
//! the IPA parameters it was built with, and refuses parameters, inputs or proofs of another
//! size.
//!
//! halo2_proofs 0.4 cannot serialise keys; they are rebuilt deterministically from the blank
//! circuit of the tariff ([`VerifyingKey::build`], [`ProvingKey::build`]). Every key built is
//! checked against the *shape* the protocol pins for its size ([`PINNED_SHAPE_SHA256`]): the
//! key's pinned description with the commitments of the two tariff columns masked, i.e. the
//! constraint system, the domain, every other fixed column and the permutation. So one pin
//! per size covers the keys of every tariff, and the tariff itself is what the two masked
//! commitments (and so the key's transcript hash) bind.

use std::sync::Arc;

use halo2_proofs::{pasta::EqAffine, plonk, poly::commitment::Params};
use sha2::{Digest, Sha256};

use crate::circuit::BillCircuit;
use crate::error::ProofError;
use crate::size::CircuitSize;
use crate::tariff::TariffPrices;
use crate::with_words;

/// Transparent IPA parameters for one `k` (see the `zkmeter-params` crate for files and pins).
pub type IpaParams = Params<EqAffine>;

/// The shape every party expects of each size's keys ([`VerifyingKey::shape_fingerprint`]).
/// Keys are rebuilt from the circuit code on every use; a build whose shape differs (a changed
/// circuit, library or parameters) is refused rather than silently producing proofs nobody
/// else accepts. Update only on purpose (`cargo run --release -p zkmeter-circuit --example
/// vk_fingerprints`), and bump the protocol version.
pub const PINNED_SHAPE_SHA256: [(CircuitSize, &str); 6] = [
    (
        CircuitSize::Day15Min,
        "8ea53feeded611890e5bc57d9f1f668830d802d9c7474a79ae96c77c5f882e0c",
    ),
    (
        CircuitSize::Month30Min,
        "97e10919fa10adce7fb488dfb6f0e49d693e3c1b41ac55ba2ab726b942bd5f80",
    ),
    (
        CircuitSize::Month15Min,
        "dbd6116a87a34ea5c9a821d4b1a06a827407fbb02576a44cd46047383fadb479",
    ),
    (
        CircuitSize::Day15MinIe,
        "6768a1e6804376b40e656cd51f3d718c364f87c1a2fa51434573c9da7d1a20c1",
    ),
    (
        CircuitSize::Month30MinIe,
        "4f225d75f04ab0c5f2ed291416cc87e256ac8340149dcbd68a817fa98ec89ec6",
    ),
    (
        CircuitSize::Month15MinIe,
        "2aeab35b97b7368b87ae5e235bd34955a97d5ff4a32c7f1a83e8030c38f3d423",
    ),
];

/// The pinned shape fingerprint of `size`'s keys.
pub fn pinned_shape_fingerprint(size: CircuitSize) -> &'static str {
    PINNED_SHAPE_SHA256
        .iter()
        .find(|(s, _)| *s == size)
        .map(|(_, h)| *h)
        .expect("every size is pinned")
}

/// `description` (a `Debug` rendering of halo2's pinned verifying key) with the fixed
/// commitments at `masked` replaced by the word `tariff`. `None` when the description does not
/// have the expected form (then no key is accepted: the shape check fails).
fn mask_fixed_commitments(description: &str, masked: &[usize]) -> Option<String> {
    const FIELD: &str = "fixed_commitments: [";
    let open = description.find(FIELD)? + FIELD.len();
    // Split the list at top-level commas; a point is `(x, y)` or `Infinity`.
    let mut items = Vec::new();
    let (mut depth, mut item_start, mut close) = (0usize, open, None);
    for (i, c) in description[open..].char_indices() {
        let at = open + i;
        match c {
            '(' | '[' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            ']' if depth == 0 => {
                close = Some(at);
                break;
            }
            ']' => depth -= 1,
            ',' if depth == 0 => {
                items.push(description[item_start..at].trim());
                item_start = at + 1;
            }
            _ => {}
        }
    }
    let close = close?;
    let last = description[item_start..close].trim();
    if !last.is_empty() {
        items.push(last);
    }
    if masked.iter().any(|&i| i >= items.len()) {
        return None;
    }
    let list: Vec<&str> = items
        .iter()
        .enumerate()
        .map(|(i, item)| if masked.contains(&i) { "tariff" } else { item })
        .collect();
    Some(format!(
        "{}{}{}",
        &description[..open],
        list.join(", "),
        &description[close..]
    ))
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

/// A verifying key for one circuit size and one tariff, with its parameters.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    tariff: TariffPrices,
    params: Arc<IpaParams>,
    vk: plonk::VerifyingKey<EqAffine>,
}

impl VerifyingKey {
    /// Builds the key of `tariff` (deterministic) and checks its shape against
    /// [`PINNED_SHAPE_SHA256`]. `params` may be shared (`Arc`) between many keys.
    ///
    /// # Errors
    /// [`ProofError::WrongParams`] for parameters of another `k`, [`ProofError::UnpinnedKey`]
    /// when the key's shape is not the pinned one, [`ProofError::Halo2`] if key generation
    /// fails.
    pub fn build(
        tariff: &TariffPrices,
        params: impl Into<Arc<IpaParams>>,
    ) -> Result<Self, ProofError> {
        let key = Self::build_unpinned(tariff, params)?;
        key.check_shape()?;
        Ok(key)
    }

    /// Builds the key without checking its shape (to compute a new pin).
    ///
    /// # Errors
    /// As [`VerifyingKey::build`], without [`ProofError::UnpinnedKey`].
    pub fn build_unpinned(
        tariff: &TariffPrices,
        params: impl Into<Arc<IpaParams>>,
    ) -> Result<Self, ProofError> {
        let params = params.into();
        let size = tariff.size();
        check_params(size, &params)?;
        let vk =
            with_words!(size, W => plonk::keygen_vk(&*params, &BillCircuit::<W>::blank(tariff)))
                .map_err(ProofError::halo2)?;
        Ok(VerifyingKey {
            tariff: tariff.clone(),
            params,
            vk,
        })
    }

    fn check_shape(&self) -> Result<(), ProofError> {
        let size = self.size();
        let found = self.shape_fingerprint();
        let expected = pinned_shape_fingerprint(size);
        if found != expected {
            return Err(ProofError::UnpinnedKey {
                size,
                found,
                expected,
            });
        }
        Ok(())
    }

    /// The size this key serves.
    pub fn size(&self) -> CircuitSize {
        self.tariff.size()
    }

    /// The tariff this key serves.
    pub fn tariff(&self) -> &TariffPrices {
        &self.tariff
    }

    /// The parameters (shared with every key built from the same `Arc`).
    pub fn shared_params(&self) -> &Arc<IpaParams> {
        &self.params
    }

    /// A stable text description of the circuit shape, fixed commitments (the tariff's
    /// included) and permutation (snapshot tests).
    pub fn pinned_description(&self) -> String {
        format!("{:#?}", self.vk.pinned())
    }

    /// SHA-256 (hex) of [`VerifyingKey::pinned_description`]: the fingerprint of this
    /// (size, tariff) key.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.pinned_description().as_bytes()))
    }

    /// SHA-256 (hex) of the description with the tariff's two fixed commitments masked: the
    /// same for every tariff of a size (module docs). An unexpected description form gives a
    /// fingerprint no pin can match.
    pub fn shape_fingerprint(&self) -> String {
        let masked = with_words!(self.size(), W => BillCircuit::<W>::tariff_fixed_columns());
        match mask_fixed_commitments(&format!("{:?}", self.vk.pinned()), &masked) {
            Some(text) => hex::encode(Sha256::digest(text.as_bytes())),
            None => "unrecognised verifying key description".to_owned(),
        }
    }

    pub(crate) fn params(&self) -> &IpaParams {
        &self.params
    }

    pub(crate) fn halo2(&self) -> &plonk::VerifyingKey<EqAffine> {
        &self.vk
    }
}

/// A proving key for one circuit size and one tariff, with its parameters.
#[derive(Debug)]
pub struct ProvingKey {
    tariff: TariffPrices,
    params: Arc<IpaParams>,
    pk: plonk::ProvingKey<EqAffine>,
}

impl ProvingKey {
    /// Builds the proving key of `tariff` (deterministic), after building and checking its
    /// verifying key ([`VerifyingKey::build`]).
    ///
    /// # Errors
    /// As [`VerifyingKey::build`].
    pub fn build(
        tariff: &TariffPrices,
        params: impl Into<Arc<IpaParams>>,
    ) -> Result<Self, ProofError> {
        let VerifyingKey { params, vk, .. } = VerifyingKey::build(tariff, params)?;
        let pk = with_words!(tariff.size(), W => {
            plonk::keygen_pk(&*params, vk, &BillCircuit::<W>::blank(tariff))
        })
        .map_err(ProofError::halo2)?;
        Ok(ProvingKey {
            tariff: tariff.clone(),
            params,
            pk,
        })
    }

    /// The size this key serves.
    pub fn size(&self) -> CircuitSize {
        self.tariff.size()
    }

    /// The tariff this key serves.
    pub fn tariff(&self) -> &TariffPrices {
        &self.tariff
    }

    /// Its verifying key (sharing the parameters).
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            tariff: self.tariff.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_replaces_exactly_the_named_commitments() {
        let text = "K { domain: D { k: 3 }, fixed_commitments: [(0x01, 0x02), Infinity, \
                    (0x03, 0x04)], permutation: V { commitments: [(0x05, 0x06)] } }";
        assert_eq!(
            mask_fixed_commitments(text, &[1, 2]).unwrap(),
            "K { domain: D { k: 3 }, fixed_commitments: [(0x01, 0x02), tariff, tariff], \
             permutation: V { commitments: [(0x05, 0x06)] } }"
        );
        assert_eq!(
            mask_fixed_commitments(text, &[0]).unwrap(),
            "K { domain: D { k: 3 }, fixed_commitments: [tariff, Infinity, (0x03, 0x04)], \
             permutation: V { commitments: [(0x05, 0x06)] } }"
        );
        // An index past the list, or no list at all: no description, so no key matches.
        assert_eq!(mask_fixed_commitments(text, &[3]), None);
        assert_eq!(mask_fixed_commitments("K { }", &[0]), None);
    }

    #[test]
    fn every_size_has_its_own_pin() {
        // One SHA-256 per size, all distinct: `month-15min` and `month-30min-ie` share their
        // columns, gates and rows, and differ in the register layout constant of the
        // commitment (a fixed cell, so the shape).
        let pins = CircuitSize::ALL.map(pinned_shape_fingerprint);
        for (i, pin) in pins.iter().enumerate() {
            assert_eq!(hex::decode(pin).map(|b| b.len()), Ok(32), "{pin}");
            assert!(
                !pins[i + 1..].contains(pin),
                "{} shares its pin",
                CircuitSize::ALL[i]
            );
        }
        assert_eq!(
            PINNED_SHAPE_SHA256.map(|(size, _)| size),
            CircuitSize::ALL,
            "one pin per size, in order"
        );
    }
}
