//! The bill circuit: one proof that `(C, B, E_in, E_out)` come from readings that open `C`,
//! under the tariff the keys were built for. See `docs/protocol.md` section "Circuit".
//!
//! Public inputs (one instance column, the statement):
//!
//! ```text
//! row 0  COMMITMENT     C
//! row 1  BILL           B
//! row 2  IMPORT_ENERGY  E_in
//! row 3  EXPORT_ENERGY  E_out (0 for a one-register size)
//! row 4  CONTEXT        hash of the signed statement and the tariff (binds the transcript)
//! ```
//!
//! The tariff (a signed price per reading and the slot kinds) is in fixed columns
//! ([`crate::tariff`]): the circuit value carries it even without a witness, so key
//! generation commits it in the verifying key.

use halo2_gadgets::poseidon::{
    primitives::{ConstantLength, P128Pow5T3},
    Hash, Pow5Chip, Pow5Config,
};
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, SimpleFloorPlanner, Value},
    pasta::Fp,
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance},
};

use crate::chip::{BillCells, BillChip, BillConfig, BillInstructions};
use crate::constants::{
    BILL, COMMITMENT, COMMITMENT_DOMAIN_TAG, CONTEXT, EXPORT_ENERGY, IMPORT_ENERGY,
};
use crate::primitives::layout_tag;
use crate::tariff::TariffPrices;

/// Poseidon width and rate used throughout.
const WIDTH: usize = 3;
const RATE: usize = 2;

/// Columns of the bill circuit.
#[derive(Clone, Debug)]
pub struct BillCircuitConfig {
    statement: Column<Instance>,
    state: [Column<Advice>; WIDTH],
    poseidon: Pow5Config<Fp, WIDTH, RATE>,
    bill: BillConfig,
}

/// The bill circuit for `W` words of readings (`9 W` readings: the size's registers one after
/// the other) under one tariff.
#[derive(Clone, Debug)]
pub struct BillCircuit<const W: usize> {
    readings: Vec<Value<u32>>,
    blinding: Value<Fp>,
    tariff: TariffPrices,
}

impl<const W: usize> BillCircuit<W> {
    /// The circuit with no witness (for key generation): only the tariff.
    pub fn blank(tariff: &TariffPrices) -> Self {
        BillCircuit {
            readings: vec![Value::unknown(); tariff.size().readings()],
            blinding: Value::unknown(),
            tariff: tariff.clone(),
        }
    }

    /// The circuit with its witness: the readings laid out as the circuit holds them (as
    /// [`crate::primitives::circuit_readings`] returns them) and the blinding value. Synthesis
    /// fails on any other length.
    pub fn new(readings: &[u32], blinding: Fp, tariff: &TariffPrices) -> Self {
        BillCircuit {
            readings: readings.iter().map(|&r| Value::known(r)).collect(),
            blinding: Value::known(blinding),
            tariff: tariff.clone(),
        }
    }
}

impl<const W: usize> Circuit<Fp> for BillCircuit<W> {
    type Config = BillCircuitConfig;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        Self::blank(&self.tariff)
    }

    /// Columns: 8 advice (4 Poseidon; the bill chip's `limb`, `acc`, `bill`, `energy`), 8
    /// fixed (6 Poseidon round constants, `rc_b[0]` doubling as the constant column; the
    /// tariff's `price` and `kind`), 1 lookup table, 1 instance (the statement). Enables
    /// equality on the statement column, the Poseidon state and the bill chip's `acc`, `bill`,
    /// `energy`.
    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        let state = [(); WIDTH].map(|_| meta.advice_column());
        let partial_sbox = meta.advice_column();
        let rc_a = [(); WIDTH].map(|_| meta.fixed_column());
        let rc_b = [(); WIDTH].map(|_| meta.fixed_column());
        meta.enable_constant(rc_b[0]);
        let poseidon = Pow5Chip::configure::<P128Pow5T3>(meta, state, partial_sbox, rc_a, rc_b);

        let statement = meta.instance_column();
        meta.enable_equality(statement);
        let bill_columns = [(); 4].map(|_| meta.advice_column());
        let tariff_columns = [(); 2].map(|_| meta.fixed_column());
        let bill = BillChip::configure(meta, bill_columns, tariff_columns);

        BillCircuitConfig {
            statement,
            state,
            poseidon,
            bill,
        }
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        if self.readings.len() != W * crate::constants::READINGS_PER_WORD {
            return Err(Error::Synthesis);
        }
        // 1. B, E and the packed words from the private readings and the tariff's prices.
        let bill_chip = BillChip::construct(config.bill.clone());
        let cells = bill_chip.accumulate(
            layouter.namespace(|| "bill and energy"),
            &self.readings,
            &self.tariff,
        )?;
        self.commit_and_expose(config, layouter, &bill_chip, cells)
    }
}

