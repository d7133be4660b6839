//! One echo round trip per client adapter, for the proxy tests.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use wscore::handshake::ClientRequest;
use wscore::io::{ConnectOptions, Error, Message, Options};
use wscore::Config;

use super::servers::rt;

pub async fn tokio_round_trip(uri: &str, options: &ConnectOptions) -> Result<(), Error> {
    let request = ClientRequest::new(uri, [4; 16]).unwrap();
    let mut ws = wscore::io::tokio::connect_request(
        request,
        Config::default(),
        Options::default().connect(options.clone()),
    )
    .await?;
    ws.send(Message::text("through the tunnel")).await?;
    assert_eq!(
        ws.next().await.unwrap()?,
        Message::text("through the tunnel")
    );
    ws.close().await?;
    Ok(())
}

pub fn tokio_client(uri: &str, options: &ConnectOptions) -> Result<(), Error> {
    rt().block_on(async {
        tokio::time::timeout(Duration::from_secs(20), tokio_round_trip(uri, options))
            .await
            .expect("timed out")
    })
}

#[cfg(feature = "blocking")]
pub fn blocking_client(uri: &str, options: &ConnectOptions) -> Result<(), Error> {
    let request = ClientRequest::new(uri, [6; 16]).unwrap();
    let mut ws = wscore::io::blocking::connect_request(
        request,
        Config::default(),
        Options::default().connect(options.clone()),
    )?;
    let m = Message::text("blocking through the tunnel");
    ws.send(&m)?;
    assert_eq!(ws.read()?, m);
    ws.close(wscore::frame::CloseCode::NORMAL, "")?;
    Ok(())
}

#[cfg(feature = "futures-io")]
pub fn futures_client(uri: &str, options: &ConnectOptions) -> Result<(), Error> {
    use wscore::io::connector::Route;
    smol::block_on(async {
        let run = async {
            let request = ClientRequest::new(uri, [8; 16]).unwrap();
            let route = Route::new(request.uri(), options)?;
            let tcp = smol::net::TcpStream::connect(route.address()).await?;
            let options = Options::default().connect(options.clone());
            let mut ws = wscore::io::futures::connect_route(
                request,
                &route,
                tcp,
                Config::default(),
                options,
            )
            .await?;
            ws.send(Message::text("futures through the tunnel")).await?;
            assert_eq!(
                ws.next().await.unwrap()?,
                Message::text("futures through the tunnel")
            );
            ws.close().await?;
            Ok(())
        };
        let timeout = async {
            smol::Timer::after(Duration::from_secs(20)).await;
            panic!("timed out")
        };
        match futures_util::future::select(Box::pin(run), Box::pin(timeout)).await {
            futures_util::future::Either::Left((result, _)) => result,
            futures_util::future::Either::Right(_) => unreachable!(),
        }
    })
}

pub type Client = fn(&str, &ConnectOptions) -> Result<(), Error>;

pub fn clients() -> Vec<(&'static str, Client, bool)> {
    // (name, client, whether it has TLS in this build)
    #[allow(unused_mut)]
    let mut clients: Vec<(&'static str, Client, bool)> =
        vec![("tokio", tokio_client, cfg!(feature = "tls-tokio"))];
    #[cfg(feature = "blocking")]
    clients.push(("blocking", blocking_client, cfg!(feature = "tls-blocking")));
    #[cfg(feature = "futures-io")]
    clients.push(("futures-io", futures_client, cfg!(feature = "tls-futures")));
    clients
}
