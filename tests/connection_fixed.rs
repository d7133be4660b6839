//! The connection without an allocator: send queues in caller-provided `FixedBuffer`s and
//! masking keys from a plain function, as firmware runs it. Runs under every feature set,
//! including `--no-default-features`.

use core::time::Duration;

use wscore::frame::{CloseCode, Decoder, Item, Opcode};
use wscore::{
    Config, Connection, DataKind, Entropy, EntropyError, Event, FixedBuffer, Role, SendError, State,
};

/// A counter-based key source, standing in for a hardware generator.
fn entropy(buf: &mut [u8]) -> Result<(), EntropyError> {
    use core::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0x9e37_79b9);
    let v = NEXT.fetch_add(0x6d2b_79f5, Ordering::Relaxed).to_le_bytes();
    for (b, v) in buf.iter_mut().zip(v.iter().cycle()) {
        *b = *v;
    }
    Ok(())
}

/// Moves everything `from` has queued into `wire`, returning the length.
fn drain<B: wscore::SendBuffer, R: Entropy>(from: &mut Connection<B, R>, wire: &mut [u8]) -> usize {
    let mut n = 0;
    loop {
        let m = from.poll_transmit(&mut wire[n..]);
        if m == 0 {
            return n;
        }
        n += m;
    }
}

#[test]
fn fixed_buffer_peers_exchange_messages_and_close() {
    let now = Duration::ZERO;
    let (mut client_mem, mut server_mem) = ([0u8; 512], [0u8; 512]);
    let mut client = Connection::client_in(
        Config::default(),
        FixedBuffer::new(&mut client_mem),
        entropy,
        now,
    );
    let mut server =
        Connection::server_in(Config::default(), FixedBuffer::new(&mut server_mem), now);

    client.send_text("reading: 21.5").unwrap();
    client.ping(b"hb").unwrap();
    let mut wire = [0u8; 1024];
    let n = drain(&mut client, &mut wire);

    let mut got_text = false;
    let mut got_ping = false;
    let mut input = &mut wire[..n];
    while let Some((event, rest)) = server.receive(now, input).unwrap() {
        match event {
            Event::Data(d) => {
                assert_eq!(
                    (d.kind, d.payload, d.last),
                    (DataKind::Text, &b"reading: 21.5"[..], true)
                );
                got_text = true;
            }
            Event::Ping(p) => {
                assert_eq!(p.as_bytes(), b"hb");
                got_ping = true;
            }
            other => panic!("{other:?}"),
        }
        input = rest;
    }
    assert!(got_text && got_ping);

    server.close(now, CloseCode::NORMAL, "bye").unwrap();
    let mut reply = [0u8; 256];
    let n = drain(&mut server, &mut reply);
    // The pong overtook nothing (no data queued) and the Close follows it.
    let mut decoder = Decoder::new(Role::Client);
    let mut opcodes = [None; 4];
    let mut count = 0;
    let mut input = &mut reply[..n];
    while !input.is_empty() {
        let (item, rest) = decoder.decode(input).unwrap();
        if let Item::Header(h) = item {
            opcodes[count] = Some(h.opcode);
            count += 1;
        }
        input = rest;
    }
    assert_eq!(
        &opcodes[..count],
        &[Some(Opcode::Pong), Some(Opcode::Close)]
    );

    let mut input = &mut reply[..n];
    let mut closed = false;
    while let Some((event, rest)) = client.receive(now, input).unwrap() {
        if let Event::Close(c) = event {
            assert_eq!((c.code(), c.reason()), (CloseCode::NORMAL, "bye"));
            closed = true;
        }
        input = rest;
    }
    assert!(closed);
    assert!(matches!(client.state(), State::Closed(_)));
    let mut echo = [0u8; 64];
    let n = drain(&mut client, &mut echo);
    assert_eq!(&echo[..2], &[0x88, 0x82], "a masked Close echo");
    assert_eq!(n, 2 + 4 + 2);
}

#[test]
fn a_full_fixed_buffer_refuses_messages_but_still_closes() {
    let now = Duration::ZERO;
    let mut mem = [0u8; 100];
    let mut server = Connection::server_in(Config::default(), FixedBuffer::new(&mut mem), now);
    server.send_binary(&[1u8; 60]).unwrap();
    // 60 + 2 are used; 60 more bytes (plus a header) do not fit: nothing is queued.
    assert_eq!(
        server.send_binary(&[2u8; 60]),
        Err(SendError::MessageQueueFull)
    );
    assert_eq!(server.queued_bytes(), 62);
    // The Close and pings live outside the buffer: they always fit.
    server.ping(b"p").unwrap();
    server.close(now, CloseCode::GOING_AWAY, "full").unwrap();
    let mut wire = [0u8; 256];
    let n = drain(&mut server, &mut wire);
    assert_eq!(n, 3 + 62 + (2 + 2 + 4));
    // The ping overtakes the queued data (it had not started), the Close goes last.
    assert_eq!(&wire[..3], &[0x89, 1, b'p']);
    assert_eq!(&wire[3..5], &[0x82, 60]);
    assert_eq!(&wire[65..69], &[0x88, 6, 0x03, 0xe9]);
    assert_eq!(server.send_binary(b"x"), Err(SendError::Closing));
}

#[test]
fn small_messages_leave_in_one_write() {
    let now = Duration::ZERO;
    let mut mem = [0u8; 4096];
    let mut server = Connection::server_in(Config::default(), FixedBuffer::new(&mut mem), now);
    for i in 0..10u8 {
        server.send_binary(&[i; 16]).unwrap();
    }
    let t = server.transmit().unwrap();
    assert_eq!(t.len(), 10 * 18, "ten frames, one piece");
    assert_eq!(t.header, &[0x82, 16][..]);
    let n = t.len();
    server.advance_transmit(n);
    assert!(server.transmit().is_none());
    // Reused after draining.
    server.send_binary(&[0; 4000]).unwrap();
}
