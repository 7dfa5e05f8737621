//! The bill chip: range-checked readings, their packing into words for the commitment hash,
//! and the running sums of `price * reading` (the bill) and of `reading` (the energy of each
//! register).
//!
//! Two rows per reading. A reading `r = l0 + 2^10 l1 + 2^20 (t0 + 4 t1 + 16 t2)` is two
//! 10-bit limbs in the `limb` column (rows `2j` and `2j + 1`), each checked by the lookup
//! `limb range` against the table `0..2^10`, and three 2-bit top pieces in the otherwise
//! unused cells of row `2j + 1` of `acc`, `bill` and `energy`, each checked by a polynomial
//! (`t (t-1) (t-2) (t-3) = 0`). So `r < 2^26` and the packing below is injective
//! (docs/protocol.md "Circuit"). The readings are the import register's `N` slots, then, for
//! a two-register size, the export register's `N`. The tariff is in two fixed columns,
//! committed in the verifying key of (size, tariff) ([`crate::tariff`]): `price` holds each
//! reading's signed price (an export slot's credit negated), `kind` says whether a reading
//! starts a word, starts the export register, or is a padding slot.
//!
//! ```text
//! | row    | limb  | acc     | bill  | energy  | price (fixed) | kind (fixed) | q_read |
//! |--------|-------|---------|-------|---------|---------------|--------------|--------|
//! | 0      | l0_0  | 0       | 0 (c) | 0 (c)   | p_0           | k_0          |   1    |
//! | 1      | l1_0  | t0_0    | t1_0  | t2_0    | 0             | 0            |   0    |
//! | 2      | l0_1  | a_1     | b_1   | e_1     | p_1           | k_1          |   1    |
//! | ...    | ...   | ...     | ...   | ...     | ...           | ...          |  ...   |
//! | 2N     | l0_N  | a_N     | b_N   | E_in    | -x_0          | 4 (ie)       |   1    |
//! | ...    | ...   | ...     | ...   | ...     | ...           | ...          |  ...   |
//! | 2RN    |       | w_last  | B     | E_last  |               |              |   0    |
//! ```
//! `(c)`: constrained equal to the constant 0. `R` is the number of registers. Row `2j` holds
//! the running values *before* reading `j`. `k_j` encodes three facts of reading `j`:
//!
//! | `k_j` | reading                          | `start(k)` | `pad(k)` | `restart(k)` |
//! |-------|----------------------------------|------------|----------|--------------|
//! | 0     | active, inside a word            | 0          | 0        | 0            |
//! | 1     | active, starts a word (9 \| j)   | 1          | 0        | 0            |
//! | 2     | padding, starts a word           | 1          | -4       | 0            |
//! | 3     | padding, inside a word           | 0          | -6       | 0            |
//! | 4     | first export slot (starts a word)| 1          | 0        | 1            |
//!
//! with `start(k) = k (3 - k) / 2 + k (k-1) (k-2) (k-3) / 8`, `pad(k) = k (k-1) (k-4)` and
//! `restart(k) = k (k-1) (k-2) (k-3) / 24`. With `r_j = limb[0] + 2^10 limb[1] + 2^20
//! (acc[1] + 4 bill[1] + 16 energy[1])`, the gate `reading step` on rows with `q_read = 1`
//! (every even row `2j`, `j < RN`):
//!
//! * `bill running sum`:        `bill[+2] - bill[0] - price[0] * r = 0`
//! * `energy running sum`:      `energy[+2] - (1 - restart(kind[0])) * energy[0] - r = 0`
//! * `packing`:                 `acc[+2] - (1 - start(kind[0])) * 2^26 * acc[0] - r = 0`
//! * `padding reading is zero`: `pad(kind[0]) * r = 0` (with both limbs in `0..2^10` and the
//!   pieces in `0..4`, a padding slot's limbs and pieces are all zero)
//! * `top piece 0..2 in 0..4`:  `t (t - 1) (t - 2) (t - 3) = 0` for each piece `t`
//!
//! `start` marks the first reading of each word (every 9th), so `acc` restarts there and the
//! word of readings `9m .. 9m+8`, `w_m = sum_j r_{9m+j} 2^(26 (8-j))`, lands in `acc` at row
//! `18 (m+1)`; those cells are handed to the commitment hash. `restart` marks the export
//! register's first slot: the energy cell of row `2N` keeps the import energy, and the sum
//! starts again for the export energy. Lookup `limb range` on every row: `limb[0]` in
//! `0..2^10` (unused rows hold 0). Gate degree 6 (selector, `start` or `restart`, `acc`).
//!
//! One fixed column for all flags, rather than selectors: halo2 merges simple selectors by
//! the rows they share, which would make the constraint system itself depend on the tariff;
//! a fixed column keeps it the same for every tariff (only the two columns' commitments
//! differ).

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

