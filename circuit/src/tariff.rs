//! The public tariff a pair of keys is built for: one price per slot of the frame and
//! register.
//!
//! The prices and the frame's slot kinds are *fixed* columns of the circuit, so they are
//! committed once, in the verifying key of (size, tariff), and halo2's transcript binds every
//! proof to that key. A proof made under one tariff does not verify under the key of another;
//! the per-bill public inputs are only the statement (`crate::proof::PublicInputs`).
//!
//! Slots `0..S` (`S` = number of prices) of each register are active: slot `j` of the import
//! register is priced at `import[j]`, slot `j` of the export register is *credited* at
//! `export[j]` (its price column holds `-export[j]`). Slots `S..capacity` are padding: the
//! circuit forces their readings to zero.

use std::sync::Arc;

use crate::encoding::check_price;
use crate::error::BoundsError;
use crate::size::CircuitSize;

/// One price per active slot of a frame and register, for one circuit size (checked against
/// the bounds).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TariffPrices {
    size: CircuitSize,
    import: Arc<[i64]>,
    export: Option<Arc<[i64]>>,
}

impl TariffPrices {
    /// The prices of a frame of `import.len()` slots, proved at `size`; `export` (the credit
    /// per kWh exported, slot by slot, the same length) exactly when `size` has an export
    /// register.
    ///
    /// # Errors
    /// [`BoundsError::WrongLength`] for no prices, more than the size's capacity, or export
    /// prices of another length; [`BoundsError::RegistersMismatch`] for export prices with a
    /// one-register size or none with a two-register size; [`BoundsError::PriceOutOfRange`]
    /// for a price out of its bound.
    pub fn new(
        size: CircuitSize,
        import: &[i64],
        export: Option<&[i64]>,
    ) -> Result<Self, BoundsError> {
        let capacity = size.capacity();
        if import.is_empty() || import.len() > capacity {
            return Err(BoundsError::WrongLength {
                what: "tariff prices",
                found: import.len(),
                expected: capacity,
            });
        }
        if export.is_some() != size.has_export() {
            return Err(BoundsError::RegistersMismatch {
                what: "tariff",
                found: 1 + usize::from(export.is_some()),
                size: size.name(),
            });
        }
        for (slot, &p) in import.iter().enumerate() {
            check_price(slot, p)?;
        }
        if let Some(export) = export {
            if export.len() != import.len() {
                return Err(BoundsError::WrongLength {
                    what: "export prices",
                    found: export.len(),
                    expected: import.len(),
                });
            }
            for (slot, &p) in export.iter().enumerate() {
                check_price(slot, p)?;
            }
        }
        Ok(TariffPrices {
            size,
            import: import.into(),
            export: export.map(Arc::from),
        })
    }

    /// A one-slot, zero-price tariff: for measuring the circuit's shape, which is the same for
    /// every tariff.
    pub(crate) fn shape_only(size: CircuitSize) -> Self {
        TariffPrices {
            size,
            import: Arc::from([0i64]),
            export: size.has_export().then(|| Arc::from([0i64])),
        }
    }

    /// The circuit size.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// The number of active slots `S` of each register.
    pub fn slots(&self) -> usize {
        self.import.len()
    }

    /// The price of each active import slot, micro-currency per kWh.
    pub fn import(&self) -> &[i64] {
        &self.import
    }

    /// The credit of each active export slot, micro-currency per kWh (two-register sizes).
    pub fn export(&self) -> Option<&[i64]> {
        self.export.as_deref()
    }

    /// The signed price of the circuit's reading `i` (registers one after the other, each
    /// `capacity` long): `import[j]`, `-export[j]`, or 0 for a padding slot.
    pub(crate) fn signed_price(&self, i: usize) -> i64 {
        let capacity = self.size.capacity();
        let (register, slot) = (i / capacity, i % capacity);
        match register {
            0 => self.import.get(slot).copied().unwrap_or(0),
            _ => self
                .export
                .as_deref()
                .and_then(|e| e.get(slot))
                .map_or(0, |&p| -p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::MAX_ABS_PRICE;

    #[test]
    fn lengths_registers_and_prices_are_checked() {
        let size = CircuitSize::Day15Min;
        assert_eq!(TariffPrices::new(size, &[1; 24], None).unwrap().slots(), 24);
        assert_eq!(
            TariffPrices::new(size, &vec![-MAX_ABS_PRICE; size.capacity()], None)
                .unwrap()
                .slots(),
            size.capacity()
        );
        assert!(matches!(
            TariffPrices::new(size, &[], None),
            Err(BoundsError::WrongLength { found: 0, .. })
        ));
        assert!(matches!(
            TariffPrices::new(size, &vec![0; size.capacity() + 1], None),
            Err(BoundsError::WrongLength { .. })
        ));
        assert!(matches!(
            TariffPrices::new(size, &[0, MAX_ABS_PRICE + 1], None),
            Err(BoundsError::PriceOutOfRange { slot: 1, .. })
        ));
        // Registers: export prices exactly with an `-ie` size, of the same length.
        let ie = CircuitSize::Day15MinIe;
        let t = TariffPrices::new(ie, &[5, 6], Some(&[1, 2])).unwrap();
        assert_eq!(
            (0..ie.readings())
                .map(|i| t.signed_price(i))
                .filter(|&p| p != 0)
                .collect::<Vec<_>>(),
            [5, 6, -1, -2]
        );
        assert_eq!(t.signed_price(ie.capacity()), -1);
        assert!(matches!(
            TariffPrices::new(ie, &[5, 6], None),
            Err(BoundsError::RegistersMismatch { found: 1, .. })
        ));
        assert!(matches!(
            TariffPrices::new(size, &[5, 6], Some(&[1, 2])),
            Err(BoundsError::RegistersMismatch { found: 2, .. })
        ));
        assert!(matches!(
            TariffPrices::new(ie, &[5, 6], Some(&[1])),
            Err(BoundsError::WrongLength {
                what: "export prices",
                ..
            })
        ));
        assert!(matches!(
            TariffPrices::new(ie, &[5, 6], Some(&[1, -MAX_ABS_PRICE - 1])),
            Err(BoundsError::PriceOutOfRange { slot: 1, .. })
        ));
    }
}
