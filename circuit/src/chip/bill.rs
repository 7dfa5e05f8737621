//! The bill chip: range-checked readings, their packing into words for the commitment hash,
//! and the running sums of `price * reading` (the bill) and of `reading` (the energy).
//!
//! Two rows per slot. A reading `r = lo + 2^10 hi` is two 10-bit limbs in the `limb` column,
//! each checked by the lookup `limb range` against the table `0..2^10`, so `r < 2^20` and
//! the packing below is injective (docs/protocol.md "Circuit"). The tariff is in two fixed
//! columns, committed in the verifying key of (size, tariff) ([`crate::tariff`]): `price`
//! holds each slot's price, `kind` says whether a slot starts a word and whether it is a
//! padding slot (beyond the frame's `S` slots).
//!
//! ```text
//! | row  | limb | acc     | bill  | energy | price (fixed)  | kind (fixed) | q_read |
//! |------|------|---------|-------|--------|----------------|--------------|--------|
//! | 0    | lo_0 | 0       | 0 (c) | 0 (c)  | p_0            | k_0          |   1    |
//! | 1    | hi_0 |         |       |        | 0              | 0            |   0    |
//! | 2    | lo_1 | a_1     | b_1   | e_1    | p_1            | k_1          |   1    |
//! | ...  | ...  | ...     | ...   | ...    | ...            | ...          |  ...   |
//! | 2j   | lo_j | a_j     | b_j   | e_j    | p_j (0, j>=S)  | k_j          |   1    |
//! | 2j+1 | hi_j |         |       |        | 0              | 0            |   0    |
//! | 2N   |      | w_{W-1} | B     | E      |                |              |   0    |
//! ```
//! `(c)`: constrained equal to the constant 0. `p_j` is slot `j`'s price as a field element
//! (negative as `p - |price|`). `k_j` encodes two facts of slot `j`:
//!
//! | `k_j` | slot          | starts a word | `start(k) = k (3 - k) / 2` | `pad(k) = k (k - 1)` |
//! |-------|---------------|---------------|----------------------------|----------------------|
//! | 0     | active (j<S)  | no            | 0                          | 0                    |
//! | 1     | active        | yes (12 \| j) | 1                          | 0                    |
//! | 2     | padding (j>=S)| yes           | 1                          | 2                    |
//! | 3     | padding       | no            | 0                          | 6                    |
//!
//! With `r_j = limb[2j] + 2^10 limb[2j+1]`, the gate `reading step` on rows with `q_read = 1`
//! (every even row `2j`, `j < N`):
//!
//! * `bill running sum`:        `bill[+2] - bill[0] - price[0] * r = 0`
//! * `energy running sum`:      `energy[+2] - energy[0] - r = 0`
//! * `packing`:                 `acc[+2] - (1 - start(kind[0])) * 2^20 * acc[0] - r = 0`
//! * `padding reading is zero`: `pad(kind[0]) * r = 0` (with both limbs in `0..2^10`, a
//!   padding slot's limbs are both zero)
//!
//! `start` marks the first slot of each word (every 12th), so `acc` restarts there and the
//! word of slots `12m .. 12m+11`, `w_m = sum_j r_{12m+j} 2^(20 (11-j))`, lands in `acc` at row
//! `24 (m+1)`; those cells are handed to the commitment hash. Lookup `limb range` on every row:
//! `limb[0]` in `0..2^10` (unused rows hold 0). Gate degree 4 (selector, `start`, `acc`).
//!
//! One fixed column for both flags, rather than a selector for padding slots: halo2 merges
//! simple selectors by the rows they share, which would make the constraint system itself
//! depend on the tariff; a fixed column keeps it the same for every tariff (only the two
//! columns' commitments differ), and the proof one evaluation shorter.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Region, Value},
    pasta::Fp,
    plonk::{
        Advice, Column, ConstraintSystem, Constraints, Error, Expression, Fixed, Selector,
        TableColumn,
    },
    poly::Rotation,
};

