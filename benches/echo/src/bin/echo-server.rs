//! One echo server of the benchmark: `echo-server NAME`. Binds 127.0.0.1 on a free port,
//! prints `PORT <n>` on stdout, then serves until killed.

use std::io::Write;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!(
            "usage: echo-server NAME   (one of {:?})",
            wscore_echo_bench::servers::ALL
        );
        std::process::exit(2);
    });
    wscore_echo_bench::proc::raise_nofile();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local_addr").port();
    println!("PORT {port}");
    std::io::stdout().flush().expect("stdout");
    if let Err(e) = wscore_echo_bench::servers::run(&name, listener) {
        eprintln!("echo-server {name}: {e}");
        std::process::exit(1);
    }
}
