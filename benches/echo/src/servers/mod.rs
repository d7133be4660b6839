//! The echo servers under test. Each one's library-facing code is one small file; this
//! module only accepts TCP connections (current-thread tokio, TCP_NODELAY) and dispatches.

pub mod fastwebsockets;
pub mod tokio_tungstenite;
pub mod tokio_websockets;
pub mod wscore_conn;
pub mod wscore_futures;
pub mod wscore_tokio;

use std::future::Future;
use std::pin::Pin;

use tokio::net::TcpStream;

use crate::BoxError;

/// Every server, in the order tables list them: wscore's first, then the peers.
pub const ALL: &[&str] = &[
    "wscore-tokio",
    "wscore-futures",
    "wscore-conn",
    "tokio-tungstenite",
    "fastwebsockets",
    "tokio-websockets",
];

/// Whether a server is one of wscore's (compared against the best peer).
pub fn is_wscore(name: &str) -> bool {
    name.starts_with("wscore")
}

/// One connection's handler: the handshake, then the echo loop.
type Serve = fn(TcpStream) -> Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

/// Runs the named server on `listener` until the process is killed.
pub fn run(name: &str, listener: std::net::TcpListener) -> Result<(), BoxError> {
    listener.set_nonblocking(true)?;
    if name == "wscore-futures" {
        // futures-io: its own single-threaded executor and reactor (smol), no tokio.
        return wscore_futures::run(listener);
    }
    let serve: Serve = match name {
        "wscore-tokio" => |tcp| Box::pin(wscore_tokio::serve(tcp)),
        "wscore-conn" => |tcp| Box::pin(wscore_conn::serve(tcp)),
        "tokio-tungstenite" => |tcp| Box::pin(tokio_tungstenite::serve(tcp)),
        "fastwebsockets" => |tcp| Box::pin(fastwebsockets::serve(tcp)),
        "tokio-websockets" => |tcp| Box::pin(tokio_websockets::serve(tcp)),
        other => return Err(format!("unknown server {other:?}").into()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let (tcp, _) = listener.accept().await?;
            tcp.set_nodelay(true)?;
            tokio::spawn(async move {
                if let Err(e) = serve(tcp).await {
                    eprintln!("server: connection error: {e}");
                }
            });
        }
    })
}
