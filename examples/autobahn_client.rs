//! The Autobahn|Testsuite client testee: runs every case of a `wstest -m fuzzingserver`,
//! echoing each message back, then asks the server to write its reports.
//!
//! ```text
//! cargo run --release --example autobahn_client --features tokio,blocking -- \
//!     ws://127.0.0.1:9002 AGENT [--blocking]
//! ```

use futures_util::{SinkExt, StreamExt};
use wscore::io::{Error, Message, Options};
use wscore::Config;

/// Limits raised for the suite's largest cases (16 MiB messages); keepalive off, so that no
/// unsolicited ping lands in a case's transcript.
fn config() -> Config {
    Config::default()
        .max_frame_payload(64 << 20)
        .max_message_size(64 << 20)
        .max_queued_bytes(64 << 20)
        .keepalive_interval(None)
}

/// The adapter options: with the `deflate` feature, permessage-deflate is offered (the
/// client defaults of `DeflateConfig`), so the suite's sections 12 and 13 run.
fn options() -> Options {
    let options = Options::default().open_timeout(Some(std::time::Duration::from_secs(30)));
    #[cfg(feature = "deflate")]
    let options = options.client_extensions(std::sync::Arc::new(
        wscore::deflate::DeflateClient::new(wscore::deflate::DeflateConfig::new()),
    ));
    options
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let blocking = args.iter().any(|a| a == "--blocking");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (Some(base), Some(agent)) = (positional.first(), positional.get(1)) else {
        eprintln!("usage: autobahn_client ws://HOST:PORT AGENT [--blocking]");
        std::process::exit(2);
    };
    let result = if blocking {
        run_blocking(base, agent)
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(run_tokio(base, agent))
    };
    if let Err(e) = result {
        eprintln!("autobahn_client: {e}");
        std::process::exit(1);
    }
}

/// The number of cases, from `/getCaseCount`.
fn parse_count(message: Option<Message>) -> Result<u32, Error> {
    match message {
        Some(Message::Text(text)) => text
            .trim()
            .parse()
            .map_err(|_| Error::Io(std::io::Error::other(format!("bad case count {text:?}")))),
        other => Err(Error::Io(std::io::Error::other(format!(
            "no case count: {other:?}"
        )))),
    }
}

async fn run_tokio(base: &str, agent: &str) -> Result<(), Error> {
    use wscore::io::tokio::connect_with_options;
    let mut ws = connect_with_options(&format!("{base}/getCaseCount"), config(), options()).await?;
    let count = parse_count(ws.next().await.transpose()?)?;
    while ws.next().await.is_some() {}
    for case in 1..=count {
        let uri = format!("{base}/runCase?case={case}&agent={agent}");
        let mut ws = match connect_with_options(&uri, config(), options()).await {
            Ok(ws) => ws,
            Err(e) => {
                eprintln!("case {case}: {e}");
                continue;
            }
        };
        while let Some(message) = ws.next().await {
            match message {
                Ok(m) if m.is_data() => {
                    if ws.send(m).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break, // the case is about the failure; go on with the next
            }
        }
    }
    let mut ws = connect_with_options(
        &format!("{base}/updateReports?agent={agent}"),
        config(),
        options(),
    )
    .await?;
    while ws.next().await.is_some() {}
    println!("ran {count} cases as {agent}");
    Ok(())
}

fn run_blocking(base: &str, agent: &str) -> Result<(), Error> {
    use std::net::TcpStream;
    use wscore::io::blocking::BlockingWebSocket;
    let connect = |path: &str| -> Result<BlockingWebSocket<TcpStream>, Error> {
        let addr = base.trim_start_matches("ws://");
        let tcp = TcpStream::connect(addr)?;
        tcp.set_nodelay(true)?;
        let mut nonce = [0u8; 16];
        wscore::Entropy::fill(&mut wscore::io::OsEntropy, &mut nonce)
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let uri = format!("{base}{path}");
        let request = wscore::handshake::ClientRequest::new(&uri, nonce).map_err(Error::Uri)?;
        let ws = BlockingWebSocket::connect_with(request, tcp, config(), options())?;
        Ok(ws)
    };
    let mut ws = connect("/getCaseCount")?;
    let count = parse_count(ws.read().ok())?;
    while ws.read().is_ok() {}
    for case in 1..=count {
        let mut ws = match connect(&format!("/runCase?case={case}&agent={agent}")) {
            Ok(ws) => ws,
            Err(e) => {
                eprintln!("case {case}: {e}");
                continue;
            }
        };
        loop {
            match ws.read() {
                Ok(m) if m.is_data() => {
                    if ws.send_owned(m).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    let mut ws = connect(&format!("/updateReports?agent={agent}"))?;
    while ws.read().is_ok() {}
    println!("ran {count} cases as {agent}");
    Ok(())
}