use crate::constants::{LIMB_BITS, READINGS_PER_WORD, READING_BITS};
use crate::encoding::fp_from_price;
use crate::tariff::TariffPrices;

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
    /// The tariff's price of each slot (even rows; zero for padding slots).
    pub price: Column<Fixed>,
    /// Each slot's kind (even rows; module docs): starts a word, padding slot.
    pub kind: Column<Fixed>,
    table: TableColumn,
    q_read: Selector,
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

    /// Lays out two rows per reading (a whole number of words of readings), with the
    /// tariff's prices and padding slots in the fixed columns.
    fn accumulate(
        &self,
        layouter: impl Layouter<Fp>,
        readings: &[Value<u32>],
        tariff: &TariffPrices,
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
    /// Configures the chip on the given advice columns and the tariff's fixed columns.
    ///
    /// Side effects: creates one lookup table column and the `limb range` lookup, the gates
    /// `reading step` and `padding slot`; enables equality on `acc`, `bill` and `energy`. The
    /// parent must enable a constant column (`meta.enable_constant`) for the zero initial sums.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        [limb, acc, bill, energy]: [Column<Advice>; 4],
        [price, kind]: [Column<Fixed>; 2],
    ) -> BillConfig {
        for column in [acc, bill, energy] {
            meta.enable_equality(column);
        }
        let table = meta.lookup_table_column();
        let q_read = meta.selector();

        meta.lookup(|meta| {
            let l = meta.query_advice(limb, Rotation::cur());
            vec![(l, table)]
        });

        meta.create_gate("reading step", |meta| {
            let q = meta.query_selector(q_read);
            let k = meta.query_fixed(kind);
            let lo = meta.query_advice(limb, Rotation::cur());
            let hi = meta.query_advice(limb, Rotation::next());
            let r = lo + hi * pow2(LIMB_BITS);
            let price = meta.query_fixed(price);
            let two = Rotation(2);
            let b = meta.query_advice(bill, Rotation::cur());
            let b_next = meta.query_advice(bill, two);
            let e = meta.query_advice(energy, Rotation::cur());
            let e_next = meta.query_advice(energy, two);
            let a = meta.query_advice(acc, Rotation::cur());
            let a_next = meta.query_advice(acc, two);
            // start(k) = k (3 - k) / 2 and pad(k) = k (k - 1): the table in the module docs.
            let half = Fp::from(2).invert().unwrap();
            let start = k.clone() * (Expression::Constant(Fp::from(3)) - k.clone()) * half;
            let pad = k.clone() * (k - Expression::Constant(Fp::ONE));
            let keep = Expression::Constant(Fp::ONE) - start;
            Constraints::with_selector(
                q,
                [
                    ("bill running sum", b_next - b - price * r.clone()),
                    ("energy running sum", e_next - e - r.clone()),
                    (
                        "packing",
                        a_next - keep * a * pow2(READING_BITS) - r.clone(),
                    ),
                    ("padding reading is zero", pad * r),
                ],
            )
        });
        BillConfig {
            limb,
            acc,
            bill,
            energy,
            price,
            kind,
            table,
            q_read,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: BillConfig) -> Self {
        BillChip { config }
    }
}

/// The witness of one slot: its reading's limbs and the running values after it (the cells of
/// row `2j + 2`). The chip computes it from the reading and the tariff's price; the circuit's
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
        tariff: &TariffPrices,
    ) -> Result<BillCells, Error> {
        check_len(readings.len(), tariff)?;
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
                    let price = Value::known(slot_price(tariff, slot));
                    let kept = if slot.is_multiple_of(READINGS_PER_WORD) {
                        Value::known(Fp::ZERO)
                    } else {
                        running.acc.value().copied()
                    };
                    let step = Step {
                        lo: limbs.map(|l| l[0]),
                        hi: limbs.map(|l| l[1]),
                        bill: running.bill.value().copied() + price * r,
                        energy: running.energy.value().copied() + r,
                        acc: kept * Value::known(pow2(READING_BITS)) + r,
                    };
                    running = self.assign_step(&mut region, slot, &step, tariff, running)?;
                }
                Ok(running.finish())
            },
        )
    }
}

/// Slot `slot`'s price as a field element: the tariff's, or 0 for a padding slot.
fn slot_price(tariff: &TariffPrices, slot: usize) -> Fp {
    tariff
        .prices()
        .get(slot)
        .map_or(Fp::ZERO, |&p| fp_from_price(p))
}

/// Slot `slot`'s kind (module docs): 0 or 1 for an active slot, 2 or 3 for a padding slot; 1
/// and 2 where a word starts.
fn slot_kind(tariff: &TariffPrices, slot: usize) -> Fp {
    let starts = slot.is_multiple_of(READINGS_PER_WORD);
    let kind: u64 = match (slot < tariff.slots(), starts) {
        (true, false) => 0,
        (true, true) => 1,
        (false, true) => 2,
        (false, false) => 3,
    };
    Fp::from(kind)
}

/// The region holds a whole, non-zero number of words of slots, at least the tariff's.
fn check_len(slots: usize, tariff: &TariffPrices) -> Result<(), Error> {
    if slots == 0 || !slots.is_multiple_of(READINGS_PER_WORD) || slots < tariff.slots() {
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

    /// Rows `2j` and `2j + 1` of slot `j` (witness, the tariff's price and padding flag),
    /// and the running cells of row `2j + 2`.
    fn assign_step(
        &self,
        region: &mut Region<'_, Fp>,
        slot: usize,
        step: &Step,
        tariff: &TariffPrices,
        running: Running,
    ) -> Result<Running, Error> {
        let config = &self.config;
        let row = 2 * slot;
        config.q_read.enable(region, row)?;
        let price = slot_price(tariff, slot);
        region.assign_fixed(|| "price", config.price, row, || Value::known(price))?;
        let kind = slot_kind(tariff, slot);
        region.assign_fixed(|| "kind", config.kind, row, || Value::known(kind))?;
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
        tariff: &TariffPrices,
    ) -> Result<BillCells, Error> {
        check_len(steps.len(), tariff)?;
        layouter.assign_region(
            || "bill",
            |mut region| {
                let mut running = self.start(&mut region)?;
                for (slot, step) in steps.iter().enumerate() {
                    running = self.assign_step(&mut region, slot, step, tariff, running)?;
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
