//! The bill chip: running sums of `price * reading` (the bill) and of `reading` (the energy).
//!
//! One row per slot. Prices are copied from the `prices` instance column (so the utility's own
//! tariff is what the proof is checked against); readings are private and handed back as cells
//! so the caller can feed the very same cells to the commitment hash.
//!
//! ```text
//! | row | reading | price        | bill  | energy | q_step |
//! |-----|---------|--------------|-------|--------|--------|
//! | 0   | r_0     | p_0 (copied) | 0 (c) | 0 (c)  |   1    |
//! | 1   | r_1     | p_1 (copied) | b_1   | e_1    |   1    |
//! | ... | ...     | ...          | ...   | ...    |  ...   |
//! | N-1 | r_{N-1} | p_{N-1}      | b_N-1 | e_N-1  |   1    |
//! | N   |         |              | B     | E      |   0    |
//! ```
//! `(c)`: constrained equal to the constant 0. Gate on rows with `q_step = 1`:
//!
//! * `bill running sum`:   `bill[next] - bill[cur] - price[cur] * reading[cur] = 0`
//! * `energy running sum`: `energy[next] - energy[cur] - reading[cur] = 0`
//!
//! Degree 3. No range check on readings: they are bound to the meter's signed commitment, whose
//! readings the meter bounds (docs/protocol.md "Why no sum wraps").

use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Value},
    pasta::Fp,
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Instance, Selector},
    poly::Rotation,
};

/// Columns and selector of the bill chip.
#[derive(Clone, Debug)]
pub struct BillConfig {
    /// Private readings, one per row.
    pub reading: Column<Advice>,
    /// Prices, copied from the instance column.
    pub price: Column<Advice>,
    /// Running bill.
    pub bill: Column<Advice>,
    /// Running energy.
    pub energy: Column<Advice>,
    q_step: Selector,
}

/// The cells a bill computation hands back.
#[derive(Debug)]
pub struct BillCells {
    /// The reading cells, slot order (to feed to the commitment).
    pub readings: Vec<AssignedCell<Fp, Fp>>,
    /// The final bill `B`.
    pub bill: AssignedCell<Fp, Fp>,
    /// The final energy `E`.
    pub energy: AssignedCell<Fp, Fp>,
}

/// What the bill chip can do.
pub trait BillInstructions {
    /// Lays out one row per reading, copying `prices[row]` from the instance column starting
    /// at `first_price_row`; returns the reading cells and the final sums.
    fn accumulate(
        &self,
        layouter: impl Layouter<Fp>,
        readings: &[Value<Fp>],
        prices: Column<Instance>,
        first_price_row: usize,
    ) -> Result<BillCells, Error>;
}

/// The bill chip.
#[derive(Clone, Debug)]
pub struct BillChip {
    config: BillConfig,
}

impl Chip<Fp> for BillChip {
    type Config = BillConfig;
    type Loaded = ();

    fn config(&self) -> &Self::Config {
        &self.config
    }

    fn loaded(&self) -> &Self::Loaded {
        &()
    }
}

impl BillChip {
    /// Configures the chip on the given advice columns.
    ///
    /// Side effects: enables equality on all four columns. The parent must enable a constant
    /// column (`meta.enable_constant`) for the zero initial sums.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        [reading, price, bill, energy]: [Column<Advice>; 4],
    ) -> BillConfig {
        for column in [reading, price, bill, energy] {
            meta.enable_equality(column);
        }
        let q_step = meta.selector();
        meta.create_gate("bill step", |meta| {
            let q = meta.query_selector(q_step);
            let r = meta.query_advice(reading, Rotation::cur());
            let p = meta.query_advice(price, Rotation::cur());
            let b = meta.query_advice(bill, Rotation::cur());
            let b_next = meta.query_advice(bill, Rotation::next());
            let e = meta.query_advice(energy, Rotation::cur());
            let e_next = meta.query_advice(energy, Rotation::next());
            Constraints::with_selector(
                q,
                [
                    ("bill running sum", b_next - b - p * r.clone()),
                    ("energy running sum", e_next - e - r),
                ],
            )
        });
        BillConfig {
            reading,
            price,
            bill,
            energy,
            q_step,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: BillConfig) -> Self {
        BillChip { config }
    }
}

