//! Differential check of the handshake head parser against `httparse`.
//!
//! The first input byte selects the variant: bit 0 picks request (0) or response (1)
//! parsing; bit 1 picks tight limits (to exercise the limit paths) instead of the defaults.
//! Invariants, each asserted:
//!
//! - whenever `httparse` accepts a head that is within our limits, we accept it too, with
//!   the same length, method/target or status, version and header list;
//! - we never accept what `httparse` rejects or still considers partial;
//! - while `httparse` waits for more input, we either wait too or refuse with a limit error;
//! - we never wait for more input once the buffer is longer than `max_head_len` (bounded
//!   memory);
//! - `HeadScanner`, fed the input in pieces, finds the head's end exactly where the parser
//!   does;
//! - nothing panics.

use wscore::handshake::{
    parse_request, parse_response, HeadError, HeadScanner, HttpHeader, Limits, Status, EMPTY_HEADER,
};

const TIGHT: Limits = Limits {
    max_head_len: 256,
    max_headers: 6,
    max_line_len: 64,
};

/// Entry point shared by the fuzz target, the corpus replay and the property test.
pub fn run(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let limits = if selector & 2 == 0 {
        Limits::DEFAULT
    } else {
        TIGHT
    };
    if selector & 1 == 0 {
        check_request(input, &limits);
    } else {
        check_response(input, &limits);
    }
}

fn is_limit_error(e: &HeadError) -> bool {
    matches!(
        e,
        HeadError::HeadTooLarge | HeadError::LineTooLong | HeadError::TooManyHeaders
    )
}

/// Whether a head that httparse accepted (`len` bytes, `headers` fields) is within `limits`.
fn within_limits(input: &[u8], len: usize, headers: usize, limits: &Limits) -> bool {
    let lines_ok = input[..len].split(|&b| b == b'\n').all(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line.len() <= limits.max_line_len
    });
    len <= limits.max_head_len && headers <= limits.max_headers && lines_ok
}

fn same_headers(ours: &[HttpHeader<'_>], theirs: &[httparse::Header<'_>]) -> bool {
    ours.len() == theirs.len()
        && ours
            .iter()
            .zip(theirs)
            .all(|(a, b)| a.name == b.name && a.value == b.value)
}

/// The incremental scanner, fed in three pieces, finds the end exactly where the parser
/// does, and finds none while the parser waits for more.
fn check_scanner<T>(input: &[u8], ours: &Result<Status<(T, usize)>, HeadError>, limits: &Limits) {
    let mut scanner = HeadScanner::new(limits);
    let mut found = Ok(None);
    for end in [input.len() / 3, input.len() * 2 / 3, input.len()] {
        found = scanner.scan(&input[..end]);
        if !matches!(found, Ok(None)) {
            break;
        }
    }
    match ours {
        Ok(Status::Complete((_, len))) => assert_eq!(found, Ok(Some(*len)), "scanner end"),
        Ok(Status::Partial) => assert_eq!(found, Ok(None), "scanner found an end too early"),
        Err(_) => {}
    }
}

fn check_bounded<T>(input: &[u8], ours: &Result<Status<T>, HeadError>, limits: &Limits) {
    if let Ok(Status::Partial) = ours {
        assert!(
            input.len() <= limits.max_head_len,
            "partial after {} bytes with a limit of {}",
            input.len(),
            limits.max_head_len
        );
    }
}

fn check_request(input: &[u8], limits: &Limits) {
    let mut our_headers = [EMPTY_HEADER; 64];
    let ours = parse_request(input, &mut our_headers, limits);
    check_bounded(input, &ours, limits);
    check_scanner(input, &ours, limits);

    let mut their_headers = [httparse::EMPTY_HEADER; 512];
    let mut theirs = httparse::Request::new(&mut their_headers);
    let their_result = theirs.parse(input);

    match (&ours, their_result) {
        (Ok(Status::Complete((head, len))), Ok(httparse::Status::Complete(their_len))) => {
            assert_eq!(*len, their_len, "head length");
            assert_eq!(Some(head.method), theirs.method);
            assert_eq!(Some(head.target), theirs.path);
            assert_eq!(Some(head.minor_version), theirs.version);
            assert!(same_headers(head.headers, theirs.headers), "headers differ");
        }
        (Ok(Status::Complete(_)), other) => {
            panic!("we accepted a request httparse does not: {other:?}")
        }
        (ours, Ok(httparse::Status::Complete(their_len))) => {
            if within_limits(input, their_len, theirs.headers.len(), limits) {
                panic!("httparse accepted a request within limits that we did not: {ours:?}");
            }
            assert!(
                matches!(ours, Err(e) if is_limit_error(e)),
                "over-limit request must fail with a limit error: {ours:?}"
            );
        }
        (Err(e), Ok(httparse::Status::Partial)) => {
            assert!(
                is_limit_error(e),
                "httparse waits for more input but we refused: {e:?}"
            );
        }
        _ => {}
    }
}

fn check_response(input: &[u8], limits: &Limits) {
    let mut our_headers = [EMPTY_HEADER; 64];
    let ours = parse_response(input, &mut our_headers, limits);
    check_bounded(input, &ours, limits);
    check_scanner(input, &ours, limits);

    let mut their_headers = [httparse::EMPTY_HEADER; 512];
    let mut theirs = httparse::Response::new(&mut their_headers);
    let their_result = theirs.parse(input);

    match (&ours, their_result) {
        (Ok(Status::Complete((head, len))), Ok(httparse::Status::Complete(their_len))) => {
            assert_eq!(*len, their_len, "head length");
            assert_eq!(Some(head.minor_version), theirs.version);
            assert_eq!(Some(head.status), theirs.code);
            // httparse reports a reason with obs-text as "".
            if head.reason.is_ascii() {
                assert_eq!(Some(head.reason), theirs.reason.map(str::as_bytes));
            }
            assert!(same_headers(head.headers, theirs.headers), "headers differ");
        }
        (Ok(Status::Complete(_)), other) => {
            panic!("we accepted a response httparse does not: {other:?}")
        }
        (ours, Ok(httparse::Status::Complete(their_len))) => {
            if within_limits(input, their_len, theirs.headers.len(), limits) {
                panic!("httparse accepted a response within limits that we did not: {ours:?}");
            }
            assert!(
                matches!(ours, Err(e) if is_limit_error(e)),
                "over-limit response must fail with a limit error: {ours:?}"
            );
        }
        (Err(e), Ok(httparse::Status::Partial)) => {
            assert!(
                is_limit_error(e),
                "httparse waits for more input but we refused: {e:?}"
            );
        }
        _ => {}
    }
}
