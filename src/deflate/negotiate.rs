//! Server and client negotiation of permessage-deflate (RFC 7692 section 7.1).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::backend::Backend;
use super::codec::{CodecSettings, DeflateCodec};
use super::config::DeflateConfig;
use super::params::{ClientWindowBits, DeflateParams, NAME};
use crate::extension::{Agreed, ClientNegotiation, Extension, NegotiationError, ServerNegotiation};
use crate::handshake::{ExtensionItem, Extensions};

/// The largest window `backend` can compress with that is at most `cap`.
fn usable_window<B: Backend>(backend: &B, cap: u8) -> Option<u8> {
    (8..=cap.min(15))
        .rev()
        .find(|&w| backend.supports_window(w))
}

/// The server side: picks the first acceptable permessage-deflate offer by its
/// [`DeflateConfig`].
///
/// Offers with malformed, duplicate, unknown or out-of-range parameters are declined and the
/// next offer is tried (RFC 7692 7.1). A client's request (`server_no_context_takeover`,
/// `server_max_window_bits`) is always honoured; `client_max_window_bits` is answered only
/// when the client offered it.
///
/// ```
/// use wscore::deflate::{DeflateConfig, DeflateServer};
/// use wscore::extension::ServerNegotiation;
/// use wscore::handshake::{Extensions, HttpHeader};
///
/// let server = DeflateServer::new(DeflateConfig::new().server_max_window_bits(Some(12)));
/// let headers = [HttpHeader::new(
///     "Sec-WebSocket-Extensions",
///     "permessage-deflate; client_max_window_bits; server_max_window_bits=10",
/// )];
/// let agreed = server.negotiate(Extensions::new(&headers)).unwrap();
/// assert_eq!(agreed.response, "permessage-deflate; server_max_window_bits=10");
/// ```
#[derive(Clone, Debug)]
pub struct DeflateServer<B: Backend = super::Miniz> {
    backend: B,
    config: DeflateConfig,
    #[cfg(feature = "std")]
    pool: Option<alloc::sync::Arc<super::pool::CompressorPool<B>>>,
}

impl DeflateServer {
    /// A server negotiating with `config` over the default `miniz_oxide` backend.
    pub fn new(config: DeflateConfig) -> Self {
        DeflateServer::with_backend(super::Miniz, config)
    }
}

impl<B: Backend> DeflateServer<B> {
    /// A server negotiating with `config` over `backend`.
    pub fn with_backend(backend: B, config: DeflateConfig) -> Self {
        DeflateServer {
            backend,
            config,
            #[cfg(feature = "std")]
            pool: None,
        }
    }

    /// Shares compressors between this server's connections (feature `std`): connections
    /// that compress without context takeover borrow one from a pool for each message and
    /// return it at the message's end; the pool keeps at most `max_idle` idle ones. Memory
    /// is then bounded by the messages being compressed at once, and warm messages allocate
    /// nothing. Connections with context takeover keep their own compressor.
    #[cfg(feature = "std")]
    pub fn share_compressors(mut self, max_idle: usize) -> Self {
        self.pool = Some(alloc::sync::Arc::new(super::pool::CompressorPool::new(
            max_idle,
        )));
        self
    }

    /// The shared compressor pool, if [`share_compressors`](Self::share_compressors) set one.
    #[cfg(feature = "std")]
    pub fn compressor_pool(&self) -> Option<&super::pool::CompressorPool<B>> {
        self.pool.as_deref()
    }

    /// The configuration.
    pub fn config(&self) -> &DeflateConfig {
        &self.config
    }

    /// The answer to one offer, or `None` to decline it.
    pub fn answer(&self, offer: &DeflateParams) -> Option<(DeflateParams, CodecSettings)> {
        let config = &self.config;
        let server_no_context_takeover =
            offer.server_no_context_takeover || config.server_no_context_takeover;
        let client_no_context_takeover =
            offer.client_no_context_takeover || config.client_no_context_takeover;
        let mut cap = config
            .server_max_window_bits
            .unwrap_or_else(|| self.backend.default_window_bits());
        if let Some(requested) = offer.server_max_window_bits {
            cap = cap.min(requested);
        }
        let window = usable_window(&self.backend, cap)?;
        let server_max_window_bits =
            (offer.server_max_window_bits.is_some() || window < 15).then_some(window);
        let client_max_window_bits = match offer.client_max_window_bits {
            // Never limit a client that did not offer the parameter.
            None => None,
            Some(ClientWindowBits::Unlimited) => config.client_max_window_bits,
            Some(ClientWindowBits::Bits(offered)) => {
                config.client_max_window_bits.map(|c| c.min(offered))
            }
        }
        .map(ClientWindowBits::Bits);
        let answer = DeflateParams {
            server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        };
        let settings = CodecSettings {
            compress_window_bits: window,
            compress_no_context_takeover: server_no_context_takeover,
            inflate_no_context_takeover: client_no_context_takeover,
        };
        Some((answer, settings))
    }

    /// The codec for settings this server agreed to.
    pub fn codec(&self, settings: CodecSettings) -> DeflateCodec<B> {
        let codec = DeflateCodec::new(self.backend.clone(), settings, self.config);
        #[cfg(feature = "std")]
        let codec = match self.pool.as_ref() {
            Some(pool) => codec.with_pool(pool.clone()),
            None => codec,
        };
        codec
    }
}

impl<B: Backend> ServerNegotiation for DeflateServer<B> {
    fn negotiate(&self, offers: Extensions<'_, '_>) -> Option<Agreed> {
        offers
            .filter(|item| item.name().eq_ignore_ascii_case(NAME))
            .filter_map(|item| DeflateParams::parse(&item).ok())
            .find_map(|offer| self.answer(&offer))
            .map(|(answer, settings)| Agreed {
                response: answer.to_header(),
                extension: Box::new(self.codec(settings)),
            })
    }
}