/// A deliberate corruption of one witness cell, for negative tests: the value assigned at
/// `row` of the named column is replaced, every constraint left in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum Tamper {
    /// Replace the reading at a row (the running sums follow it, as a cheating prover would).
    Reading(usize, Fp),
    /// Replace the copied price at a row.
    Price(usize, Fp),
    /// Replace the running bill at a row (1..=N).
    Bill(usize, Fp),
    /// Replace the running energy at a row (1..=N).
    Energy(usize, Fp),
}

impl BillInstructions for BillChip {
    fn accumulate(
        &self,
        layouter: impl Layouter<Fp>,
        readings: &[Value<Fp>],
        prices: Column<Instance>,
        first_price_row: usize,
    ) -> Result<BillCells, Error> {
        self.accumulate_with(layouter, readings, prices, first_price_row, None)
    }
}

impl BillChip {
    /// [`BillInstructions::accumulate`], with an optional corruption for negative tests.
    pub(crate) fn accumulate_with(
        &self,
        mut layouter: impl Layouter<Fp>,
        readings: &[Value<Fp>],
        prices: Column<Instance>,
        first_price_row: usize,
        tamper: Option<Tamper>,
    ) -> Result<BillCells, Error> {
        let config = &self.config;
        let pick =
            |row: usize, honest: Value<Fp>, which: fn(Tamper) -> Option<(usize, Fp)>| match tamper
                .and_then(which)
            {
                Some((r, v)) if r == row => Value::known(v),
                _ => honest,
            };
        layouter.assign_region(
            || "bill",
            |mut region| {
                let mut bill =
                    region.assign_advice_from_constant(|| "bill_0", config.bill, 0, Fp::zero())?;
                let mut energy = region.assign_advice_from_constant(
                    || "energy_0",
                    config.energy,
                    0,
                    Fp::zero(),
                )?;
                let mut reading_cells = Vec::with_capacity(readings.len());
                for (row, reading) in readings.iter().enumerate() {
                    config.q_step.enable(&mut region, row)?;
                    let reading = pick(row, *reading, |t| match t {
                        Tamper::Reading(r, v) => Some((r, v)),
                        _ => None,
                    });
                    let r = region.assign_advice(|| "reading", config.reading, row, || reading)?;
                    let mut p = region.assign_advice_from_instance(
                        || "price",
                        prices,
                        first_price_row + row,
                        config.price,
                        row,
                    )?;
                    if let Some(Tamper::Price(tr, v)) = tamper {
                        if tr == row {
                            // Overwrite the copied cell; the copy constraint stays.
                            p = region.assign_advice(
                                || "price",
                                config.price,
                                row,
                                || Value::known(v),
                            )?;
                        }
                    }
                    let next_bill = bill.value().copied() + p.value().copied() * r.value().copied();
                    let next_energy = energy.value().copied() + r.value().copied();
                    let next_bill = pick(row + 1, next_bill, |t| match t {
                        Tamper::Bill(r, v) => Some((r, v)),
                        _ => None,
                    });
                    let next_energy = pick(row + 1, next_energy, |t| match t {
                        Tamper::Energy(r, v) => Some((r, v)),
                        _ => None,
                    });
                    bill = region.assign_advice(|| "bill", config.bill, row + 1, || next_bill)?;
                    energy = region.assign_advice(
                        || "energy",
                        config.energy,
                        row + 1,
                        || next_energy,
                    )?;
                    reading_cells.push(r);
                }
                Ok(BillCells {
                    readings: reading_cells,
                    bill,
                    energy,
                })
            },
        )
    }
}
