//! Protocol objects every party agrees on: the frame, the tariff, the meter's period file, the
//! bill submission, their binary envelope, and the exact bytes that are signed or hashed.
//! See `docs/protocol.md`.

pub mod envelope;
pub mod frame;
pub mod ids;
pub mod period;
pub mod statement;
pub mod submission;
pub mod tariff;

pub use envelope::{read_capped, write_atomic, FileKind, ZkFile};
pub use frame::{Frame, UtcTime};
pub use ids::{MeterId, SignatureBytes};
pub use period::Period;
pub use statement::{statement_context, MeterStatement, PROTOCOL_VERSION};
pub use submission::Submission;
pub use tariff::Tariff;
