//! wscore's futures-io adapter over smol: `async_io::Async<std::net::TcpStream>` (which
//! implements vectored writes), one `LocalExecutor` driven by `block_on` on the main thread.

use std::net::{TcpListener, TcpStream};

use futures_util::{SinkExt, StreamExt};
use smol::{Async, LocalExecutor};

use crate::BoxError;

pub fn run(listener: TcpListener) -> Result<(), BoxError> {
    let executor = LocalExecutor::new();
    smol::block_on(executor.run(async {
        let listener = Async::new(listener)?;
        loop {
            let (tcp, _) = listener.accept().await?;
            tcp.get_ref().set_nodelay(true)?;
            executor
                .spawn(async move {
                    if let Err(e) = serve(tcp).await {
                        eprintln!("server: connection error: {e}");
                    }
                })
                .detach();
        }
    }))
}

async fn serve(tcp: Async<TcpStream>) -> Result<(), BoxError> {
    let mut ws = wscore::io::futures::accept(tcp, wscore::Config::default()).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
