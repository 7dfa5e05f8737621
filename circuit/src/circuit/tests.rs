use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::{FailureLocation, MockProver, VerifyFailure},
    pasta::Fp,
    plonk::{Circuit, ConstraintSystem, Error},
};
use proptest::prelude::*;

use super::*;
use crate::chip::bill::Step;
use crate::constants::{
    DAY_15MIN, DAY_15MIN_WORDS, LIMB_BITS, MAX_ABS_PRICE, MAX_READING_WH, MONTH_15MIN_WORDS,
    MONTH_30MIN_WORDS, READING_BITS, STATEMENT_ROWS,
};
use crate::primitives as native;
use crate::proof::PublicInputs;
use crate::size::CircuitSize;

const W: usize = DAY_15MIN_WORDS;
const N: usize = DAY_15MIN;
const K: u32 = 11;

fn tariff(prices: &[i64]) -> TariffPrices {
    TariffPrices::new(CircuitSize::Day15Min, prices).unwrap()
}

/// The instance column of a statement: `C` over `readings` (padded with zeros), `B`, `E`.
fn statement(readings: &[u32], bill: i128, energy_wh: u64, blinding: Fp) -> Vec<Vec<Fp>> {
    let public = PublicInputs {
        size: CircuitSize::Day15Min,
        commitment: native::commitment(CircuitSize::Day15Min, readings, blinding).unwrap(),
        bill,
        energy_wh,
        context: Fp::from(0xc0ffee_u64),
    };
    public.to_instance().columns().to_vec()
}

/// The circuit (under the tariff of `prices`) and the instance an honest plugin would produce.
fn honest(readings: &[u32], prices: &[i64], blinding: Fp) -> (BillCircuit<W>, Vec<Vec<Fp>>) {
    let (bill, energy_wh) = native::bill(prices, readings).unwrap();
    let padded = native::padded_readings::<W>(readings).unwrap();
    let circuit = BillCircuit::<W>::new(&padded, blinding, &tariff(prices));
    (circuit, statement(readings, bill, energy_wh, blinding))
}

fn sample() -> (Vec<u32>, Vec<i64>) {
    let readings: Vec<u32> = (0..N as u32).map(|i| (i * 37) % 900 + 1).collect();
    let prices: Vec<i64> = (0..N as i64)
        .map(|i| (i * 7919) % 400_000 - 60_000)
        .collect();
    (readings, prices)
}

fn run<C: Circuit<Fp>>(circuit: &C, instance: &[Vec<Fp>]) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(K, circuit, instance.to_vec())
        .unwrap()
        .verify()
}

/// One cell of a cheating prover's bill-region witness, replaced; the running values after it
/// follow the forged one, as a cheating prover's would.
#[derive(Clone, Copy, Debug)]
enum Tamper {
    /// The two limbs of slot `j`'s reading (the reading is what they encode).
    Limbs(usize, Fp, Fp),
    /// The running bill before slot `j` (row `2j`, `1 <= j <= N`).
    Bill(usize, Fp),
    /// The running energy before slot `j` (row `2j`).
    Energy(usize, Fp),
    /// The packing accumulator before slot `j` (row `2j`).
    Acc(usize, Fp),
}