impl<const W: usize> BillCircuit<W> {
    /// The indices, among the fixed columns of the verifying key, of the tariff's two columns
    /// (`price`, `kind`): the only fixed commitments that differ between tariffs.
    pub(crate) fn tariff_fixed_columns() -> [usize; 2] {
        let mut meta = ConstraintSystem::default();
        let config = Self::configure(&mut meta);
        [config.bill.price, config.bill.kind].map(fixed_index)
    }

    /// Everything after the bill region: the limb table, `B` and `E` and the context exposed,
    /// and `C` computed from the very word cells of the bill region.
    pub(crate) fn commit_and_expose(
        &self,
        config: BillCircuitConfig,
        mut layouter: impl Layouter<Fp>,
        bill_chip: &BillChip,
        cells: BillCells,
    ) -> Result<(), Error> {
        bill_chip.load_table(layouter.namespace(|| "limb range table"))?;
        layouter.constrain_instance(cells.bill.cell(), config.statement, BILL)?;
        layouter.constrain_instance(cells.import_energy.cell(), config.statement, IMPORT_ENERGY)?;
        layouter.constrain_instance(cells.export_energy.cell(), config.statement, EXPORT_ENERGY)?;

        // 2. The context hash enters the permutation argument (and so the transcript binding).
        layouter.assign_region(
            || "context",
            |mut region| {
                region.assign_advice_from_instance(
                    || "context",
                    config.statement,
                    CONTEXT,
                    config.bill.energy,
                    0,
                )
            },
        )?;

        // 3. h = Poseidon_W(words), using the very word cells of the bill region.
        let words: [AssignedCell<Fp, Fp>; W] =
            cells.words.try_into().map_err(|_| Error::Synthesis)?;
        let digest = Hash::<_, _, P128Pow5T3, ConstantLength<W>, WIDTH, RATE>::init(
            Pow5Chip::construct(config.poseidon.clone()),
            layouter.namespace(|| "init readings digest"),
        )?
        .hash(layouter.namespace(|| "readings digest"), words)?;

        // 4. C = Poseidon_4(TAG, layout, h, blinding).
        let layout = layout_tag(self.tariff.size());
        let (tag, layout, blinding) = layouter.assign_region(
            || "commitment inputs",
            |mut region| {
                let tag = region.assign_advice_from_constant(
                    || "domain tag",
                    config.state[0],
                    0,
                    Fp::from(COMMITMENT_DOMAIN_TAG),
                )?;
                let layout = region.assign_advice_from_constant(
                    || "register layout",
                    config.state[1],
                    0,
                    Fp::from(layout),
                )?;
                let blinding =
                    region.assign_advice(|| "blinding", config.state[2], 0, || self.blinding)?;
                Ok((tag, layout, blinding))
            },
        )?;
        let commitment = Hash::<_, _, P128Pow5T3, ConstantLength<4>, WIDTH, RATE>::init(
            Pow5Chip::construct(config.poseidon.clone()),
            layouter.namespace(|| "init commitment"),
        )?
        .hash(
            layouter.namespace(|| "commitment"),
            [tag, layout, digest, blinding],
        )?;
        layouter.constrain_instance(commitment.cell(), config.statement, COMMITMENT)
    }
}

/// A fixed column's index. halo2 0.4 keeps `Column::index` private; its `Debug` form
/// (`Column { index: 6, column_type: Fixed }`) carries it. A form without it gives
/// `usize::MAX`, which masks nothing, so no key would match its pinned shape.
fn fixed_index(column: Column<Fixed>) -> usize {
    let text = format!("{column:?}");
    text.split_once("index: ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests;