use crate::constants::{LIMB_BITS, READINGS_PER_WORD, READING_BITS, TOP_PIECES, TOP_PIECE_BITS};
use crate::encoding::fp_from_price;
use crate::tariff::TariffPrices;

/// Columns, selectors and lookup table of the bill chip.
#[derive(Clone, Debug)]
pub struct BillConfig {
    /// Reading limbs, two rows per reading (low limb first).
    pub limb: Column<Advice>,
    /// Packing accumulator (even rows): restarts at every word, holds the word after its last
    /// reading; top piece 0 (odd rows).
    pub acc: Column<Advice>,
    /// Running bill (even rows); top piece 1 (odd rows).
    pub bill: Column<Advice>,
    /// Running energy (even rows; restarts at the export register); top piece 2 (odd rows).
    pub energy: Column<Advice>,
    /// The tariff's signed price of each reading (zero for padding slots).
    pub price: Column<Fixed>,
    /// Each reading's kind (module docs): starts a word, padding slot, starts the export
    /// register.
    pub kind: Column<Fixed>,
    table: TableColumn,
    q_read: Selector,
}

/// The cells a bill computation hands back.
#[derive(Debug)]
pub struct BillCells {
    /// The packed reading words, in order (to feed to the commitment hash).
    pub words: Vec<AssignedCell<Fp, Fp>>,
    /// The final bill `B` (negative as `p - |B|`).
    pub bill: AssignedCell<Fp, Fp>,
    /// The import energy `E_in`.
    pub import_energy: AssignedCell<Fp, Fp>,
    /// The export energy `E_out`: the final energy of a two-register layout, the constant-0
    /// initial energy of a one-register one.
    pub export_energy: AssignedCell<Fp, Fp>,
}

/// What the bill chip can do.
pub trait BillInstructions {
    /// Loads the limb range table (once per circuit).
    fn load_table(&self, layouter: impl Layouter<Fp>) -> Result<(), Error>;

