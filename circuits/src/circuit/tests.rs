//! MockProver tests of the bill circuit: the honest witness passes, each corrupted cell fails
//! with the named constraint, lookup or copy it breaks, and the circuit agrees with `native`.

use ff::Field;
use halo2_proofs::{
    dev::{metadata, FailureLocation, MockProver, VerifyFailure},
    pasta::Fp,
    plonk::{Any, Error},
};
use proptest::prelude::*;

use super::*;
use crate::encoding::{LIMB_BITS, MAX_ABS_PRICE, MAX_READING_WH, READING_BITS};
use crate::native;
use crate::proof::PublicInputs;
use crate::size::{CircuitSize, DAY_15MIN, DAY_15MIN_WORDS, MONTH_15MIN_WORDS, MONTH_30MIN_WORDS};

const W: usize = DAY_15MIN_WORDS;
const N: usize = DAY_15MIN;
const K: u32 = 11;

/// The circuit and the public inputs an honest plugin would produce.
fn honest(readings: &[u32], prices: &[i64], blinding: Fp) -> (BillCircuit<W>, [Vec<Fp>; 2]) {
    let (bill, energy_wh) = native::bill(prices, readings).unwrap();
    let public = PublicInputs {
        size: CircuitSize::Day15Min,
        commitment: native::commitment(CircuitSize::Day15Min, readings, blinding).unwrap(),
        bill,
        energy_wh,
        context: Fp::from(0xc0ffee_u64),
        prices: prices.to_vec(),
    };
    let circuit = BillCircuit::<W>::new(&native::padded_readings::<W>(readings).unwrap(), blinding);
    (circuit, public.columns().unwrap())
}

fn sample() -> (Vec<u32>, Vec<i64>) {
    let readings: Vec<u32> = (0..N as u32).map(|i| (i * 37) % 900 + 1).collect();
    let prices: Vec<i64> = (0..N as i64)
        .map(|i| (i * 7919) % 400_000 - 60_000)
        .collect();
    (readings, prices)
}

fn run(circuit: &BillCircuit<W>, instance: &[Vec<Fp>; 2]) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(K, circuit, instance.to_vec())
        .unwrap()
        .verify()
}

/// The constraint `name` of the "reading step" gate (gate 3: after Poseidon's three gates).
fn step_constraint(index: usize, name: &'static str) -> metadata::Constraint {
    ((3, "reading step").into(), index, name).into()
}

fn in_bill_region(offset: usize) -> String {
    FailureLocation::InRegion {
        region: (0, "bill").into(),
        offset,
    }
    .to_string()
}

/// Where `constraint` fails, in order.
fn failing_at(failures: &[VerifyFailure], constraint: &metadata::Constraint) -> Vec<String> {
    failures
        .iter()
        .filter_map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint: c,
                location,
                ..
            } if c == constraint => Some(location.to_string()),
            _ => None,
        })
        .collect()
}

/// The statement cells whose copy fails.
fn statement_copies(failures: &[VerifyFailure]) -> Vec<usize> {
    failures
        .iter()
        .filter_map(|f| match f {
            VerifyFailure::Permutation {
                column,
                location: FailureLocation::OutsideRegion { row },
            } if *column == metadata::Column::from((Any::Instance, 0)) => Some(*row),
            _ => None,
        })
        .collect()
}

/// The locations of failed `limb range` lookups.
fn lookup_failures(failures: &[VerifyFailure]) -> Vec<String> {
    failures
        .iter()
        .filter_map(|f| match f {
            VerifyFailure::Lookup {
                lookup_index: 0,
                location,
            } => Some(location.to_string()),
            _ => None,
        })
        .collect()
}

fn no_gate_fails(failures: &[VerifyFailure]) -> bool {
    failures
        .iter()
        .all(|f| !matches!(f, VerifyFailure::ConstraintNotSatisfied { .. }))
}

#[test]
fn honest_witness_passes() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
}

#[test]
fn corrupted_running_bill_fails_the_bill_constraint_on_both_sides() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    let failures = run(
        &circuit.tampered(Tamper::Bill(5, Fp::from(12345u64))),
        &instance,
    )
    .expect_err("a corrupted running bill must fail");
    // The sum is broken once (slot 4 -> 5, rows 8 -> 10); the cheat then carries on from the
    // forged value, so the final B no longer matches the public one either.
    assert_eq!(
        failing_at(&failures, &step_constraint(0, "bill running sum")),
        vec![in_bill_region(8)],
        "{failures:?}"
    );
    assert_eq!(statement_copies(&failures), vec![BILL], "{failures:?}");
    assert!(failing_at(&failures, &step_constraint(1, "energy running sum")).is_empty());
}

#[test]
fn corrupted_running_energy_fails_the_energy_constraint() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    let failures = run(
        &circuit.tampered(Tamper::Energy(N, Fp::from(1u64))),
        &instance,
    )
    .expect_err("a corrupted final energy must fail");
    assert_eq!(
        failing_at(&failures, &step_constraint(1, "energy running sum")),
        vec![in_bill_region(2 * (N - 1))],
        "{failures:?}"
    );
    assert!(failing_at(&failures, &step_constraint(0, "bill running sum")).is_empty());
}

#[test]
fn corrupted_packing_accumulator_fails_the_packing_constraint() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // Slot 3 lies inside the first word: the forged accumulator breaks `packing` at slot 2.
    let failures = run(&circuit.tampered(Tamper::Acc(3, Fp::from(7u64))), &instance)
        .expect_err("a corrupted packing accumulator must fail");
    assert_eq!(
        failing_at(&failures, &step_constraint(2, "packing")),
        vec![in_bill_region(4)],
        "{failures:?}"
    );
}

