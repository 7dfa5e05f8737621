//! The public tariff a pair of keys is built for: one price per slot of the frame.
//!
//! The prices and the frame's active-slot mask are *fixed* columns of the circuit, so they are
//! committed once, in the verifying key of (size, tariff), and halo2's transcript binds every
//! proof to that key. A proof made under one tariff does not verify under the key of another;
//! the per-bill public inputs are only the statement (`crate::proof::PublicInputs`).
//!
//! Slots `0..S` (`S` = number of prices) are active: slot `j` is priced at `prices[j]`. Slots
//! `S..capacity` are padding: the circuit forces their readings to zero.

use std::sync::Arc;

use crate::encoding::check_price;
use crate::error::BoundsError;
use crate::size::CircuitSize;

/// One price per active slot of a frame, for one circuit size (checked against the bounds).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TariffPrices {
    size: CircuitSize,
    prices: Arc<[i64]>,
}

impl TariffPrices {
    /// The prices of a frame of `prices.len()` slots, proved at `size`.
    ///
    /// # Errors
    /// [`BoundsError::WrongLength`] for no prices or more than the size's capacity,
    /// [`BoundsError::PriceOutOfRange`] for a price out of its bound.
    pub fn new(size: CircuitSize, prices: &[i64]) -> Result<Self, BoundsError> {
        let capacity = size.capacity();
        if prices.is_empty() || prices.len() > capacity {
            return Err(BoundsError::WrongLength {
                what: "tariff prices",
                found: prices.len(),
                expected: capacity,
            });
        }
        for (slot, &p) in prices.iter().enumerate() {
            check_price(slot, p)?;
        }
        Ok(TariffPrices {
            size,
            prices: prices.into(),
        })
    }

    /// A one-slot, zero-price tariff: for measuring the circuit's shape, which is the same for
    /// every tariff.
    pub(crate) fn shape_only(size: CircuitSize) -> Self {
        TariffPrices {
            size,
            prices: Arc::from([0i64]),
        }
    }

    /// The circuit size.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// The number of active slots `S`.
    pub fn slots(&self) -> usize {
        self.prices.len()
    }

    /// The price of each active slot, micro-currency per kWh.
    pub fn prices(&self) -> &[i64] {
        &self.prices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::MAX_ABS_PRICE;

    #[test]
    fn lengths_and_prices_are_checked() {
        let size = CircuitSize::Day15Min;
        assert_eq!(TariffPrices::new(size, &[1; 24]).unwrap().slots(), 24);
        assert_eq!(
            TariffPrices::new(size, &vec![-MAX_ABS_PRICE; size.capacity()])
                .unwrap()
                .slots(),
            size.capacity()
        );
        assert!(matches!(
            TariffPrices::new(size, &[]),
            Err(BoundsError::WrongLength { found: 0, .. })
        ));
        assert!(matches!(
            TariffPrices::new(size, &vec![0; size.capacity() + 1]),
            Err(BoundsError::WrongLength { .. })
        ));
        assert!(matches!(
            TariffPrices::new(size, &[0, MAX_ABS_PRICE + 1]),
            Err(BoundsError::PriceOutOfRange { slot: 1, .. })
        ));
    }
}