/// The bill region's witness computed natively, exactly as the chip computes it from the
/// readings and the tariff's prices (padding slots: price 0), with `tamper` applied.
fn steps(readings: &[u32], prices: &[i64], tamper: Option<Tamper>) -> Vec<Step> {
    let padded = native::padded_readings::<W>(readings).unwrap();
    let (mut bill, mut energy, mut acc) = (Fp::ZERO, Fp::ZERO, Fp::ZERO);
    let limb = Fp::from(1u64 << LIMB_BITS);
    let mut out = Vec::with_capacity(N);
    for (slot, &r) in padded.iter().enumerate() {
        let (mut lo, mut hi) = (
            Fp::from(u64::from(r & ((1 << LIMB_BITS) - 1))),
            Fp::from(u64::from(r >> LIMB_BITS)),
        );
        if let Some(Tamper::Limbs(s, l, h)) = tamper {
            if s == slot {
                (lo, hi) = (l, h);
            }
        }
        let r = lo + hi * limb;
        let price = prices.get(slot).copied().unwrap_or(0);
        let kept = if slot.is_multiple_of(READINGS_PER_WORD) {
            Fp::ZERO
        } else {
            acc
        };
        bill += crate::encoding::fp_from_price(price) * r;
        energy += r;
        acc = kept * Fp::from(1u64 << READING_BITS) + r;
        match tamper {
            Some(Tamper::Bill(s, v)) if s == slot + 1 => bill = v,
            Some(Tamper::Energy(s, v)) if s == slot + 1 => energy = v,
            Some(Tamper::Acc(s, v)) if s == slot + 1 => acc = v,
            _ => {}
        }
        out.push(Step {
            lo: Value::known(lo),
            hi: Value::known(hi),
            bill: Value::known(bill),
            energy: Value::known(energy),
            acc: Value::known(acc),
        });
    }
    out
}

/// The bill circuit with a planted bill-region witness: the same columns, gates and layout
/// (`BillCircuit::configure`, `BillChip::assign_steps`, `commit_and_expose`), so a failure is
/// exactly what the production circuit would report for that witness.
struct Tampered {
    circuit: BillCircuit<W>,
    steps: Vec<Step>,
}

impl Tampered {
    fn new(readings: &[u32], prices: &[i64], blinding: Fp, tamper: Option<Tamper>) -> Self {
        let padded = native::padded_readings::<W>(readings).unwrap();
        Tampered {
            circuit: BillCircuit::new(&padded, blinding, &tariff(prices)),
            steps: steps(readings, prices, tamper),
        }
    }
}

impl Circuit<Fp> for Tampered {
    type Config = BillCircuitConfig;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        Tampered {
            circuit: BillCircuit::blank(&self.circuit.tariff),
            steps: self.steps.clone(),
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        BillCircuit::<W>::configure(meta)
    }

    fn synthesize(&self, config: Self::Config, layouter: impl Layouter<Fp>) -> Result<(), Error> {
        let mut layouter = layouter;
        let chip = BillChip::construct(config.bill.clone());
        let cells = chip.assign_steps(
            layouter.namespace(|| "bill and energy"),
            &self.steps,
            &self.circuit.tariff,
        )?;
        self.circuit
            .commit_and_expose(config, layouter, &chip, cells)
    }
}

/// A failure list in a compact, exact form: kind, constraint or column, and where. Tests
/// compare the whole list, so any new or missing failure is a visible diff.
fn summary(result: Result<(), Vec<VerifyFailure>>) -> Vec<String> {
    let Err(failures) = result else {
        return vec![];
    };
    failures
        .iter()
        .map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint,
                location,
                ..
            } => format!("{constraint} {}", place(location)),
            VerifyFailure::Lookup {
                lookup_index,
                location,
            } => format!("lookup {lookup_index} {}", place(location)),
            VerifyFailure::Permutation { column, location } => {
                let column = format!("{column:?}")
                    .replace("Column { column_type: ", "")
                    .replace(", index: ", " ")
                    .replace(" }", "");
                format!("copy {column} {}", place(location))
            }
            other => format!("{other}"),
        })
        .collect()
}

fn place(location: &FailureLocation) -> String {
    match location {
        FailureLocation::InRegion { region, offset } => format!("in {region} at {offset}"),
        FailureLocation::OutsideRegion { row } => format!("outside regions at row {row}"),
    }
}

#[test]
fn honest_witness_passes() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
}

/// The honest witness through the test circuit: no failure, so each corruption below is all
/// that differs.
#[test]
fn honest_steps_pass_through_the_test_circuit() {
    let (readings, prices) = sample();
    let (_, instance) = honest(&readings, &prices, Fp::from(99u64));
    let planted = Tampered::new(&readings, &prices, Fp::from(99u64), None);
    assert_eq!(run(&planted, &instance), Ok(()));
}