#[test]
fn changed_reading_breaks_the_commitment_and_the_bill() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // A cheating prover changes one reading (valid limbs) and recomputes the running sums and
    // the word consistently: every gate and lookup holds, but the hash no longer opens C and B
    // no longer matches.
    let failures = run(
        &circuit.tampered(Tamper::Limbs(10, Fp::from(5u64), Fp::ZERO)),
        &instance,
    )
    .expect_err("a changed reading must fail");
    assert!(no_gate_fails(&failures), "{failures:?}");
    assert!(lookup_failures(&failures).is_empty(), "{failures:?}");
    let copies = statement_copies(&failures);
    assert!(copies.contains(&COMMITMENT), "{failures:?}");
    assert!(copies.contains(&BILL), "{failures:?}");
}

#[test]
fn carry_between_packed_readings_is_caught_by_the_limb_range_lookup() {
    // Readings r_0 = 5, r_1 = 7 pack to the same word as r_0' = 4, r_1' = 7 + 2^20. A prover
    // that could encode r_1' would keep C and shift B by (p_1 - p_0) per unit. The high limb
    // of r_1' is 7 >> 10 + 2^10 = 2^10: out of the table.
    let mut readings = vec![0u32; N];
    readings[0] = 5;
    readings[1] = 7;
    let prices = vec![1_000; N];
    let (circuit, instance) = honest(&readings, &prices, Fp::from(3u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    let mut forged_readings = readings.clone();
    forged_readings[0] = 4;
    let (forged, _) = honest(&forged_readings, &prices, Fp::from(3u64));
    let forged = forged.tampered(Tamper::Limbs(
        1,
        Fp::from(7u64),
        Fp::from(1u64 << LIMB_BITS),
    ));
    // The forged vector packs to the honest word: the commitment still opens.
    let shift = Fp::from(1u64 << READING_BITS);
    assert_eq!(
        Fp::from(4u64) * shift + Fp::from(7u64) + shift,
        Fp::from(5u64) * shift + Fp::from(7u64)
    );
    let failures = run(&forged, &instance).expect_err("an out-of-range limb must fail");
    assert_eq!(
        lookup_failures(&failures),
        vec![in_bill_region(3)],
        "{failures:?}"
    );
    assert!(no_gate_fails(&failures), "{failures:?}");
    assert!(
        !statement_copies(&failures).contains(&COMMITMENT),
        "the commitment still opens: only the range check stops this: {failures:?}"
    );
}

#[test]
fn wrong_public_bill_energy_commitment_or_price_fail() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // A changed C, B or E breaks the copy to that very cell. A changed price is read by the
    // gate, so the computed B no longer matches the public B.
    for ((col, row), expected) in [
        ((0, COMMITMENT), COMMITMENT),
        ((0, BILL), BILL),
        ((0, ENERGY), ENERGY),
        ((1, 2), BILL),
        ((1, 2 * (N - 1)), BILL),
    ] {
        let mut bad = instance.clone();
        bad[col][row] += Fp::ONE;
        let failures = run(&circuit, &bad).expect_err("a changed public input must fail");
        assert_eq!(
            statement_copies(&failures),
            vec![expected],
            "({col},{row}): {failures:?}"
        );
    }
    // A value in an odd (unused) row of the prices column changes nothing the gate reads:
    // those rows are zero by construction in `PublicInputs::columns`, which the utility runs.
    assert!(instance[1]
        .iter()
        .skip(1)
        .step_by(2)
        .all(|v| *v == Fp::ZERO));
}

#[test]
fn wrong_blinding_does_not_open_the_commitment() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
    let other = BillCircuit::<W>::new(
        &native::padded_readings::<W>(&readings).unwrap(),
        Fp::from(100u64),
    );
    let failures = run(&other, &instance).expect_err("another blinding value must fail");
    assert_eq!(
        statement_copies(&failures),
        vec![COMMITMENT],
        "{failures:?}"
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
    assert_eq!(instance[1].len(), 2 * N - 1);
    assert!(instance[1][2 * 24..].iter().all(|v| *v == Fp::ZERO));
}

#[test]
fn wrong_number_of_readings_is_a_synthesis_error() {
    let (readings, prices) = sample();
    let (_, instance) = honest(&readings, &prices, Fp::ONE);
    let short = BillCircuit::<W>::new(&readings[..N - 1], Fp::ONE);
    assert!(matches!(
        MockProver::run(K, &short, instance.to_vec()),
        Err(Error::Synthesis)
    ));
}

#[test]
fn pinned_k_is_minimal_for_every_size() {
    fn check<const M: usize>(k: u32) {
        let circuit = BillCircuit::<M>::new(&vec![0; M * READINGS_PER_WORD], Fp::ZERO);
        let instance = vec![
            vec![Fp::ZERO; STATEMENT_ROWS],
            vec![Fp::ZERO; 2 * M * READINGS_PER_WORD - 1],
        ];
        assert!(
            MockProver::run(k, &circuit, instance.clone()).is_ok(),
            "W = {M} at k = {k}"
        );
        // At k - 1 either the layout or the prices column (2 rows per slot) does not fit.
        assert!(
            matches!(
                MockProver::run(k - 1, &circuit, instance),
                Err(Error::NotEnoughRowsAvailable { .. } | Error::InstanceTooLarge)
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