    /// Lays out two rows per reading (the size's whole layout of registers), with the
    /// tariff's prices and slot kinds in the fixed columns.
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

/// `x` as a constant expression.
fn constant(x: u64) -> Expression<Fp> {
    Expression::Constant(Fp::from(x))
}

impl BillChip {
    /// Configures the chip on the given advice columns and the tariff's fixed columns.
    ///
    /// Side effects: creates one lookup table column and the `limb range` lookup, the gate
    /// `reading step`; enables equality on `acc`, `bill` and `energy`. The parent must enable a
    /// constant column (`meta.enable_constant`) for the zero initial sums.
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
            let (cur, next, two) = (Rotation::cur(), Rotation::next(), Rotation(2));
            let pieces = [acc, bill, energy].map(|c| meta.query_advice(c, next));
            let top = pieces
                .iter()
                .enumerate()
                .map(|(i, t)| t.clone() * pow2(TOP_PIECE_BITS * i as u32))
                .reduce(|a, b| a + b)
                .expect("three pieces");
            let r = meta.query_advice(limb, cur)
                + meta.query_advice(limb, next) * pow2(LIMB_BITS)
                + top * pow2(2 * LIMB_BITS);
            let price = meta.query_fixed(price);
            let b = meta.query_advice(bill, cur);
            let b_next = meta.query_advice(bill, two);
            let e = meta.query_advice(energy, cur);
            let e_next = meta.query_advice(energy, two);
            let a = meta.query_advice(acc, cur);
            let a_next = meta.query_advice(acc, two);
            // The three indicator polynomials of the table in the module docs.
            let k1 = k.clone() * (k.clone() - constant(1));
            let k0123 = k1.clone() * (k.clone() - constant(2)) * (k.clone() - constant(3));
            let half = Fp::from(2).invert().unwrap();
            let eighth = Fp::from(8).invert().unwrap();
            let twenty_fourth = Fp::from(24).invert().unwrap();
            let start = k.clone() * (constant(3) - k.clone()) * half + k0123.clone() * eighth;
            let pad = k1 * (k - constant(4));
            let restart = k0123 * twenty_fourth;
            let [t0, t1, t2] = pieces.map(|t| {
                t.clone()
                    * (t.clone() - constant(1))
                    * (t.clone() - constant(2))
                    * (t - constant(3))
            });
            Constraints::with_selector(
                q,
                [
                    ("bill running sum", b_next - b - price * r.clone()),
                    (
                        "energy running sum",
                        e_next - (constant(1) - restart) * e - r.clone(),
                    ),
                    (
                        "packing",
                        a_next - (constant(1) - start) * a * pow2(READING_BITS) - r.clone(),
                    ),
                    ("padding reading is zero", pad * r),
                    ("top piece 0 in 0..4", t0),
                    ("top piece 1 in 0..4", t1),
                    ("top piece 2 in 0..4", t2),
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

/// The witness of one reading: its limbs and top pieces, and the running values after it (the
/// cells of row `2j + 2`). The chip computes it from the reading and the tariff's price; the circuit's
/// negative tests build their own and lay it out with the same assignment code.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    /// The reading's two limbs, low first.
    pub limbs: [Value<Fp>; 2],
    /// The reading's top pieces (bits 20-21, 22-23, 24-25).
    pub top: [Value<Fp>; TOP_PIECES],
    /// Running bill after the reading.
    pub bill: Value<Fp>,
    /// Running energy after the reading.
    pub energy: Value<Fp>,
    /// Packing accumulator after the reading.
    pub acc: Value<Fp>,
}

/// The running cells while the region is laid out, and what was kept so far.
struct Running {
    bill: AssignedCell<Fp, Fp>,
    energy: AssignedCell<Fp, Fp>,
    acc: AssignedCell<Fp, Fp>,
    zero_energy: AssignedCell<Fp, Fp>,
    import_energy: Option<AssignedCell<Fp, Fp>>,
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
        layouter.assign_region(
            || "bill",
            |mut region| {
                let mut running = self.start(&mut region)?;
                for (i, reading) in readings.iter().enumerate() {
                    let parts = reading.map(split_reading);
                    let r = reading.map(|r| Fp::from(u64::from(r)));
                    let price = Value::known(fp_from_price(tariff.signed_price(i)));
                    let kind = slot_kind(tariff, i);
                    let kept_acc = if starts_word(kind) {
                        Value::known(Fp::ZERO)
                    } else {
                        running.acc.value().copied()
                    };
                    let kept_energy = if kind == KIND_EXPORT_START {
                        Value::known(Fp::ZERO)
                    } else {
                        running.energy.value().copied()
                    };
                    let step = Step {
                        limbs: [0, 1].map(|l| parts.map(|p| p[l])),
                        top: [2, 3, 4].map(|t| parts.map(|p| p[t])),
                        bill: running.bill.value().copied() + price * r,
                        energy: kept_energy + r,
                        acc: kept_acc * Value::known(pow2(READING_BITS)) + r,
                    };
                    running = self.assign_step(&mut region, i, &step, tariff, running)?;
                }
                running.finish()
            },
        )
    }
}

/// A reading's two limbs and three top pieces, as field elements.
fn split_reading(r: u32) -> [Fp; 5] {
    let limb = |shift: u32, bits: u32| Fp::from(u64::from((r >> shift) & ((1 << bits) - 1)));
    let (l, t) = (LIMB_BITS, TOP_PIECE_BITS);
    [
        limb(0, l),
        limb(l, l),
        limb(2 * l, t),
        limb(2 * l + t, t),
        limb(2 * l + 2 * t, t),
    ]
}

/// The kind of the first export slot.
const KIND_EXPORT_START: u64 = 4;

/// Whether a reading of `kind` starts a word.
fn starts_word(kind: u64) -> bool {
    matches!(kind, 1 | 2 | KIND_EXPORT_START)
}

/// Reading `i`'s kind (module docs).
fn slot_kind(tariff: &TariffPrices, i: usize) -> u64 {
    let capacity = tariff.size().capacity();
    let (register, slot) = (i / capacity, i % capacity);
    let starts = i.is_multiple_of(READINGS_PER_WORD);
    match (slot < tariff.slots(), starts) {
        (true, true) if register > 0 && slot == 0 => KIND_EXPORT_START,
        (true, false) => 0,
        (true, true) => 1,
        (false, true) => 2,
        (false, false) => 3,
    }
}

/// The region holds exactly the size's readings.
fn check_len(readings: usize, tariff: &TariffPrices) -> Result<(), Error> {
    if readings != tariff.size().readings() {
        return Err(Error::Synthesis);
    }
    Ok(())
}

impl BillChip {
    /// Row 0: the running bill and energy start at the constant 0, the accumulator at 0.
    fn start(&self, region: &mut Region<'_, Fp>) -> Result<Running, Error> {
        let config = &self.config;
        let energy =
            region.assign_advice_from_constant(|| "energy_0", config.energy, 0, Fp::ZERO)?;
        Ok(Running {
            bill: region.assign_advice_from_constant(|| "bill_0", config.bill, 0, Fp::ZERO)?,
            zero_energy: energy.clone(),
            energy,
            acc: region.assign_advice(|| "acc_0", config.acc, 0, || Value::known(Fp::ZERO))?,
            import_energy: None,
            words: Vec::new(),
        })
    }

