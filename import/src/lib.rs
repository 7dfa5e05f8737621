//! # zkmeter-import
//!
//! Real data in, real tariffs in: the importers that turn what households and markets publish
//! into zkmeter's exact integer units, strictly against a [`Frame`].
//!
//! * [`readings`]: Green Button (ESPI) XML, readings CSV and P1 telegrams -> one value per slot and register
//!   (import, export) in the period's unit, `10^e` Wh with `e` in -3..=0.
//! * [`tariffs`]: Octopus Agile CSV, ENTSO-E A44 XML and OpenEI URDB JSON -> one price per slot
//!   in micro-currency per kWh.
//! * [`decimal`]: exact decimal text -> fixed point (half-to-even rounding where it must round).
//!
//! Every input is treated as hostile: files are size-capped before parsing, nothing panics,
//! and every error is a typed [`ImportError`] naming the place in the file. The rules are
//! written down in docs/protocol.md, "Importing readings and prices".
//!
//! [`Frame`]: zkmeter_protocol::Frame

#![deny(missing_docs)]

pub mod decimal;
pub mod error;
pub mod local;
pub mod readings;
pub mod tariffs;

pub use error::ImportError;
pub use readings::{
    fit_registers_to_frame, fit_to_frame, Fill, FrameReadings, FrameRegisters, Interval,
};
