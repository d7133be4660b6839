//! tokio-tungstenite: `accept_async`, then `next`/`send` (default `WebSocketConfig`).

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;

use crate::BoxError;

pub async fn serve(tcp: TcpStream) -> Result<(), BoxError> {
    let mut ws = ::tokio_tungstenite::accept_async(tcp).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_binary() || message.is_text() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
