//! The native (out-of-circuit) reference for everything the circuit computes.
//!
//! The meter, the plugin and the utility use these functions; tests check the circuit against
//! them. See `docs/protocol.md` section "Commitment".
//!
//! ```text
//! r   = import readings padded to the capacity N, then (two registers) export readings padded
//! w_m = sum_{j<9} r_{9m+j} * 2^(26 (8-j))                 readings packed 9 to a word
//! h   = Poseidon_ConstantLength<W>(w_0, ..., w_{W-1})
//! C   = Poseidon_ConstantLength<4>(TAG, layout, h, blinding)
//! B   = sum_i import_price_i * import_i - sum_i export_credit_i * export_i
//! E_in = sum_i import_i      E_out = sum_i export_i       (units of the meter's 10^e Wh)
//! ```
//! `layout` is 1 for an import register alone, 2 for import and export, so no register's
//! readings open the commitment of another layout. Poseidon is `P128Pow5T3` over Pallas `Fp`
//! (width 3, rate 2, 8 full + 56 partial rounds).

use halo2_poseidon::{ConstantLength, Hash, P128Pow5T3};
use halo2_proofs::pasta::Fp;

use crate::constants::{
    COMMITMENT_DOMAIN_TAG, LAYOUT_IMPORT, LAYOUT_IMPORT_EXPORT, READINGS_PER_WORD, READING_BITS,
};
use crate::encoding::{check_price, check_reading};
use crate::error::BoundsError;
use crate::size::CircuitSize;
use crate::with_words;

/// The readings of one period: the import register, and the export register when the
/// period's size has one (the same number of slots).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readings<'a> {
    /// Import (delivered) readings, one per slot.
    pub import: &'a [u32],
    /// Export (received) readings, one per slot.
    pub export: Option<&'a [u32]>,
}

impl<'a> Readings<'a> {
    /// A period of one register.
    pub fn import_only(import: &'a [u32]) -> Self {
        Readings {
            import,
            export: None,
        }
    }

    /// The registers in circuit order (import, then export).
    pub fn registers(&self) -> impl Iterator<Item = &'a [u32]> {
        std::iter::once(self.import).chain(self.export)
    }
}

/// The exact figures of a bill: `B` in units of `10^(e - 9)` currency, energies in `10^e` Wh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Totals {
    /// The bill `B` (import cost minus export credit).
    pub bill: i128,
    /// The import energy `E_in`.
    pub import_energy: u64,
    /// The export energy `E_out` (0 for one register).
    pub export_energy: u64,
}

/// Checks `readings` against `size` (registers, lengths, bounds) and lays them out as the
/// circuit holds them: each register padded with zeros to the capacity, import first.
pub fn circuit_readings(
    size: CircuitSize,
    readings: Readings<'_>,
) -> Result<Vec<u32>, BoundsError> {
    if readings.export.is_some() != size.has_export() {
        return Err(BoundsError::RegistersMismatch {
            what: "readings",
            found: readings.registers().count(),
            size: size.name(),
        });
    }
    let capacity = size.capacity();
    let mut out = Vec::with_capacity(size.readings());
    for (register, values) in readings.registers().enumerate() {
        if values.len() > capacity || (register > 0 && values.len() != readings.import.len()) {
            return Err(BoundsError::WrongLength {
                what: if register == 0 {
                    "readings"
                } else {
                    "export readings"
                },
                found: values.len(),
                expected: if register == 0 {
                    capacity
                } else {
                    readings.import.len()
                },
            });
        }
        for (slot, &r) in values.iter().enumerate() {
            check_reading(register, slot, r.into())?;
        }
        out.extend_from_slice(values);
        out.resize(capacity * (register + 1), 0);
    }
    Ok(out)
}

/// Packs laid-out readings ([`circuit_readings`]) into words, first reading of a word most
/// significant.
pub fn pack_words(laid_out: &[u32]) -> Vec<Fp> {
    let shift = Fp::from(1u64 << READING_BITS);
    laid_out
        .chunks(READINGS_PER_WORD)
        .map(|chunk| {
            chunk
                .iter()
                .fold(Fp::zero(), |acc, &r| acc * shift + Fp::from(u64::from(r)))
        })
        .collect()
}

