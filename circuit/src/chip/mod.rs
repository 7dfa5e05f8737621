//! Chips of the bill circuit. Poseidon comes from `halo2_gadgets` (`Pow5Chip`).

pub mod bill;

pub use bill::{BillCells, BillChip, BillConfig, BillInstructions};
