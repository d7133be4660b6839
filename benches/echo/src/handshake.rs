//! Hand-written opening handshakes, identical for every server under test: the load
//! generator's client side, and the server side for peers that leave it to the user.

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::BoxError;

const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// The client's fixed nonce (RFC 6455 1.3's example); the bench needs no randomness here.
pub const CLIENT_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.digest().bytes())
}

/// Reads an HTTP head (up to the blank line) from `tcp`. Returns the buffer and the head's
/// length; bytes after it are already WebSocket data.
async fn read_head(tcp: &mut TcpStream) -> Result<(Vec<u8>, usize), BoxError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            return Err("eof during the handshake".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok((buf, end + 4));
        }
        if buf.len() > 16 * 1024 {
            return Err("handshake head too long".into());
        }
    }
}

/// Client side: sends the upgrade request and checks the 101 response. Returns the bytes
/// that followed the response head (normally none).
pub async fn client(tcp: &mut TcpStream, host: &str) -> Result<Vec<u8>, BoxError> {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {CLIENT_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await?;
    let (buf, len) = read_head(tcp).await?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    response.parse(&buf[..len])?;
    if response.code != Some(101) {
        return Err(format!("handshake refused: {:?}", response.code).into());
    }
    let expected = accept_key(CLIENT_KEY.as_bytes());
    let accept = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-accept"))
        .ok_or("no Sec-WebSocket-Accept")?;
    if accept.value != expected.as_bytes() {
        return Err("wrong Sec-WebSocket-Accept".into());
    }
    Ok(buf[len..].to_vec())
}

/// Server side for peers without their own (fastwebsockets without its hyper `upgrade`
/// feature): reads the request, answers 101. The bench's client sends nothing before the
/// response, so no WebSocket bytes can follow the request head.
pub async fn server(tcp: &mut TcpStream) -> Result<(), BoxError> {
    let (buf, len) = read_head(tcp).await?;
    if buf.len() != len {
        return Err("data after the request head".into());
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(&buf[..len])?;
    let key = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-key"))
        .ok_or("no Sec-WebSocket-Key")?;
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key.value)
    );
    tcp.write_all(response.as_bytes()).await?;
    Ok(())
}
