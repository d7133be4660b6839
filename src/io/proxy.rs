//! HTTP CONNECT proxies for the clients (feature `proxy`), sans-IO.
//!
//! Everything here is a pure function of its inputs: parsing a proxy setting
//! ([`Proxy::parse`]), choosing a proxy from the environment ([`ProxyEnv`], [`no_proxy_matches`]),
//! writing the `CONNECT` request ([`Proxy::connect_request`]) and reading the proxy's answer
//! with the crate's own bounded head parser ([`TunnelResponse`]). The adapters' connectors
//! ([`connector`](super::connector)) move the bytes.
//!
//! ```
//! use wscore::io::proxy::{no_proxy_matches, Proxy, ProxyEnv};
//!
//! let proxy = Proxy::parse("http://alice:s%40cret@proxy.example:3128")?;
//! assert_eq!((proxy.host(), proxy.port(), proxy.username()), ("proxy.example", 3128, Some("alice")));
//! let request = proxy.connect_request("echo.example", 443);
//! assert!(request.starts_with(b"CONNECT echo.example:443 HTTP/1.1\r\nHost: echo.example:443\r\n"));
//!
//! assert!(no_proxy_matches("localhost, .internal", "db.internal", 80));
//! let env = ProxyEnv { https: Some("proxy:8080".into()), no_proxy: Some("*.corp".into()), ..ProxyEnv::default() };
//! assert_eq!(env.proxy_for(true, "a.corp", 443)?, None);
//! assert_eq!(env.proxy_for(true, "example.com", 443)?.unwrap().port(), 8080);
//! assert_eq!(env.proxy_for(false, "example.com", 80)?, None); // no HTTP_PROXY, no ALL_PROXY
//! # Ok::<(), wscore::io::proxy::ProxyError>(())
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::net::{IpAddr, Ipv6Addr};

use base64::Engine as _;

use crate::handshake::{parse_response, HeadScanner, Limits, Status, EMPTY_HEADER};

/// An HTTP proxy that tunnels with `CONNECT`: its address and optional Basic credentials.
///
/// The `Debug` output never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Host name or IP address, IPv6 without brackets.
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username())
            .finish_non_exhaustive()
    }
}

pub use super::connector::{ProxyError, ProxyRefusal};

/// Decodes `%XX` escapes (RFC 3986 2.1); other bytes pass through.
fn percent_decode(s: &str) -> Result<String, ProxyError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| core::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(ProxyError::InvalidProxy(
                    "bad percent-encoding in credentials",
                ))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ProxyError::InvalidProxy("credentials are not UTF-8"))
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%')
}

/// Splits `host[:port]` or `[v6][:port]`; the host comes back without brackets.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), ProxyError> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or(ProxyError::InvalidProxy("unclosed IPv6 bracket"))?;
        host.parse::<Ipv6Addr>()
            .map_err(|_| ProxyError::InvalidProxy("invalid IPv6 address"))?;
        match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(ProxyError::InvalidProxy("junk after IPv6 address")),
            },
        }
    } else {
        Ok(match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        })
    }
}

/// The error for a non-2xx answer to `CONNECT`.
fn refusal(status: u16, reason: &[u8], proxy_authenticate: Option<String>) -> ProxyError {
    let refusal = ProxyRefusal {
        status,
        reason: String::from_utf8_lossy(reason).into_owned(),
        proxy_authenticate,
    };
    match status {
        407 => ProxyError::AuthenticationRequired(refusal),
        403 => ProxyError::Forbidden(refusal),
        _ => ProxyError::Refused(refusal),
    }
}

impl Proxy {
    /// A proxy at `host` (a name or an IP address; IPv6 with or without brackets) and `port`,
    /// without credentials.
    pub fn new(host: &str, port: u16) -> Proxy {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        Proxy {
            host: host.into(),
            port,
            credentials: None,
        }
    }

