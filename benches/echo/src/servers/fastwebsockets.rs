//! fastwebsockets as its echo example uses it: the handshake by hand (the bench's, no hyper),
//! `WebSocket::after_handshake`, a `FragmentCollector` for whole messages, and the received
//! frame written back with `write_frame`.

use ::fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
use tokio::net::TcpStream;

use crate::BoxError;

pub async fn serve(mut tcp: TcpStream) -> Result<(), BoxError> {
    crate::handshake::server(&mut tcp).await?;
    let mut ws = WebSocket::after_handshake(tcp, Role::Server);
    ws.set_auto_close(true);
    ws.set_auto_pong(true);
    let mut ws = FragmentCollector::new(ws);
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            OpCode::Close => return Ok(()),
            OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
            _ => {}
        }
    }
}
