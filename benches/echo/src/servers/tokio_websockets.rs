//! tokio-websockets (feature `server`): `ServerBuilder::accept`, then `next`/`send`.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;

use crate::BoxError;

pub async fn serve(tcp: TcpStream) -> Result<(), BoxError> {
    let (_request, mut ws) = ::tokio_websockets::ServerBuilder::new().accept(tcp).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_binary() || message.is_text() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