    /// Parses a proxy setting as found in `HTTPS_PROXY` and friends:
    /// `[http://][user[:password]@]host[:port][/]`. The scheme defaults to `http`, the port
    /// to 80; user and password are percent-decoded. Other schemes are refused with
    /// [`ProxyError::UnsupportedScheme`].
    pub fn parse(setting: &str) -> Result<Proxy, ProxyError> {
        let setting = setting.trim();
        let rest = match setting.split_once("://") {
            Some((scheme, rest)) => {
                if !scheme.eq_ignore_ascii_case("http") {
                    return Err(ProxyError::UnsupportedScheme(scheme.to_ascii_lowercase()));
                }
                rest
            }
            None => setting,
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if !matches!(path, "" | "/") {
            return Err(ProxyError::InvalidProxy("a proxy setting has no path"));
        }
        let (credentials, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (
                    Some((percent_decode(user)?, percent_decode(password)?)),
                    hostport,
                )
            }
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(ProxyError::InvalidProxy("missing host"));
        }
        if !hostport.starts_with('[') && !host.bytes().all(is_host_byte) {
            return Err(ProxyError::InvalidProxy("invalid character in host"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse()
                .map_err(|_| ProxyError::InvalidProxy("invalid port"))?,
            Some(_) => return Err(ProxyError::InvalidProxy("invalid port")),
        };
        Ok(Proxy {
            host: host.into(),
            port,
            credentials,
        })
    }

    /// Sends Basic credentials (`Proxy-Authorization`) with the `CONNECT` request.
    pub fn with_credentials(mut self, username: &str, password: &str) -> Proxy {
        self.credentials = Some((username.into(), password.into()));
        self
    }

    /// The proxy's host (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user name sent, if any.
    pub fn username(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(user, _)| user.as_str())
    }

    /// The `CONNECT` request head asking for a tunnel to `host:port` (`host` a name or an IP
    /// address; IPv6 with or without brackets).
    pub fn connect_request(&self, host: &str, port: u16) -> Vec<u8> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let authority = if bare.contains(':') {
            format!("[{bare}]:{port}")
        } else {
            format!("{bare}:{port}")
        };
        let mut out = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if let Some((user, password)) = &self.credentials {
            let plain = format!("{user}:{password}");
            let mut token = alloc::vec![0u8; plain.len().div_ceil(3) * 4];
            let n = base64::engine::general_purpose::STANDARD
                .encode_slice(plain.as_bytes(), &mut token)
                .expect("the buffer fits the padded encoding");
            out.push_str("Proxy-Authorization: Basic ");
            out.push_str(core::str::from_utf8(&token[..n]).expect("base64 is ASCII"));
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.into_bytes()
    }
}

/// Reads a proxy's answer to `CONNECT` as it arrives, bounded by [`Limits`].
///
/// Feed it the growing receive buffer after every read; each byte is scanned once and the
/// head is parsed once complete. Bytes after the head already belong to the tunnel.
///
/// ```
/// use wscore::handshake::Limits;
/// use wscore::io::proxy::{ProxyError, TunnelResponse};
///
/// let mut response = TunnelResponse::new(&Limits::DEFAULT);
/// assert_eq!(response.check(b"HTTP/1.1 200 Connection es"), Ok(None));
/// assert_eq!(response.check(b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03"), Ok(Some(39)));
///
/// let refused = TunnelResponse::new(&Limits::DEFAULT).check(b"HTTP/1.1 403 Forbidden\r\n\r\n");
/// assert!(matches!(refused, Err(ProxyError::Forbidden(r)) if r.status == 403));
/// ```
#[derive(Clone, Debug)]
pub struct TunnelResponse {
    scanner: HeadScanner,
    limits: Limits,
}

impl TunnelResponse {
    /// A reader enforcing `limits`.
    pub fn new(limits: &Limits) -> TunnelResponse {
        TunnelResponse {
            scanner: HeadScanner::new(limits),
            limits: *limits,
        }
    }

    /// `Ok(None)` while the head is incomplete; `Ok(Some(len))` once the proxy accepted
    /// (2xx): `buf[len..]` is tunnel data. A refusal or a malformed head is an error.
    pub fn check(&mut self, buf: &[u8]) -> Result<Option<usize>, ProxyError> {
        let Some(end) = self
            .scanner
            .scan(buf)
            .map_err(ProxyError::InvalidResponse)?
        else {
            return Ok(None);
        };
        parse_connect_response(&buf[..end], &self.limits).map(|status| status.complete())
    }
}

/// Parses a proxy's answer to `CONNECT` from the start of `buf`: [`Status::Complete`] with
/// the head length when the proxy accepted (any 2xx), [`Status::Partial`] while the head is
/// incomplete, an error for a refusal or a malformed head.
pub fn parse_connect_response(buf: &[u8], limits: &Limits) -> Result<Status<usize>, ProxyError> {
    let mut headers = [EMPTY_HEADER; 64];
    match parse_response(buf, &mut headers, limits).map_err(ProxyError::InvalidResponse)? {
        Status::Partial => Ok(Status::Partial),
        Status::Complete((head, len)) => {
            if (200..300).contains(&head.status) {
                return Ok(Status::Complete(len));
            }
            let challenge = head
                .headers
                .iter()
                .find(|h| h.is("Proxy-Authenticate"))
                .map(|h| String::from_utf8_lossy(h.value).into_owned());
            Err(refusal(head.status, head.reason, challenge))
        }
    }
}

/// The proxy environment variables, read once.
///
/// Each is looked up in lower case first, then in upper case (`https_proxy`, then
/// `HTTPS_PROXY`); an empty value counts as unset. Inside a CGI script (`REQUEST_METHOD` set)
/// the upper-case `HTTP_PROXY` is ignored, since a client's `Proxy:` request header lands
/// there ("httpoxy").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// `https_proxy` / `HTTPS_PROXY`: the proxy for `wss://`.
    pub https: Option<String>,
    /// `http_proxy` / `HTTP_PROXY`: the proxy for `ws://`.
    pub http: Option<String>,
    /// `all_proxy` / `ALL_PROXY`: the proxy for either, when the specific one is unset.
    pub all: Option<String>,
    /// `no_proxy` / `NO_PROXY`: hosts reached directly (see [`no_proxy_matches`]).
    pub no_proxy: Option<String>,
}

