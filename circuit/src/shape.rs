//! The measured shape of each circuit size (rows used, columns), for `circuit-info` and benches.

use halo2_proofs::{dev::CircuitCost, pasta::Eq};

use crate::circuit::BillCircuit;
use crate::size::CircuitSize;
use crate::tariff::TariffPrices;
use crate::with_words;

/// Rows and columns of one circuit size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The size.
    pub size: CircuitSize,
    /// log2 of the row count.
    pub k: u32,
    /// Rows used by the layout (the rest up to `2^k` is unused or blinding).
    pub rows: usize,
    /// Advice columns.
    pub advice_columns: usize,
    /// Fixed columns (selectors included, after compression).
    pub fixed_columns: usize,
    /// Instance columns.
    pub instance_columns: usize,
    /// Maximum gate degree.
    pub degree: usize,
}

/// Lays out the blank circuit of `size` and measures it.
pub fn measure(size: CircuitSize) -> Shape {
    // CircuitCost exposes its figures only through Debug (`max_rows: <n>,` ...).
    let debug = with_words!(size, W => {
        let blank = BillCircuit::<W>::blank(&TariffPrices::shape_only(size));
        format!("{:?}", CircuitCost::<Eq, BillCircuit<W>>::measure(size.k(), &blank))
    });
    let field = |name| parse_field(&debug, name).unwrap_or(0);
    Shape {
        size,
        k: size.k(),
        rows: field("max_rows"),
        advice_columns: field("num_advice_columns"),
        fixed_columns: field("num_fixed_columns"),
        instance_columns: field("num_instance_columns"),
        degree: field("max_deg"),
    }
}

fn parse_field(debug: &str, name: &str) -> Option<usize> {
    let at = debug.find(&format!("{name}: "))? + name.len() + 2;
    debug[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::LIMB_BITS;

    #[test]
    fn day_size_shape_is_pinned() {
        let shape = measure(CircuitSize::Day15Min);
        // The 2^10-row limb table is the tallest thing in the day circuit: the layout (two
        // rows per reading, 217 rows of bill region, then the hashes) is shorter.
        assert_eq!(
            shape,
            Shape {
                size: CircuitSize::Day15Min,
                k: 11,
                rows: 1 << LIMB_BITS,
                advice_columns: 8,
                fixed_columns: 13,
                instance_columns: 1,
                degree: 6,
            }
        );
    }

    #[test]
    fn every_size_is_measured_within_its_k() {
        // At least the bill region (two rows per reading and a final row) and the limb table,
        // and below 2^k.
        for size in CircuitSize::ALL {
            let shape = measure(size);
            assert_eq!((shape.size, shape.k), (size, size.k()));
            assert!(
                shape.rows > 2 * size.readings()
                    && shape.rows >= 1 << LIMB_BITS
                    && shape.rows < 1 << size.k(),
                "{shape:?}"
            );
        }
    }
}