/// Poseidon hash of exactly `W` words (the readings digest).
pub fn readings_digest<const W: usize>(words: &[Fp]) -> Option<Fp> {
    let words: [Fp; W] = words.try_into().ok()?;
    Some(Hash::<Fp, P128Pow5T3, ConstantLength<W>, 3, 2>::init().hash(words))
}

/// The register layout hashed into the commitment of `size`.
pub fn layout_tag(size: CircuitSize) -> u64 {
    if size.has_export() {
        LAYOUT_IMPORT_EXPORT
    } else {
        LAYOUT_IMPORT
    }
}

/// The hiding commitment `C` to a period's readings (each register padded to the capacity).
pub fn commitment(
    size: CircuitSize,
    readings: Readings<'_>,
    blinding: Fp,
) -> Result<Fp, BoundsError> {
    let words = pack_words(&circuit_readings(size, readings)?);
    let digest = with_words!(size, W => readings_digest::<W>(&words))
        .expect("circuit_readings lays out exactly the size's words");
    Ok(commit_digest(size, digest, blinding))
}

/// `C = Poseidon_ConstantLength<4>(TAG, layout, h, blinding)`.
pub fn commit_digest(size: CircuitSize, digest: Fp, blinding: Fp) -> Fp {
    Hash::<Fp, P128Pow5T3, ConstantLength<4>, 3, 2>::init().hash([
        Fp::from(COMMITMENT_DOMAIN_TAG),
        Fp::from(layout_tag(size)),
        digest,
        blinding,
    ])
}