/// The client side: offers permessage-deflate per one or more [`DeflateConfig`]s (most
/// preferred first) and checks the server's answer against what was offered.
///
/// ```
/// use wscore::deflate::{DeflateClient, DeflateConfig};
/// use wscore::extension::ClientNegotiation;
/// use wscore::handshake::ExtensionList;
///
/// let client = DeflateClient::new(DeflateConfig::new().server_max_window_bits(Some(10)));
/// assert_eq!(
///     client.offer(),
///     "permessage-deflate; server_max_window_bits=10; client_max_window_bits"
/// );
/// let answer = b"permessage-deflate; server_max_window_bits=9; client_max_window_bits=12";
/// let item = ExtensionList::new(answer).next().unwrap().unwrap();
/// assert!(client.accept(&item).is_ok());
///
/// let too_big = b"permessage-deflate; server_max_window_bits=11";
/// let item = ExtensionList::new(too_big).next().unwrap().unwrap();
/// assert!(client.accept(&item).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct DeflateClient<B: Backend = super::Miniz> {
    backend: B,
    offers: Vec<DeflateConfig>,
}

impl DeflateClient {
    /// A client offering `config` over the default `miniz_oxide` backend.
    pub fn new(config: DeflateConfig) -> Self {
        DeflateClient::with_backend(super::Miniz, config)
    }
}

impl<B: Backend> DeflateClient<B> {
    /// A client offering `config` over `backend`.
    pub fn with_backend(backend: B, config: DeflateConfig) -> Self {
        DeflateClient {
            backend,
            offers: alloc::vec![config],
        }
    }

    /// Adds a less preferred offer after the existing ones.
    pub fn or_offer(mut self, config: DeflateConfig) -> Self {
        self.offers.push(config);
        self
    }

    /// The parameters offered for `config`.
    pub fn offer_params(&self, config: &DeflateConfig) -> DeflateParams {
        let client_window = match config.client_max_window_bits {
            None => ClientWindowBits::Unlimited,
            Some(bits) => match usable_window(&self.backend, bits) {
                Some(w) => ClientWindowBits::Bits(w),
                None => ClientWindowBits::Unlimited,
            },
        };
        DeflateParams {
            server_no_context_takeover: config.server_no_context_takeover,
            client_no_context_takeover: config.client_no_context_takeover,
            server_max_window_bits: config.server_max_window_bits,
            client_max_window_bits: config.offer_client_max_window_bits.then_some(client_window),
        }
    }

    /// Checks `answer` against one offer; returns the codec settings.
    fn check(
        &self,
        offer: &DeflateParams,
        answer: &DeflateParams,
    ) -> Result<CodecSettings, NegotiationError> {
        let refuse = |reason| Err(NegotiationError { reason });
        if offer.server_no_context_takeover && !answer.server_no_context_takeover {
            return refuse("server_no_context_takeover requested but not answered");
        }
        if let Some(requested) = offer.server_max_window_bits {
            match answer.server_max_window_bits {
                None => return refuse("server_max_window_bits requested but not answered"),
                Some(bits) if bits > requested => {
                    return refuse("server_max_window_bits above the offer")
                }
                Some(_) => {}
            }
        }
        let window = match (offer.client_max_window_bits, answer.client_max_window_bits) {
            (_, Some(ClientWindowBits::Unlimited)) => {
                return refuse("client_max_window_bits without a value in the answer")
            }
            (None, Some(_)) => return refuse("client_max_window_bits not allowed by the offer"),
            (Some(ClientWindowBits::Bits(offered)), Some(ClientWindowBits::Bits(bits)))
                if bits > offered =>
            {
                return refuse("client_max_window_bits above the offer")
            }
            (_, Some(ClientWindowBits::Bits(bits))) => bits,
            (Some(ClientWindowBits::Bits(offered)), None) => offered,
            (_, None) => 15,
        };
        if !self.backend.supports_window(window) {
            return refuse("client_max_window_bits not supported by the backend");
        }
        Ok(CodecSettings {
            compress_window_bits: window,
            compress_no_context_takeover: answer.client_no_context_takeover
                || offer.client_no_context_takeover,
            inflate_no_context_takeover: answer.server_no_context_takeover,
        })
    }

    /// Checks the server's answer and returns the concrete codec.
    pub fn accept_codec(
        &self,
        answer: &ExtensionItem<'_>,
    ) -> Result<DeflateCodec<B>, NegotiationError> {
        if !answer.name().eq_ignore_ascii_case(NAME) {
            return Err(NegotiationError {
                reason: "answer names another extension",
            });
        }
        let answer = DeflateParams::parse(answer)?;
        let mut first_error = None;
        for config in &self.offers {
            match self.check(&self.offer_params(config), &answer) {
                Ok(settings) => {
                    return Ok(DeflateCodec::new(self.backend.clone(), settings, *config))
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(NegotiationError {
            reason: "nothing was offered",
        }))
    }
}

impl<B: Backend> ClientNegotiation for DeflateClient<B> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn offer(&self) -> String {
        let mut value = String::new();
        for (i, config) in self.offers.iter().enumerate() {
            if i > 0 {
                value.push_str(", ");
            }
            value.push_str(&self.offer_params(config).to_header());
        }
        value
    }

    fn accept(&self, answer: &ExtensionItem<'_>) -> Result<Box<dyn Extension>, NegotiationError> {
        Ok(Box::new(self.accept_codec(answer)?))
    }
}
