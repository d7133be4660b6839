//! Property tests for the connection state machine, on the two-peer harness: random message
//! sequences over random transport splits arrive exactly as sent, and random or corrupted
//! input never panics, never breaks the error and Close rules, and stays within the limits.
#![cfg(feature = "alloc")]

mod harness;

use core::time::Duration;

use harness::{drain, feed, frames, merged, seeded_entropy, Seen};
use wscore::frame::Opcode;
use wscore::{Config, Connection, DataKind, Role, SendError};

// ---------------------------------------------------------------------------------------
// Regressions found by the `connection` fuzz target
// ---------------------------------------------------------------------------------------

/// A `finish_message` refused because the text ends inside a code point queues nothing, so
/// it must not move the streamed message's UTF-8 state either: the bytes it was refused for
/// never reach the peer, and the next fragment is checked against what was actually queued.
#[test]
fn refused_finish_message_leaves_the_utf8_state_alone() {
    let smile = "\u{1f600}".as_bytes(); // f0 9f 98 80
    let mut client = Connection::client(Config::default(), seeded_entropy(3), Duration::ZERO);
    client.begin_message(DataKind::Text).unwrap();
    client.send_fragment(&smile[..2]).unwrap();
    // Ends inside the code point: refused, nothing queued.
    assert_eq!(
        client.finish_message(&smile[2..3]),
        Err(SendError::InvalidUtf8)
    );
    // What was queued is f0 9f; with 80 it is still a valid prefix...
    client.send_fragment(&smile[3..]).unwrap();
    // ...but f0 9f 80 ends inside a code point, so the message cannot end here (the refused
    // byte 98 must not count as sent).
    assert_eq!(client.finish_message(b""), Err(SendError::InvalidUtf8));
    client.finish_message(&[0x80]).unwrap();
    let mut wire = drain(&mut client);
    let mut server = Connection::server(Config::default(), Duration::ZERO);
    let mut seen = Vec::new();
    feed(&mut server, Duration::ZERO, &mut wire, &mut seen).unwrap();
    assert_eq!(
        merged(&seen),
        vec![Seen::Data {
            text: true,
            payload: "\u{1f000}".as_bytes().to_vec(),
            first: true,
            last: true
        }]
    );
}
