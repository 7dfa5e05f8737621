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
//! | 2N     |        | w_{W-1}   | B     | E      |                   |   0    |   0            |
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
    circuit::{AssignedCell, Chip, Layouter, Region, Value},
    pasta::Fp,
    plonk::{
        Advice, Column, ConstraintSystem, Constraints, Error, Expression, Instance, Selector,
        TableColumn,
    },
    poly::Rotation,
};

use crate::constants::{LIMB_BITS, PRICE_OFFSET, READINGS_PER_WORD, READING_BITS};

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

/// The witness of one slot: its reading's limbs and the running values after it (the cells of
/// row `2j + 2`). The chip computes it from the reading and the public price; the circuit's
/// negative tests build their own and lay it out with the same assignment code.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    /// Low limb of the reading.
    pub lo: Value<Fp>,
    /// High limb of the reading.
    pub hi: Value<Fp>,
    /// Running bill after the slot.
    pub bill: Value<Fp>,
    /// Running energy after the slot.
    pub energy: Value<Fp>,
    /// Packing accumulator after the slot.
    pub acc: Value<Fp>,
}

/// The running cells while the region is laid out, and the words finished so far.
struct Running {
    bill: AssignedCell<Fp, Fp>,
    energy: AssignedCell<Fp, Fp>,
    acc: AssignedCell<Fp, Fp>,
    words: Vec<AssignedCell<Fp, Fp>>,
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
        mut layouter: impl Layouter<Fp>,
        readings: &[Value<u32>],
    ) -> Result<BillCells, Error> {
        check_len(readings.len())?;
        let config = &self.config;
        let offset = Value::known(Fp::from(PRICE_OFFSET as u64));
        let limb_mask = (1u32 << LIMB_BITS) - 1;
        layouter.assign_region(
            || "bill",
            |mut region| {
                let mut running = self.start(&mut region)?;
                for (slot, reading) in readings.iter().enumerate() {
                    let limbs = reading.map(|r| {
                        [
                            Fp::from(u64::from(r & limb_mask)),
                            Fp::from(u64::from(r >> LIMB_BITS)),
                        ]
                    });
                    let r = limbs.map(|[lo, hi]| lo + hi * pow2(LIMB_BITS));
                    let u = region.instance_value(config.prices, 2 * slot)?;
                    let kept = if slot.is_multiple_of(READINGS_PER_WORD) {
                        Value::known(Fp::ZERO)
                    } else {
                        running.acc.value().copied()
                    };
                    let step = Step {
                        lo: limbs.map(|l| l[0]),
                        hi: limbs.map(|l| l[1]),
                        bill: running.bill.value().copied() + (u - offset) * r,
                        energy: running.energy.value().copied() + r,
                        acc: kept * Value::known(pow2(READING_BITS)) + r,
                    };
                    running = self.assign_step(&mut region, slot, &step, running)?;
                }
                Ok(running.finish())
            },
        )
    }
}

/// The region holds a whole, non-zero number of words of slots.
fn check_len(slots: usize) -> Result<(), Error> {
    if slots == 0 || !slots.is_multiple_of(READINGS_PER_WORD) {
        return Err(Error::Synthesis);
    }
    Ok(())
}

impl BillChip {
    /// Row 0: the running bill and energy start at the constant 0, the accumulator at 0.
    fn start(&self, region: &mut Region<'_, Fp>) -> Result<Running, Error> {
        let config = &self.config;
        Ok(Running {
            bill: region.assign_advice_from_constant(|| "bill_0", config.bill, 0, Fp::ZERO)?,
            energy: region.assign_advice_from_constant(
                || "energy_0",
                config.energy,
                0,
                Fp::ZERO,
            )?,
            acc: region.assign_advice(|| "acc_0", config.acc, 0, || Value::known(Fp::ZERO))?,
            words: Vec::new(),
        })
    }

    /// Rows `2j` and `2j + 1` of slot `j`, and the running cells of row `2j + 2`.
    fn assign_step(
        &self,
        region: &mut Region<'_, Fp>,
        slot: usize,
        step: &Step,
        running: Running,
    ) -> Result<Running, Error> {
        let config = &self.config;
        let row = 2 * slot;
        config.q_read.enable(region, row)?;
        if slot.is_multiple_of(READINGS_PER_WORD) {
            config.q_start.enable(region, row)?;
        }
        region.assign_advice(|| "lo", config.limb, row, || step.lo)?;
        region.assign_advice(|| "hi", config.limb, row + 1, || step.hi)?;
        let bill = region.assign_advice(|| "bill", config.bill, row + 2, || step.bill)?;
        let energy = region.assign_advice(|| "energy", config.energy, row + 2, || step.energy)?;
        let acc = region.assign_advice(|| "acc", config.acc, row + 2, || step.acc)?;
        let mut words = running.words;
        if (slot + 1).is_multiple_of(READINGS_PER_WORD) {
            words.push(acc.clone());
        }
        Ok(Running {
            bill,
            energy,
            acc,
            words,
        })
    }

    /// Lays out steps given whole, exactly as [`BillInstructions::accumulate`] would lay out
    /// its own: negative tests use it to plant a cheating prover's witness.
    #[cfg(test)]
    pub(crate) fn assign_steps(
        &self,
        mut layouter: impl Layouter<Fp>,
        steps: &[Step],
    ) -> Result<BillCells, Error> {
        check_len(steps.len())?;
        layouter.assign_region(
            || "bill",
            |mut region| {
                let mut running = self.start(&mut region)?;
                for (slot, step) in steps.iter().enumerate() {
                    running = self.assign_step(&mut region, slot, step, running)?;
                }
                Ok(running.finish())
            },
        )
    }
}

impl Running {
    fn finish(self) -> BillCells {
        BillCells {
            words: self.words,
            bill: self.bill,
            energy: self.energy,
        }
    }
}
