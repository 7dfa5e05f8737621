//! The bill chip: range-checked readings, their packing into words for the commitment hash,
//! and the running sums of `price * reading` (the bill) and of `reading` (the energy).
//!
//! Two rows per slot. A reading `r = lo + 2^10 hi` is two 10-bit limbs in the `limb` column,
//! each checked by the lookup `limb range` against the table `0..2^10`, so `r < 2^20` and
//! the packing below is injective (docs/protocol.md "Circuit"). Prices are read straight from
//! the `prices` instance column (the utility's own tariff, offset to `u = price + 2^31`).
//!
//! ```text
//! | row    | limb   | acc       | bill  | energy | prices (instance) | q_read | q_start        |
//! |--------|--------|-----------|-------|--------|-------------------|--------|----------------|
//! | 0      | lo_0   | 0         | 0 (c) | 0 (c)  | u_0               |   1    |   1            |
//! | 1      | hi_0   |           |       |        | 0                 |   0    |   0            |
//! | 2      | lo_1   | a_1       | b_1   | e_1    | u_1               |   1    |   0            |
//! | 3      | hi_1   |           |       |        | 0                 |   0    |   0            |
//! | ...    | ...    | ...       | ...   | ...    | ...               |  ...   | 1 iff 12 | j   |
//! | 2j     | lo_j   | a_j       | b_j   | e_j    | u_j               |   1    |                |
//! | 2j+1   | hi_j   |           |       |        | 0                 |   0    |   0            |
//! | 2N     |        | a_N = w   | B     | E      |                   |   0    |   0            |
//! ```
//! `(c)`: constrained equal to the constant 0. With `r_j = limb[2j] + 2^10 limb[2j+1]`, the
//! gate `reading step` on rows with `q_read = 1` (every even row `2j`, `j < N`):
//!
//! * `bill running sum`:   `bill[+2] - bill[0] - (u[0] - 2^31) * r = 0`
//! * `energy running sum`: `energy[+2] - energy[0] - r = 0`
//! * `packing`:            `acc[+2] - (1 - q_start) * 2^20 * acc[0] - r = 0`
//!
//! `q_start` marks the first slot of each word (every 12th), so `acc` restarts there and the
//! word of slots `12m .. 12m+11`, `w_m = sum_j r_{12m+j} 2^(20 (11-j))`, lands in `acc` at row
//! `24 (m+1)`; those cells are handed to the commitment hash. Lookup `limb range` on every row:
//! `limb[0]` in `0..2^10` (unused rows hold 0). Gate degree 3.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Value},
    pasta::Fp,
    plonk::{
        Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector,
        TableColumn,
    },
    poly::Rotation,
};

use crate::encoding::{LIMB_BITS, PRICE_OFFSET, READINGS_PER_WORD, READING_BITS};

/// Columns, selectors and lookup table of the bill chip.
#[derive(Clone, Debug)]
pub struct BillConfig {
    /// Reading limbs, two rows per slot (low limb first).
    pub limb: Column<Advice>,
    /// Packing accumulator: restarts at every word, holds the word after its last slot.
    pub acc: Column<Advice>,
    /// Running bill.
    pub bill: Column<Advice>,
    /// Running energy.
    pub energy: Column<Advice>,
    /// The prices instance column (offset prices on even rows).
    pub prices: Column<Instance>,
    table: TableColumn,
    q_read: Selector,
    q_start: Selector,
}

/// The cells a bill computation hands back.
#[derive(Debug)]
pub struct BillCells {
    /// The packed reading words, in order (to feed to the commitment hash).
    pub words: Vec<AssignedCell<Fp, Fp>>,
    /// The final bill `B` (nano-currency; negative as `p - |B|`).
    pub bill: AssignedCell<Fp, Fp>,
    /// The final energy `E`.
    pub energy: AssignedCell<Fp, Fp>,
}

