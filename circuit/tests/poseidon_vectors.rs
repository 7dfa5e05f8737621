//! Poseidon (P128Pow5T3 over Pallas) against the zcash test vectors, natively and in-circuit
//! through the very gadget configuration the bill circuit uses.

use ff::PrimeField;
use halo2_gadgets::poseidon::{
    primitives::{self as poseidon, ConstantLength, P128Pow5T3, Spec},
    Hash, Pow5Chip, Pow5Config,
};
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::MockProver,
    pasta::Fp,
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Instance},
};

fn fp(hex_le: &str) -> Fp {
    let bytes: [u8; 32] = hex::decode(hex_le).unwrap().try_into().unwrap();
    Fp::from_repr(bytes).unwrap()
}

/// Rows 2.. of a vector file: each row is `[input, output]`.
fn vectors(name: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(all.len(), 13, "2 header rows and 11 vectors");
    all[2..].to_vec()
}

fn elems(v: &serde_json::Value) -> Vec<Fp> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| fp(x.as_str().unwrap()))
        .collect()
}

#[test]
fn native_hash_matches_the_vectors() {
    for v in vectors("orchard_poseidon_hash.json") {
        let input = elems(&v[0]);
        let expected = fp(v[1].as_str().unwrap());
        let got = poseidon::Hash::<Fp, P128Pow5T3, ConstantLength<2>, 3, 2>::init()
            .hash([input[0], input[1]]);
        assert_eq!(got, expected);
    }
}

#[test]
fn native_permutation_matches_the_vectors() {
    let (round_constants, mds, _) = <P128Pow5T3 as Spec<Fp, 3, 2>>::constants();
    for v in vectors("orchard_poseidon.json") {
        let mut state: [Fp; 3] = elems(&v[0]).try_into().unwrap();
        poseidon::test_only_permute::<Fp, P128Pow5T3, 3, 2>(&mut state, &mds, &round_constants);
        assert_eq!(state.to_vec(), elems(&v[1]));
    }
}

/// Hashes two private inputs with the gadget and exposes the result.
#[derive(Clone, Default)]
struct TwoToOne {
    input: [Value<Fp>; 2],
}

impl Circuit<Fp> for TwoToOne {
    type Config = (Pow5Config<Fp, 3, 2>, [Column<Advice>; 2], Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        Self::default()
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        // The same column recipe as the bill circuit's Poseidon.
        let state = [(); 3].map(|_| meta.advice_column());
        let partial_sbox = meta.advice_column();
        let rc_a = [(); 3].map(|_| meta.fixed_column());
        let rc_b = [(); 3].map(|_| meta.fixed_column());
        meta.enable_constant(rc_b[0]);
        let inputs = [(); 2].map(|_| meta.advice_column());
        let out = meta.instance_column();
        for c in inputs {
            meta.enable_equality(c);
        }
        meta.enable_equality(out);
        (
            Pow5Chip::configure::<P128Pow5T3>(meta, state, partial_sbox, rc_a, rc_b),
            inputs,
            out,
        )
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let (poseidon, inputs, out) = config;
        let cells = layouter.assign_region(
            || "inputs",
            |mut region| {
                let a = region.assign_advice(|| "a", inputs[0], 0, || self.input[0])?;
                let b = region.assign_advice(|| "b", inputs[1], 0, || self.input[1])?;
                Ok([a, b])
            },
        )?;
        let digest = Hash::<_, _, P128Pow5T3, ConstantLength<2>, 3, 2>::init(
            Pow5Chip::construct(poseidon),
            layouter.namespace(|| "init"),
        )?
        .hash(layouter.namespace(|| "hash"), cells)?;
        layouter.constrain_instance(digest.cell(), out, 0)
    }
}

#[test]
fn gadget_hash_matches_the_vectors() {
    for v in vectors("orchard_poseidon_hash.json") {
        let input = elems(&v[0]);
        let expected = fp(v[1].as_str().unwrap());
        let circuit = TwoToOne {
            input: [Value::known(input[0]), Value::known(input[1])],
        };
        let honest = MockProver::run(7, &circuit, vec![vec![expected]]).unwrap();
        assert_eq!(honest.verify(), Ok(()));
        // The same inputs cannot be shown to hash to anything else: the copy of the digest
        // to the public row fails at both ends (the row, and the gadget's output cell).
        let wrong = MockProver::run(7, &circuit, vec![vec![expected + Fp::one()]]).unwrap();
        let failures: Vec<String> = wrong
            .verify()
            .unwrap_err()
            .iter()
            .map(|f| format!("{f:?}"))
            .collect();
        assert_eq!(
            failures,
            [
                "Permutation { column: Column { column_type: Instance, index: 0 }, \
                 location: OutsideRegion { row: 0 } }",
                "Permutation { column: Column { column_type: Advice, index: 0 }, \
                 location: InRegion { region: Region { index: 3, name: \"permute state\" }, \
                 offset: 36 } }",
            ]
        );
    }
}
