//! Opening handshake throughput: a typical browser request (about 500 bytes, 12 headers).
//!
//! `wscore/parse+validate+101` parses the head, validates it per RFC 6455 4.2.1, computes
//! `Sec-WebSocket-Accept` and writes the 101 response; `wscore/parse` is the head parser
//! alone; `httparse/parse` is httparse parsing the same bytes, for scale.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wscore::handshake::{parse_request, Limits, Request, Status, EMPTY_HEADER};

const CHROME_REQUEST: &[u8] = b"GET /chat?room=lobby HTTP/1.1\r\n\
Host: example.com:8080\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: https://example.com\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

fn handshake(c: &mut Criterion) {
    let limits = Limits::DEFAULT;
    let mut group = c.benchmark_group("handshake");
    group.throughput(Throughput::Bytes(CHROME_REQUEST.len() as u64));

    group.bench_function("wscore/parse+validate+101", |b| {
        let mut out = [0u8; 256];
        b.iter(|| {
            let mut headers = [EMPTY_HEADER; 16];
            let Ok(Status::Complete((request, _))) =
                Request::parse(black_box(CHROME_REQUEST), &mut headers, &limits)
            else {
                panic!("the benchmark request is valid")
            };
            let n = request.accept().write_to(&mut out).expect("fits");
            black_box(&out[..n]);
        })
    });

    group.bench_function("wscore/parse", |b| {
        b.iter(|| {
            let mut headers = [EMPTY_HEADER; 16];
            let parsed = parse_request(black_box(CHROME_REQUEST), &mut headers, &limits);
            black_box(parsed.is_ok());
        })
    });

    group.bench_function("httparse/parse", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut request = httparse::Request::new(&mut headers);
            let parsed = request.parse(black_box(CHROME_REQUEST));
            black_box(parsed.is_ok());
        })
    });
    group.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);