/// What the bill chip can do.
pub trait BillInstructions {
    /// Loads the limb range table (once per circuit).
    fn load_table(&self, layouter: impl Layouter<Fp>) -> Result<(), Error>;

    /// Lays out two rows per reading (a whole number of words of readings). The region must
    /// start at row 0: slot `j`'s price is read from row `2j` of the prices column.
    fn accumulate(
        &self,
        layouter: impl Layouter<Fp>,
        readings: &[Value<u32>],
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

/// `2^bits` as a field element.
fn pow2(bits: u32) -> Fp {
    Fp::from(1u64 << bits)
}

impl BillChip {
    /// Configures the chip on the given advice columns and the prices instance column.
    ///
    /// Side effects: creates one lookup table column and the `limb range` lookup; enables
    /// equality on `acc`, `bill` and `energy`. The parent must enable a constant column
    /// (`meta.enable_constant`) for the zero initial sums.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        [limb, acc, bill, energy]: [Column<Advice>; 4],
        prices: Column<Instance>,
    ) -> BillConfig {
        for column in [acc, bill, energy] {
            meta.enable_equality(column);
        }
        let table = meta.lookup_table_column();
        let q_read = meta.selector();
        let q_start = meta.complex_selector();

        meta.lookup(|meta| {
            let l = meta.query_advice(limb, Rotation::cur());
            vec![(l, table)]
        });

        meta.create_gate("reading step", |meta| {
            let q = meta.query_selector(q_read);
            let start = meta.query_selector(q_start);
            let lo = meta.query_advice(limb, Rotation::cur());
            let hi = meta.query_advice(limb, Rotation::next());
            let r = lo + hi * pow2(LIMB_BITS);
            let u = meta.query_instance(prices, Rotation::cur());
            let price = u - Expression::Constant(Fp::from(PRICE_OFFSET as u64));
            let two = Rotation(2);
            let b = meta.query_advice(bill, Rotation::cur());
            let b_next = meta.query_advice(bill, two);
            let e = meta.query_advice(energy, Rotation::cur());
            let e_next = meta.query_advice(energy, two);
            let a = meta.query_advice(acc, Rotation::cur());
            let a_next = meta.query_advice(acc, two);
            let keep = Expression::Constant(Fp::ONE) - start;
            Constraints::with_selector(
                q,
                [
                    ("bill running sum", b_next - b - price * r.clone()),
                    ("energy running sum", e_next - e - r.clone()),
                    ("packing", a_next - keep * a * pow2(READING_BITS) - r),
                ],
            )
        });
        BillConfig {
            limb,
            acc,
            bill,
            energy,
            prices,
            table,
            q_read,
            q_start,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: BillConfig) -> Self {
        BillChip { config }
    }
}

/// A deliberate corruption of one witness cell, for negative tests: the value assigned for
/// `slot` is replaced, every constraint left in place; later running values follow the
/// corrupted one, as a cheating prover's would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum Tamper {
    /// Replace the two limbs of a slot's reading (the reading is what they encode).
    Limbs(usize, Fp, Fp),
    /// Replace the running bill before slot `j` (row `2j`, `1 <= j <= N`).
    Bill(usize, Fp),
    /// Replace the running energy before slot `j` (row `2j`).
    Energy(usize, Fp),
    /// Replace the packing accumulator before slot `j` (row `2j`).
    Acc(usize, Fp),
}

impl BillInstructions for BillChip {
    fn load_table(&self, mut layouter: impl Layouter<Fp>) -> Result<(), Error> {
        layouter.assign_table(
            || "limb range table",
            |mut table| {
                for v in 0..(1u64 << LIMB_BITS) {
                    table.assign_cell(
                        || "limb",
                        self.config.table,
                        v as usize,
                        || Value::known(Fp::from(v)),
                    )?;
                }
                Ok(())
            },
        )
    }

