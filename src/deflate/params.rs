//! The permessage-deflate parameters (RFC 7692 section 7.1): parsing one offer or answer
//! with the handshake's extension grammar, and writing them back.

use alloc::string::String;
use core::fmt;

use crate::extension::NegotiationError;
use crate::handshake::{ExtensionItem, ParamValue};

/// The registered extension name.
pub const NAME: &str = "permessage-deflate";

/// `client_max_window_bits` as it appears in an offer or an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientWindowBits {
    /// The parameter without a value (offers only: "I can honour a limit you choose").
    Unlimited,
    /// The parameter with a value, 8..=15.
    Bits(u8),
}

/// The parameters of one permessage-deflate offer or answer, checked against RFC 7692
/// section 7.1: only the four defined parameters, each at most once, the two
/// `*_no_context_takeover` without a value, `server_max_window_bits` with a value and
/// `client_max_window_bits` with or without one, every value a decimal 8..=15 without
/// leading zeros (quoted or not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeflateParams {
    /// `server_no_context_takeover`.
    pub server_no_context_takeover: bool,
    /// `client_no_context_takeover`.
    pub client_no_context_takeover: bool,
    /// `server_max_window_bits=N`.
    pub server_max_window_bits: Option<u8>,
    /// `client_max_window_bits[=N]`.
    pub client_max_window_bits: Option<ClientWindowBits>,
}

const fn err(reason: &'static str) -> NegotiationError {
    NegotiationError { reason }
}

/// A window-bits value: `1*DIGIT`, no leading zero, 8..=15.
fn window_bits(value: &ParamValue<'_>) -> Option<u8> {
    let mut bytes = value.bytes();
    let first = bytes.next()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let n = value.to_u32()?;
    (8..=15).contains(&n).then_some(n as u8)
}

impl DeflateParams {
    /// Parses the parameters of `item` (whose name the caller has checked).
    pub fn parse(item: &ExtensionItem<'_>) -> Result<DeflateParams, NegotiationError> {
        let mut params = DeflateParams::default();
        for param in item.params() {
            let name = param.name;
            if name.eq_ignore_ascii_case("server_no_context_takeover") {
                if params.server_no_context_takeover {
                    return Err(err("duplicate server_no_context_takeover"));
                }
                if param.value.is_some() {
                    return Err(err("server_no_context_takeover takes no value"));
                }
                params.server_no_context_takeover = true;
            } else if name.eq_ignore_ascii_case("client_no_context_takeover") {
                if params.client_no_context_takeover {
                    return Err(err("duplicate client_no_context_takeover"));
                }
                if param.value.is_some() {
                    return Err(err("client_no_context_takeover takes no value"));
                }
                params.client_no_context_takeover = true;
            } else if name.eq_ignore_ascii_case("server_max_window_bits") {
                if params.server_max_window_bits.is_some() {
                    return Err(err("duplicate server_max_window_bits"));
                }
                let value = param
                    .value
                    .ok_or(err("server_max_window_bits needs a value"))?;
                let bits =
                    window_bits(&value).ok_or(err("server_max_window_bits is not 8 to 15"))?;
                params.server_max_window_bits = Some(bits);
            } else if name.eq_ignore_ascii_case("client_max_window_bits") {
                if params.client_max_window_bits.is_some() {
                    return Err(err("duplicate client_max_window_bits"));
                }
                params.client_max_window_bits = Some(match param.value {
                    None => ClientWindowBits::Unlimited,
                    Some(value) => ClientWindowBits::Bits(
                        window_bits(&value).ok_or(err("client_max_window_bits is not 8 to 15"))?,
                    ),
                });
            } else {
                return Err(err("unknown permessage-deflate parameter"));
            }
        }
        Ok(params)
    }

    /// The header value for these parameters, e.g.
    /// `permessage-deflate; server_no_context_takeover; client_max_window_bits=10`.
    pub fn to_header(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = fmt::write(&mut s, format_args!("{self}"));
        s
    }
}

impl fmt::Display for DeflateParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NAME)?;
        if self.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if self.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if let Some(bits) = self.server_max_window_bits {
            write!(f, "; server_max_window_bits={bits}")?;
        }
        match self.client_max_window_bits {
            None => {}
            Some(ClientWindowBits::Unlimited) => f.write_str("; client_max_window_bits")?,
            Some(ClientWindowBits::Bits(bits)) => write!(f, "; client_max_window_bits={bits}")?,
        }
        Ok(())
    }
}