/// The exact bill and energies of `readings` under import prices `import` and export
/// credits `export` (one per slot; export exactly when the readings have an export
/// register); checks the bounds of `encoding`.
pub fn bill(
    import: &[i64],
    export: Option<&[i64]>,
    readings: Readings<'_>,
) -> Result<Totals, BoundsError> {
    if export.is_some() != readings.export.is_some() {
        return Err(BoundsError::RegistersMismatch {
            what: "prices",
            found: 1 + usize::from(export.is_some()),
            size: if readings.export.is_some() {
                "of the readings (-ie)"
            } else {
                "of the readings"
            },
        });
    }
    let mut totals = Totals::default();
    let registers = readings
        .registers()
        .zip(std::iter::once(import).chain(export));
    for (register, (values, prices)) in registers.enumerate() {
        if prices.len() != values.len() {
            return Err(BoundsError::WrongLength {
                what: "prices",
                found: prices.len(),
                expected: values.len(),
            });
        }
        let (mut sum, mut energy) = (0i128, 0u64);
        for (slot, (&p, &r)) in prices.iter().zip(values).enumerate() {
            check_price(slot, p)?;
            check_reading(register, slot, r.into())?;
            // Cannot overflow: |p*r| < 2^57 and there are at most 2^12 terms (encoding bounds).
            sum += i128::from(p) * i128::from(r);
            energy += u64::from(r);
        }
        if register == 0 {
            totals.bill += sum;
            totals.import_energy = energy;
        } else {
            totals.bill -= sum;
            totals.export_energy = energy;
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::MAX_READING;
    use ff::Field;

    #[test]
    fn bill_is_import_cost_minus_export_credit() {
        let t = bill(&[100, -50, 0], None, Readings::import_only(&[3, 4, 5])).unwrap();
        assert_eq!((t.bill, t.import_energy, t.export_energy), (100, 12, 0));
        let readings = Readings {
            import: &[3, 4, 5],
            export: Some(&[0, 10, 1]),
        };
        let t = bill(&[100, -50, 0], Some(&[7, 7, 20]), readings).unwrap();
        // 300 - 200 + 0 - (0 + 70 + 20)
        assert_eq!((t.bill, t.import_energy, t.export_energy), (10, 12, 11));
    }

    #[test]
    fn bill_rejects_mismatched_lengths_and_out_of_bound_values() {
        assert!(bill(&[1], None, Readings::import_only(&[1, 2])).is_err());
        assert!(bill(
            &[crate::constants::MAX_ABS_PRICE + 1],
            None,
            Readings::import_only(&[1])
        )
        .is_err());
        assert!(bill(&[1], None, Readings::import_only(&[MAX_READING + 1])).is_err());
        let two = Readings {
            import: &[1],
            export: Some(&[MAX_READING + 1]),
        };
        assert!(matches!(
            bill(&[1], Some(&[1]), two),
            Err(BoundsError::ReadingTooLarge {
                register: "export",
                slot: 0,
                ..
            })
        ));
        assert!(matches!(
            bill(&[1], None, two),
            Err(BoundsError::RegistersMismatch { .. })
        ));
    }

    #[test]
    fn packing_puts_the_first_reading_of_a_word_highest() {
        let size = CircuitSize::Day15Min;
        let mut readings = vec![0u32; 2 * READINGS_PER_WORD];
        readings[0] = 1;
        readings[READINGS_PER_WORD - 1] = 5;
        readings[READINGS_PER_WORD] = MAX_READING;
        let words = pack_words(&circuit_readings(size, Readings::import_only(&readings)).unwrap());
        assert_eq!(words.len(), size.words());
        let top = Fp::from(2u64).pow([u64::from(READING_BITS) * (READINGS_PER_WORD as u64 - 1)]);
        assert_eq!(words[0], top + Fp::from(5u64));
        assert_eq!(words[1], top * Fp::from(u64::from(MAX_READING)));
        // Shifting one unit between neighbours changes the word (no carry without overflow).
        let mut shifted = readings.clone();
        shifted[0] -= 1;
        shifted[1] += 1;
        assert_ne!(
            pack_words(&circuit_readings(size, Readings::import_only(&shifted)).unwrap())[0],
            words[0]
        );
        let too_many = vec![0; size.capacity() + 1];
        assert!(circuit_readings(size, Readings::import_only(&too_many)).is_err());
        readings[3] = MAX_READING + 1;
        assert!(matches!(
            circuit_readings(size, Readings::import_only(&readings)),
            Err(BoundsError::ReadingTooLarge { slot: 3, .. })
        ));
    }

    #[test]
    fn registers_are_laid_out_import_first_and_checked_against_the_size() {
        let ie = CircuitSize::Day15MinIe;
        let two = Readings {
            import: &[1, 2],
            export: Some(&[3, 4]),
        };
        let laid = circuit_readings(ie, two).unwrap();
        assert_eq!(laid.len(), 2 * ie.capacity());
        assert_eq!((laid[0], laid[1], laid[2]), (1, 2, 0));
        assert_eq!((laid[ie.capacity()], laid[ie.capacity() + 1]), (3, 4));
        assert!(matches!(
            circuit_readings(CircuitSize::Day15Min, two),
            Err(BoundsError::RegistersMismatch { found: 2, .. })
        ));
        assert!(matches!(
            circuit_readings(ie, Readings::import_only(&[1, 2])),
            Err(BoundsError::RegistersMismatch { found: 1, .. })
        ));
        let uneven = Readings {
            import: &[1, 2],
            export: Some(&[3]),
        };
        assert!(matches!(
            circuit_readings(ie, uneven),
            Err(BoundsError::WrongLength {
                what: "export readings",
                ..
            })
        ));
    }

    #[test]
    fn commitment_depends_on_every_input_and_the_layout() {
        let blinding = Fp::from(7u64);
        let c = |size, r: &[u32], b| commitment(size, Readings::import_only(r), b).unwrap();
        let base = c(CircuitSize::Day15Min, &[1, 2, 3], blinding);
        assert_ne!(base, c(CircuitSize::Day15Min, &[1, 2, 4], blinding));
        assert_ne!(base, c(CircuitSize::Day15Min, &[1, 2, 3], Fp::ONE));
        assert_ne!(base, c(CircuitSize::Month30Min, &[1, 2, 3], blinding));
        // Trailing zero readings are the padding: the same committed vector.
        assert_eq!(base, c(CircuitSize::Day15Min, &[1, 2, 3, 0], blinding));
        // The same laid-out readings (import then a zero export) under the other layout: the
        // one-register month-15min and the two-register month-30min-ie hash the same number
        // of words, and the layout tag tells them apart.
        let import = vec![1u32; CircuitSize::Month30MinIe.capacity()];
        let zeros = vec![0u32; import.len()];
        let two = Readings {
            import: &import,
            export: Some(&zeros),
        };
        assert_eq!(
            circuit_readings(CircuitSize::Month30MinIe, two).unwrap(),
            circuit_readings(CircuitSize::Month15Min, Readings::import_only(&import)).unwrap()
        );
        assert_ne!(
            commitment(CircuitSize::Month30MinIe, two, blinding).unwrap(),
            c(CircuitSize::Month15Min, &import, blinding)
        );
    }
}