    fn accumulate(
        &self,
        layouter: impl Layouter<Fp>,
        readings: &[Value<u32>],
    ) -> Result<BillCells, Error> {
        self.accumulate_with(layouter, readings, None)
    }
}

impl BillChip {
    /// [`BillInstructions::accumulate`], with an optional corruption for negative tests.
    pub(crate) fn accumulate_with(
        &self,
        mut layouter: impl Layouter<Fp>,
        readings: &[Value<u32>],
        tamper: Option<Tamper>,
    ) -> Result<BillCells, Error> {
        if readings.is_empty() || !readings.len().is_multiple_of(READINGS_PER_WORD) {
            return Err(Error::Synthesis);
        }
        let config = &self.config;
        let offset = Fp::from(PRICE_OFFSET as u64);
        let limb_mask = (1u32 << LIMB_BITS) - 1;
        layouter.assign_region(
            || "bill",
            |mut region| {
                let zero = |region: &mut halo2_proofs::circuit::Region<'_, Fp>, column, name| {
                    region.assign_advice_from_constant(|| name, column, 0, Fp::ZERO)
                };
                let mut bill = zero(&mut region, config.bill, "bill_0")?;
                let mut energy = zero(&mut region, config.energy, "energy_0")?;
                let mut acc =
                    region.assign_advice(|| "acc_0", config.acc, 0, || Value::known(Fp::ZERO))?;
                let mut words = Vec::with_capacity(readings.len() / READINGS_PER_WORD);
                for (slot, reading) in readings.iter().enumerate() {
                    let row = 2 * slot;
                    config.q_read.enable(&mut region, row)?;
                    let first_of_word = slot.is_multiple_of(READINGS_PER_WORD);
                    if first_of_word {
                        config.q_start.enable(&mut region, row)?;
                    }
                    let mut limbs = reading.map(|r| {
                        [
                            Fp::from(u64::from(r & limb_mask)),
                            Fp::from(u64::from(r >> LIMB_BITS)),
                        ]
                    });
                    if let Some(Tamper::Limbs(s, lo, hi)) = tamper {
                        if s == slot {
                            limbs = Value::known([lo, hi]);
                        }
                    }
                    let r = limbs.map(|[lo, hi]| lo + hi * pow2(LIMB_BITS));
                    region.assign_advice(|| "lo", config.limb, row, || limbs.map(|l| l[0]))?;
                    region.assign_advice(|| "hi", config.limb, row + 1, || limbs.map(|l| l[1]))?;

                    let u = region.instance_value(config.prices, row)?;
                    let kept = if first_of_word {
                        Value::known(Fp::ZERO)
                    } else {
                        acc.value().copied()
                    };
                    let pick =
                        |which: fn(Tamper) -> Option<(usize, Fp)>, honest: Value<Fp>| match tamper
                            .and_then(which)
                        {
                            Some((s, v)) if s == slot + 1 => Value::known(v),
                            _ => honest,
                        };
                    let next_bill = pick(
                        |t| match t {
                            Tamper::Bill(s, v) => Some((s, v)),
                            _ => None,
                        },
                        bill.value().copied() + (u - Value::known(offset)) * r,
                    );
                    let next_energy = pick(
                        |t| match t {
                            Tamper::Energy(s, v) => Some((s, v)),
                            _ => None,
                        },
                        energy.value().copied() + r,
                    );
                    let next_acc = pick(
                        |t| match t {
                            Tamper::Acc(s, v) => Some((s, v)),
                            _ => None,
                        },
                        kept * Value::known(pow2(READING_BITS)) + r,
                    );
                    bill = region.assign_advice(|| "bill", config.bill, row + 2, || next_bill)?;
                    energy = region.assign_advice(
                        || "energy",
                        config.energy,
                        row + 2,
                        || next_energy,
                    )?;
                    acc = region.assign_advice(|| "acc", config.acc, row + 2, || next_acc)?;
                    if (slot + 1).is_multiple_of(READINGS_PER_WORD) {
                        words.push(acc.clone());
                    }
                }
                Ok(BillCells {
                    words,
                    bill,
                    energy,
                })
            },
        )
    }
}