impl ProxyEnv {
    /// Reads the process environment.
    pub fn from_env() -> ProxyEnv {
        ProxyEnv::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get` (a map in tests, the environment in
    /// [`from_env`](Self::from_env)).
    pub fn from_lookup(mut get: impl FnMut(&str) -> Option<String>) -> ProxyEnv {
        let cgi = get("REQUEST_METHOD").is_some();
        let mut read = |lower: &str, upper: &str, use_upper: bool| {
            get(lower).filter(|v| !v.trim().is_empty()).or_else(|| {
                use_upper
                    .then(|| get(upper))
                    .flatten()
                    .filter(|v| !v.trim().is_empty())
            })
        };
        ProxyEnv {
            https: read("https_proxy", "HTTPS_PROXY", true),
            http: read("http_proxy", "HTTP_PROXY", !cgi),
            all: read("all_proxy", "ALL_PROXY", true),
            no_proxy: read("no_proxy", "NO_PROXY", true),
        }
    }

    /// The proxy to use for a connection to `host:port` (`secure` for `wss://`), or `None`
    /// to connect directly: `NO_PROXY` first, then `HTTPS_PROXY` (`wss`) or `HTTP_PROXY`
    /// (`ws`), then `ALL_PROXY`.
    pub fn proxy_for(
        &self,
        secure: bool,
        host: &str,
        port: u16,
    ) -> Result<Option<Proxy>, ProxyError> {
        if let Some(list) = &self.no_proxy {
            if no_proxy_matches(list, host, port) {
                return Ok(None);
            }
        }
        let specific = if secure { &self.https } else { &self.http };
        match specific.as_ref().or(self.all.as_ref()) {
            Some(setting) => Proxy::parse(setting).map(Some),
            None => Ok(None),
        }
    }
}

/// Whether `host:port` is excluded from proxying by a `NO_PROXY` list.
///
/// The list is separated by commas (spaces around entries are ignored). An entry matches:
/// - `*`: every host;
/// - `example.com`, `.example.com` or `*.example.com`: that domain and all its subdomains
///   (as curl does; matched without regard to case, a trailing dot ignored);
/// - an IP address (`127.0.0.1`, `::1`, `[::1]`): that address, in any spelling;
/// - a CIDR block (`10.0.0.0/8`, `fd00::/8`): the IP addresses inside;
/// - any of these with `:port` (`[::1]:8080` for IPv6): only connections to that port.
///
/// Host names are not resolved: an IP entry matches only a URI that spells an address.
pub fn no_proxy_matches(no_proxy: &str, host: &str, port: u16) -> bool {
    let host = normalize_host(host);
    let host_ip = host.parse::<IpAddr>().ok();
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| entry_matches(entry, &host, host_ip, port))
}

fn normalize_host(host: &str) -> String {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn entry_matches(entry: &str, host: &str, host_ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    // Split an optional port: `[v6]:port`, `name:port`, `v4:port`; a bare IPv6 address (or
    // an IPv6 CIDR block) has several colons and no port.
    let (name, entry_port) = if let Some(rest) = entry.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inner, "")) => (inner, None),
            Some((inner, after)) => match after.strip_prefix(':') {
                Some(p) => (inner, Some(p)),
                None => return false,
            },
            None => return false,
        }
    } else if entry.matches(':').count() == 1 {
        let (name, p) = entry.split_once(':').unwrap_or((entry, ""));
        (name, Some(p))
    } else {
        (entry, None)
    };
    if let Some(p) = entry_port {
        match p.parse::<u16>() {
            Ok(p) if p == port => {}
            _ => return false,
        }
    }
    if let Some((net, bits)) = name.split_once('/') {
        return match (net.parse::<IpAddr>(), bits.parse::<u8>(), host_ip) {
            (Ok(net), Ok(bits), Some(ip)) => in_cidr(ip, net, bits),
            _ => false,
        };
    }
    if let (Ok(ip), Some(host_ip)) = (name.parse::<IpAddr>(), host_ip) {
        return ip == host_ip;
    }
    let name = name.strip_prefix("*.").unwrap_or(name);
    let name = name.strip_prefix('.').unwrap_or(name);
    let name = normalize_host(name);
    if name.is_empty() {
        return false;
    }
    host == name
        || (host.len() > name.len()
            && host.ends_with(name.as_str())
            && host.as_bytes()[host.len() - name.len() - 1] == b'.')
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let shift = u32::from(width - bits);
    shift >= 128 || (ip >> shift) == (net >> shift)
}
