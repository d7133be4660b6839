//! wscore's tokio adapter, used as its documentation shows: `accept`, then `next`/`send`.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;

use crate::BoxError;

pub async fn serve(tcp: TcpStream) -> Result<(), BoxError> {
    let mut ws = wscore::io::tokio::accept(tcp, wscore::Config::default()).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
