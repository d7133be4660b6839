/// Which end of a WebSocket connection this endpoint is.
///
/// The role decides masking (RFC 6455 section 5.3): a client masks every frame it sends and
/// must receive unmasked frames; a server never masks and must receive masked frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The endpoint that opened the connection and sent the handshake request.
    Client,
    /// The endpoint that accepted the connection and answered the handshake.
    Server,
}

impl Role {
    /// Whether frames *sent* by this role carry a masking key.
    #[inline]
    pub const fn masks_outgoing(self) -> bool {
        matches!(self, Role::Client)
    }

    /// Whether frames *received* by this role must carry a masking key.
    #[inline]
    pub const fn expects_masked(self) -> bool {
        matches!(self, Role::Server)
    }

    /// The other end of the connection.
    #[inline]
    pub const fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}
