//! The frame layer (RFC 6455 section 5): opcodes, headers, a streaming zero-copy decoder, the
//! encoder, and Close payloads. Needs only `core`.

mod close;

pub use close::{CloseCode, CloseEncodeError, CloseFrame, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD};