/// On the sample period: the honest circuit passes, then the witness with `tamper` fails with
/// exactly `expected`, the whole failure list in order.
fn sample_tampered_fails_with(tamper: Tamper, expected: &[&str]) {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
    let planted = Tampered::new(&readings, &prices, Fp::from(99u64), Some(tamper));
    assert_eq!(summary(run(&planted, &instance)), expected);
}

#[test]
fn corrupted_running_bill_fails_the_bill_constraint_on_both_sides() {
    // The sum is broken once (slot 4 -> 5, rows 8 -> 10); the cheat then carries on from the
    // forged value, so the final B no longer matches the public one either.
    sample_tampered_fails_with(
        Tamper::Bill(5, Fp::from(12345u64)),
        &[
            "Constraint 0 ('bill running sum') in gate 3 ('reading step') in Region 0 ('bill') at 8",
            // Both ends of the copy of B: the public row and the last bill cell.
            "copy Instance 0 outside regions at row 1",
            "copy Advice 6 in Region 0 ('bill') at 216",
        ],
    );
}

#[test]
fn corrupted_running_energy_fails_the_energy_constraint() {
    sample_tampered_fails_with(
        Tamper::Energy(N, Fp::from(1u64)),
        &[
            "Constraint 1 ('energy running sum') in gate 3 ('reading step') in Region 0 ('bill') at 214",
            "copy Instance 0 outside regions at row 2",
            "copy Advice 7 in Region 0 ('bill') at 216",
        ],
    );
}

#[test]
fn corrupted_packing_accumulator_fails_the_packing_constraint() {
    // Slot 3 lies inside the first word: the forged accumulator breaks `packing` at slot 2,
    // and the first word, hashed into C, is no longer the honest one.
    sample_tampered_fails_with(
        Tamper::Acc(3, Fp::from(7u64)),
        &[
            "Constraint 2 ('packing') in gate 3 ('reading step') in Region 0 ('bill') at 4",
            // Both ends of the copy of C: the commitment hash's output and the public row.
            "copy Advice 0 in Region 19 ('permute state') at 36",
            "copy Instance 0 outside regions at row 0",
        ],
    );
}

#[test]
fn changed_reading_breaks_the_commitment_and_the_bill() {
    // A cheating prover changes one reading (valid limbs) and recomputes the running sums and
    // the word consistently: every gate and lookup holds, but the hash no longer opens C, and
    // B and E no longer match.
    sample_tampered_fails_with(
        Tamper::Limbs(10, Fp::from(5u64), Fp::ZERO),
        &[
            "copy Advice 0 in Region 19 ('permute state') at 36",
            "copy Instance 0 outside regions at row 0",
            "copy Instance 0 outside regions at row 1",
            "copy Instance 0 outside regions at row 2",
            "copy Advice 6 in Region 0 ('bill') at 216",
            "copy Advice 7 in Region 0 ('bill') at 216",
        ],
    );
}