    /// Rows `2i` and `2i + 1` of reading `i` (witness, the tariff's price and kind), and the
    /// running cells of row `2i + 2`.
    fn assign_step(
        &self,
        region: &mut Region<'_, Fp>,
        i: usize,
        step: &Step,
        tariff: &TariffPrices,
        mut running: Running,
    ) -> Result<Running, Error> {
        let config = &self.config;
        let row = 2 * i;
        config.q_read.enable(region, row)?;
        let price = fp_from_price(tariff.signed_price(i));
        region.assign_fixed(|| "price", config.price, row, || Value::known(price))?;
        let kind = slot_kind(tariff, i);
        region.assign_fixed(|| "kind", config.kind, row, || Value::known(Fp::from(kind)))?;
        if kind == KIND_EXPORT_START {
            running.import_energy = Some(running.energy.clone());
        }
        region.assign_advice(|| "l0", config.limb, row, || step.limbs[0])?;
        region.assign_advice(|| "l1", config.limb, row + 1, || step.limbs[1])?;
        for (t, (&column, value)) in [config.acc, config.bill, config.energy]
            .iter()
            .zip(step.top)
            .enumerate()
        {
            region.assign_advice(|| format!("t{t}"), column, row + 1, || value)?;
        }
        let next = row + 2;
        let bill = region.assign_advice(|| "bill", config.bill, next, || step.bill)?;
        let energy = region.assign_advice(|| "energy", config.energy, next, || step.energy)?;
        let acc = region.assign_advice(|| "acc", config.acc, next, || step.acc)?;
        if (i + 1).is_multiple_of(READINGS_PER_WORD) {
            running.words.push(acc.clone());
        }
        Ok(Running {
            bill,
            energy,
            acc,
            ..running
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
                for (i, step) in steps.iter().enumerate() {
                    running = self.assign_step(&mut region, i, step, tariff, running)?;
                }
                running.finish()
            },
        )
    }
}

impl Running {
    /// The cells handed back: a two-register layout kept the import energy at the export
    /// register's start; a one-register layout's export energy is the constant-0 start.
    fn finish(self) -> Result<BillCells, Error> {
        let (import_energy, export_energy) = match self.import_energy {
            Some(import) => (import, self.energy),
            None => (self.energy, self.zero_energy),
        };
        Ok(BillCells {
            words: self.words,
            bill: self.bill,
            import_energy,
            export_energy,
        })
    }
}

/// Reading `i`'s kind as a field element (for tests that check the table).
#[cfg(test)]
pub(crate) fn kind_of(tariff: &TariffPrices, i: usize) -> u64 {
    slot_kind(tariff, i)
}
