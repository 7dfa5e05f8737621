//! # zkmeter-protocol
//!
//! What the meter, the consumer's privacy plugin and the utility exchange and agree on, and
//! the exact bytes that are signed or hashed (`docs/protocol.md`):
//!
//! * [`frame`]: when a period starts, its slot length, slot count and circuit size;
//! * [`ids`]: meter ids, rate-plan ids and signature bytes; [`encoding`]: field elements,
//!   sizes, amounts;
//! * [`tariff`]: the utility's per-slot prices and their digest; [`charges`]: its standing
//!   charge, levies, tiers, minimum charge and taxes; [`invoice`]: the invoice they make of a
//!   verified bill;
//! * [`period`]: the meter's signed readings (consumer side only);
//! * [`figures`]: a bill's public figures, normalised to pico-currency and mWh;
//! * [`submission`]: the bill the plugin sends to the utility;
//! * [`envelope`]: the versioned binary envelope of period and submission files;
//! * [`statement`]: the signed meter statement, the context hash, and the one builder of a
//!   bill's public inputs ([`BillClaim::public_inputs`]);
//! * [`unit`]: the energy unit `10^e` Wh a meter counts in;
//! * [`signature`]: the meter's public key and the verification of its signature;
//! * [`fs`]: capped reads and atomic writes of these files;
//! * [`error`]: [`ProtocolError`] and [`FileError`].

#![deny(missing_docs)]

pub mod charges;
pub mod encoding;
pub mod envelope;
pub mod error;
pub mod figures;
pub mod frame;
pub mod fs;
pub mod ids;
pub mod invoice;
pub mod period;
pub mod signature;
pub mod statement;
pub mod submission;
pub mod tariff;
pub mod unit;

pub use charges::Charges;
pub use encoding::FieldBytes;
pub use envelope::{FileKind, ZkFile};
pub use error::{FileError, ProtocolError};
pub use figures::BillFigures;
pub use frame::{Frame, UtcTime};
pub use ids::{MeterId, PlanId, SignatureBytes};
pub use invoice::Invoice;
pub use period::Period;
pub use signature::{verify_statement, KeyError, MeterPublicKey, SignatureError};
pub use statement::{
    registers, statement_context, BillClaim, MeterStatement, PeriodFacts, PROTOCOL_VERSION,
};
pub use submission::Submission;
pub use tariff::Tariff;
pub use unit::EnergyUnit;
pub use zkmeter_circuit::CircuitSize;