#[test]
fn carry_between_packed_readings_is_caught_by_the_limb_range_lookup() {
    // Readings r_0 = 5, r_1 = 7 pack to the same word as r_0' = 4, r_1' = 7 + 2^20. A prover
    // that could encode r_1' would keep C and shift B by (p_1 - p_0) per unit. The high limb
    // of r_1' is 7 >> 10 + 2^10 = 2^10: out of the table.
    let mut readings = vec![0u32; N];
    readings[0] = 5;
    readings[1] = 7;
    let mut prices = vec![1_000; N];
    prices[1] = 2_000;
    let (circuit, instance) = honest(&readings, &prices, Fp::from(3u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // The forged vector packs to the honest word: the commitment still opens.
    let shift = Fp::from(1u64 << READING_BITS);
    assert_eq!(
        Fp::from(4u64) * shift + Fp::from(7u64) + shift,
        Fp::from(5u64) * shift + Fp::from(7u64)
    );
    let mut forged_readings = readings.clone();
    forged_readings[0] = 4;
    let forged = Tamper::Limbs(1, Fp::from(7u64), Fp::from(1u64 << LIMB_BITS));
    let planted = Tampered::new(&forged_readings, &prices, Fp::from(3u64), Some(forged));
    // Only the range check stops this cheat: C still opens (no copy of it fails), while B and
    // E, which are public, no longer match the honest ones (each copy fails at both ends).
    assert_eq!(
        summary(run(&planted, &instance)),
        [
            "lookup 0 in Region 0 ('bill') at 3",
            "copy Instance 0 outside regions at row 1",
            "copy Instance 0 outside regions at row 2",
            "copy Advice 6 in Region 0 ('bill') at 216",
            "copy Advice 7 in Region 0 ('bill') at 216",
        ]
    );
}

#[test]
fn wrong_public_bill_energy_or_commitment_fail() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // A changed C, B or E breaks the copy to that very cell (both ends fail: the public row
    // and the cell it is copied from).
    let c = [
        "copy Advice 0 in Region 19 ('permute state') at 36",
        "copy Instance 0 outside regions at row 0",
    ];
    for (row, expected) in [(COMMITMENT, c), (BILL, BILL_COPY), (ENERGY, ENERGY_COPY)] {
        let mut bad = instance.clone();
        bad[0][row] += Fp::ONE;
        assert_eq!(summary(run(&circuit, &bad)), expected, "row {row}");
    }
}

/// Both ends of the copy of `B`: the public row and the last bill cell.
const BILL_COPY: [&str; 2] = [
    "copy Instance 0 outside regions at row 1",
    "copy Advice 6 in Region 0 ('bill') at 216",
];
/// Both ends of the copy of `E`.
const ENERGY_COPY: [&str; 2] = [
    "copy Instance 0 outside regions at row 2",
    "copy Advice 7 in Region 0 ('bill') at 216",
];

#[test]
fn the_statement_of_one_tariff_fails_under_another() {
    // The tariff is in fixed columns: the same readings and statement under a tariff with one
    // price changed (first slot, last slot) compute another B. (Real keys of two tariffs differ
    // in those columns' commitments, so a proof of one never verifies under the other:
    // `tests/proof.rs`.)
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
    for slot in [0, N - 1] {
        let mut other = prices.clone();
        other[slot] += 1;
        let padded = native::padded_readings::<W>(&readings).unwrap();
        let under_other = BillCircuit::<W>::new(&padded, Fp::from(99u64), &tariff(&other));
        assert_eq!(
            summary(run(&under_other, &instance)),
            BILL_COPY,
            "slot {slot}"
        );
    }
}

#[test]
fn nonzero_padding_reading_fails_the_padding_constraint() {
    // A frame of 24 slots in a circuit of 108: slots 24.. are padding. Honest: passes.
    let readings: Vec<u32> = (0..24).map(|i| 100 + i).collect();
    let prices = vec![250_000i64; 24];
    let blinding = Fp::from(5u64);
    let (circuit, instance) = honest(&readings, &prices, blinding);
    assert_eq!(run(&circuit, &instance), Ok(()));

    // A meter that commits a nonzero reading in padding slot 30 (so C opens to it), and a
    // prover that carries it through B (a padding slot's price is 0), E and the packing: every
    // other constraint and copy holds; the padding constraint alone stops it. (Before padding
    // slots were forced to zero, such a slot was priced at -2^31 per unit: a huge credit.)
    let mut forged = readings.clone();
    forged.resize(31, 0);
    forged[30] = 7;
    let (bill, energy_wh) = native::bill(&prices, &readings).unwrap();
    let forged_instance = statement(&forged, bill, energy_wh + 7, blinding);
    let planted = Tampered {
        circuit: BillCircuit::new(
            &native::padded_readings::<W>(&forged).unwrap(),
            blinding,
            &tariff(&prices),
        ),
        steps: steps(&forged, &prices, None),
    };
    assert_eq!(
        summary(run(&planted, &forged_instance)),
        ["Constraint 3 ('padding reading is zero') in gate 3 ('reading step') in Region 0 ('bill') at 60"]
    );
    // The same reading in the last active slot instead is an honest period.
    let mut last = readings.clone();
    last[23] += 7;
    let (circuit, instance) = honest(&last, &prices, blinding);
    assert_eq!(run(&circuit, &instance), Ok(()));
}

#[test]
fn wrong_blinding_does_not_open_the_commitment() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
    let other = BillCircuit::<W>::new(
        &native::padded_readings::<W>(&readings).unwrap(),
        Fp::from(100u64),
        &tariff(&prices),
    );
    assert_eq!(
        summary(run(&other, &instance)),
        [
            "copy Advice 0 in Region 19 ('permute state') at 36",
            "copy Instance 0 outside regions at row 0",
        ]
    );
}

