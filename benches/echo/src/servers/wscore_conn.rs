//! `wscore::Connection` driven by hand over a tokio `TcpStream`, the way the call contract
//! describes: read into a buffer, `receive` until the input is used up, echo each data piece
//! straight from the input buffer (`send`, or `begin_message`/`send_fragment`/
//! `finish_message` when a message arrives over several reads: the echo then goes out
//! fragmented), then drain `transmit` with `write_vectored`. No timers are armed: keepalive
//! is off, and the client closes first.

use std::io::IoSlice;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wscore::handshake::{Limits, Request, Status, EMPTY_HEADER};
use wscore::{Config, Connection, Event};

use crate::BoxError;

/// The read buffer: one 64 KiB read at a time.
const READ_BUF: usize = 64 * 1024;

pub async fn serve(mut tcp: TcpStream) -> Result<(), BoxError> {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = handshake(&mut tcp, &mut buf).await?;
    let epoch = Instant::now();
    let mut conn = Connection::server(Config::default(), epoch.elapsed());
    loop {
        if filled == 0 {
            filled = tcp.read(&mut buf).await?;
            if filled == 0 {
                conn.handle_eof()?;
                flush(&mut conn, &mut tcp).await?;
                return Ok(());
            }
        }
        let now = epoch.elapsed();
        let mut input = &mut buf[..filled];
        while let Some((event, rest)) = conn.receive(now, input)? {
            if let Event::Data(data) = event {
                match (data.first, data.last) {
                    (true, true) => conn.send(data.kind, data.payload)?,
                    (true, false) => {
                        conn.begin_message(data.kind)?;
                        conn.send_fragment(data.payload)?;
                    }
                    (false, false) => conn.send_fragment(data.payload)?,
                    (false, true) => conn.finish_message(data.payload)?,
                }
            }
            input = rest;
        }
        filled = 0;
        flush(&mut conn, &mut tcp).await?;
        if conn.is_finished() {
            return Ok(());
        }
    }
}

/// Writes everything queued, one vectored write per header + payload piece.
async fn flush(conn: &mut Connection<Vec<u8>>, tcp: &mut TcpStream) -> Result<(), BoxError> {
    while let Some(t) = conn.transmit() {
        let n = tcp
            .write_vectored(&[IoSlice::new(t.header), IoSlice::new(t.payload)])
            .await?;
        if n == 0 {
            return Err("write returned 0".into());
        }
        conn.advance_transmit(n);
    }
    Ok(())
}

/// Answers the opening handshake with wscore's sans-IO handshake types. Returns how many
/// bytes of WebSocket data followed the request head (moved to the start of `buf`).
async fn handshake(tcp: &mut TcpStream, buf: &mut [u8]) -> Result<usize, BoxError> {
    let mut head = Vec::new();
    loop {
        let n = tcp.read(buf).await?;
        if n == 0 {
            return Err("eof during the handshake".into());
        }
        head.extend_from_slice(&buf[..n]);
        let mut headers = [EMPTY_HEADER; 32];
        if let Status::Complete((request, consumed)) =
            Request::parse(&head, &mut headers, &Limits::DEFAULT)?
        {
            tcp.write_all(&request.accept().to_vec()).await?;
            let rest = head.len() - consumed;
            buf[..rest].copy_from_slice(&head[consumed..]);
            return Ok(rest);
        }
    }
}
