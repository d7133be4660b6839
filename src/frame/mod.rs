//! The frame layer (RFC 6455 section 5): opcodes, headers, a streaming zero-copy
//! [`Decoder`], the encoder, and Close payloads. Needs only `core`: no allocation anywhere.
//!
//! Decoding: [`Decoder::decode`] takes `&mut [u8]` (the payload is unmasked in place) and
//! returns one [`Item`] plus the rest of the input. Encoding: [`FrameHeader::encode`] or
//! [`FrameHeader::to_bytes`] for the header (at most [`MAX_HEADER_LEN`] bytes), then the payload
//! masked in place with [`apply_mask`](crate::mask::apply_mask) for the client role, or
//! [`encode_frame`] to write both into one buffer.

mod close;
mod decoder;
mod encode;
mod header;
mod opcode;

pub use close::{CloseCode, CloseEncodeError, CloseFrame, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD};
pub use decoder::{Decoder, Item, DEFAULT_MAX_PAYLOAD};
pub use encode::encode_frame;
pub use header::{EncodedHeader, FrameHeader, MAX_HEADER_LEN, RSV1, RSV2, RSV3};
pub use opcode::Opcode;