#[test]
fn boundary_values_bill_exactly() {
    let blinding = -Fp::ONE; // p - 1, the largest blinding value
    let max = vec![MAX_READING_WH; N];
    for prices in [vec![MAX_ABS_PRICE; N], vec![-MAX_ABS_PRICE; N], vec![0; N]] {
        let (circuit, instance) = honest(&max, &prices, blinding);
        assert_eq!(run(&circuit, &instance), Ok(()));
    }
    let (circuit, instance) = honest(&[0; N], &[MAX_ABS_PRICE; N], Fp::ZERO);
    assert_eq!(run(&circuit, &instance), Ok(()));
    // A frame shorter than the capacity: padding slots are zero readings, their prices 0.
    let (circuit, instance) = honest(&[MAX_READING_WH; 24], &[-MAX_ABS_PRICE; 24], blinding);
    assert_eq!(run(&circuit, &instance), Ok(()));
    assert_eq!(
        instance,
        statement(
            &[MAX_READING_WH; 24],
            -24 * i128::from(MAX_READING_WH) * i128::from(MAX_ABS_PRICE),
            24 * u64::from(MAX_READING_WH),
            blinding
        )
    );
}

#[test]
fn wrong_number_of_readings_is_a_synthesis_error() {
    let (readings, prices) = sample();
    let (_, instance) = honest(&readings, &prices, Fp::ONE);
    let short = BillCircuit::<W>::new(&readings[..N - 1], Fp::ONE, &tariff(&prices));
    assert!(matches!(
        MockProver::run(K, &short, instance.to_vec()),
        Err(Error::Synthesis)
    ));
}

#[test]
fn pinned_k_is_minimal_for_every_size() {
    fn check<const M: usize>(k: u32) {
        let slots = M * READINGS_PER_WORD;
        let size = CircuitSize::ALL
            .into_iter()
            .find(|s| s.words() == M)
            .unwrap();
        let full = TariffPrices::new(size, &vec![0; slots]).unwrap();
        let circuit = BillCircuit::<M>::new(&vec![0; slots], Fp::ZERO, &full);
        let instance = vec![vec![Fp::ZERO; STATEMENT_ROWS]];
        assert!(
            MockProver::run(k, &circuit, instance.clone()).is_ok(),
            "W = {M} at k = {k}"
        );
        // At k - 1 the layout (2 rows per slot) does not fit.
        assert!(
            matches!(
                MockProver::run(k - 1, &circuit, instance),
                Err(Error::NotEnoughRowsAvailable { .. })
            ),
            "W = {M} fits k = {}",
            k - 1
        );
    }
    check::<DAY_15MIN_WORDS>(CircuitSize::Day15Min.k());
    check::<MONTH_30MIN_WORDS>(CircuitSize::Month30Min.k());
    check::<MONTH_15MIN_WORDS>(CircuitSize::Month15Min.k());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Native reference and circuit agree on random periods of random length.
    #[test]
    fn native_and_circuit_agree(
        readings in proptest::collection::vec(0..=MAX_READING_WH, 1..=N),
        seed in any::<u64>(),
        blinding in any::<u64>(),
    ) {
        let prices: Vec<i64> = readings
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let x = seed.wrapping_mul(i as u64 + 1).wrapping_add(0x9e37_79b9) % (2 * MAX_ABS_PRICE as u64 + 1);
                x as i64 - MAX_ABS_PRICE
            })
            .collect();
        let (circuit, instance) = honest(&readings, &prices, Fp::from(blinding));
        prop_assert_eq!(run(&circuit, &instance), Ok(()));
    }
}
