//! The echo benchmark's runner and load generator.
//!
//! ```text
//! echo-bench [--quick] [--duration S] [--warmup S] [--rounds N] [--servers a,b] [--conns 1,10]
//!            [--sizes 16,1024] [--depths 1,16] [--mem-conns N] [--no-mem] [--no-matrix]
//!            [--no-pin] [--out DIR]
//! echo-bench load --addr HOST:PORT [--pid PID] [--conns N] [--size B] [--depth D]
//!            [--duration S] [--warmup S]
//! ```
//!
//! The first form starts each server (`echo-server`, next to this binary) as its own
//! process, runs the memory probe and the matrix, prints markdown tables and writes raw
//! results (JSON, CSV, markdown) to `--out` (default `results/`). The second runs one cell
//! against a server that is already running.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wscore_echo_bench::load::{self, CellSpec, Outcome};
use wscore_echo_bench::proc;
use wscore_echo_bench::servers::{is_wscore, ALL};
use wscore_echo_bench::BoxError;

struct Opts {
    duration: Duration,
    warmup: Duration,
    rounds: usize,
    servers: Vec<String>,
    conns: Vec<usize>,
    sizes: Vec<usize>,
    depths: Vec<usize>,
    mem_conns: usize,
    mem: bool,
    matrix: bool,
    pin: bool,
    out: PathBuf,
    // `load` mode
    addr: Option<SocketAddr>,
    pid: Option<u32>,
}

fn list<T: std::str::FromStr>(s: &str) -> Vec<T> {
    s.split(',')
        .map(|x| {
            x.trim()
                .parse()
                .unwrap_or_else(|_| usage(&format!("bad list item {x:?}")))
        })
        .collect()
}

fn usage(msg: &str) -> ! {
    eprintln!("echo-bench: {msg}\nsee the header of benches/echo/src/bin/echo-bench.rs");
    std::process::exit(2)
}

fn parse_args() -> (bool, Opts) {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let load_mode = args.first().is_some_and(|a| a == "load");
    if load_mode {
        args.remove(0);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let mut o = Opts {
        duration: Duration::from_millis(if quick { 250 } else { 1500 }),
        warmup: Duration::from_millis(if quick { 100 } else { 400 }),
        rounds: if quick { 1 } else { 2 },
        servers: ALL.iter().map(|s| s.to_string()).collect(),
        conns: if quick { vec![1, 10] } else { vec![1, 10, 100] },
        sizes: if quick {
            vec![16, 65536]
        } else {
            vec![16, 1024, 65536]
        },
        depths: vec![1, 16],
        mem_conns: if quick { 100 } else { 1000 },
        mem: true,
        matrix: true,
        pin: true,
        out: PathBuf::from("results"),
        addr: None,
        pid: None,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        let secs = |v: String| {
            Duration::from_secs_f64(v.parse().unwrap_or_else(|_| usage("bad number of seconds")))
        };
        match a.as_str() {
            "--quick" => {}
            "--duration" => o.duration = secs(val()),
            "--warmup" => o.warmup = secs(val()),
            "--rounds" => o.rounds = list(&val())[0],
            "--servers" => o.servers = list(&val()),
            "--conns" => o.conns = list(&val()),
            "--sizes" | "--size" => o.sizes = list(&val()),
            "--depths" | "--depth" => o.depths = list(&val()),
            "--mem-conns" => o.mem_conns = list(&val())[0],
            "--no-mem" => o.mem = false,
            "--no-matrix" => o.matrix = false,
            "--no-pin" => o.pin = false,
            "--out" => o.out = PathBuf::from(val()),
            "--addr" => o.addr = Some(val().parse().unwrap_or_else(|_| usage("bad --addr"))),
            "--pid" => o.pid = Some(list(&val())[0]),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    for s in &o.servers {
        if !ALL.contains(&s.as_str()) {
            usage(&format!("unknown server {s:?}; known: {ALL:?}"));
        }
    }
    (load_mode, o)
}

/// A server process, killed on drop.
struct Server {
    name: String,
    child: Child,
    pid: u32,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(bin: &Path, name: &str, cpu: Option<usize>) -> Result<Server, BoxError> {
    let mut cmd = match cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpu.to_string()).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    let mut child = cmd
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let pid = child.id(); // taskset execs the server: same pid
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("{name}: expected `PORT n`, got {line:?}"))?;
    Ok(Server {
        name: name.to_string(),
        child,
        pid,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    })
}

fn run_local<F: std::future::Future>(rt: &tokio::runtime::Runtime, f: F) -> F::Output {
    tokio::task::LocalSet::new().block_on(rt, f)
}

struct Run {
    cell: CellSpec,
    server: String,
    round: usize,
    outcome: Outcome,
}

struct Mem {
    server: String,
    conns: usize,
    base_kib: u64,
    idle_kib: u64,
    echoed_kib: u64,
}

impl Mem {
    fn per_idle(&self) -> f64 {
        (self.idle_kib as f64 - self.base_kib as f64) / self.conns as f64
    }
    fn per_echoed(&self) -> f64 {
        (self.echoed_kib as f64 - self.base_kib as f64) / self.conns as f64
    }
}

fn size_name(size: usize) -> String {
    match size {
        s if s >= 1024 && s % 1024 == 0 => format!("{} KiB", s / 1024),
        s => format!("{s} B"),
    }
}

fn fmt_rate(r: f64) -> String {
    if r >= 100_000.0 {
        format!("{:.0}k", r / 1000.0)
    } else if r >= 10_000.0 {
        format!("{:.1}k", r / 1000.0)
    } else {
        format!("{r:.0}")
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or("-".into(), |x| format!("{x:.digits$}"))
}

fn main() -> Result<(), BoxError> {
    let (load_mode, o) = parse_args();
    let nofile = proc::raise_nofile();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    if load_mode {
        let addr = o.addr.unwrap_or_else(|| usage("load needs --addr"));
        let cell = CellSpec {
            conns: o.conns[0],
            size: o.sizes[0],
            depth: o.depths[0],
            warmup: o.warmup,
            duration: o.duration,
        };
        let r = run_local(&rt, load::run_cell(addr, cell, o.pid))?;
        println!(
            "{} msg/s, p50 {:.1} us, p99 {:.1} us, server CPU {} us/msg",
            fmt_rate(r.rate()),
            r.p50_us,
            r.p99_us,
            opt(r.server_cpu_per_msg(), 2)
        );
        return Ok(());
    }

    let bin = std::env::current_exe()?
        .parent()
        .ok_or("no exe dir")?
        .join("echo-server");
    let cpus = proc::available_cpus();
    let have_taskset = Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let pinned = o.pin && cpus >= 2 && have_taskset && proc::pin_to_cpu(0);
    let server_cpu = pinned.then_some(1);
    let loadavg = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let started = Instant::now();
    let mut notes = vec![
        format!(
            "cpus available: {cpus}; pinning: {}",
            if pinned {
                "load generator on CPU 0, servers on CPU 1 (taskset)"
            } else {
                "off"
            }
        ),
        format!("open-files soft limit: {nofile:?}"),
        format!(
            "window {:.2} s after {:.2} s warm-up, {} round(s); loadavg at start: {}",
            o.duration.as_secs_f64(),
            o.warmup.as_secs_f64(),
            o.rounds,
            loadavg().trim()
        ),
    ];
    eprintln!("{}", notes.join("\n"));

    // Memory probe: a fresh process per server.
    let mut mems = Vec::new();
    if o.mem {
        for name in &o.servers {
            let server = spawn_server(&bin, name, server_cpu)?;
            std::thread::sleep(Duration::from_millis(100));
            let rss = || proc::rss_kib(server.pid).unwrap_or(0);
            let base_kib = rss();
            let mut conns = run_local(&rt, load::open_idle(server.addr, o.mem_conns))?;
            std::thread::sleep(Duration::from_millis(300));
            let idle_kib = rss();
            run_local(&rt, load::echo_once(&mut conns, 65536))?;
            std::thread::sleep(Duration::from_millis(300));
            let echoed_kib = rss();
            drop(server); // killed before the clients go: no closing work measured
            drop(conns);
            let m = Mem {
                server: name.clone(),
                conns: o.mem_conns,
                base_kib,
                idle_kib,
                echoed_kib,
            };
            eprintln!(
                "mem {name}: base {base_kib} KiB, {:.1} KiB/idle conn, {:.1} KiB/conn after echo",
                m.per_idle(),
                m.per_echoed()
            );
            mems.push(m);
        }
    }

    // The matrix: every server stays up; each cell runs the servers one after another, in
    // an order rotated from cell to cell.
    let mut runs = Vec::new();
    if o.matrix {
        let servers: Vec<Server> = o
            .servers
            .iter()
            .map(|n| spawn_server(&bin, n, server_cpu))
            .collect::<Result<_, _>>()?;
        let mut index = 0;
        for &conns in &o.conns {
            for &size in &o.sizes {
                for &depth in &o.depths {
                    let cell = CellSpec {
                        conns,
                        size,
                        depth,
                        warmup: o.warmup,
                        duration: o.duration,
                    };
                    for round in 0..o.rounds {
                        for k in 0..servers.len() {
                            let server = &servers[(index + k) % servers.len()];
                            let outcome =
                                run_local(&rt, load::run_cell(server.addr, cell, Some(server.pid)))
                                    .map_err(|e| format!("{} {cell:?}: {e}", server.name))?;
                            eprintln!(
                                "{conns:>3} conns {:>6} depth {depth:>2} {:<17} {:>8} msg/s p50 {:>7.1} us p99 {:>7.1} us cpu {:>6} us/msg",
                                size_name(size),
                                server.name,
                                fmt_rate(outcome.rate()),
                                outcome.p50_us,
                                outcome.p99_us,
                                opt(outcome.server_cpu_per_msg(), 2)
                            );
                            runs.push(Run {
                                cell,
                                server: server.name.clone(),
                                round,
                                outcome,
                            });
                        }
                        index += 1;
                    }
                }
            }
        }
    }
    notes.push(format!(
        "loadavg at end: {}; total {:.0} s",
        loadavg().trim(),
        started.elapsed().as_secs_f64()
    ));

    let report = report(&o, &runs, &mems, &notes);
    println!("{report}");
    write_results(&o, &runs, &mems, &notes, &report)?;
    Ok(())
}

/// The best round of each (cell, server): highest rate.
fn best<'r>(runs: &'r [Run], cell: &CellSpec, server: &str) -> Option<&'r Run> {
    runs.iter()
        .filter(|r| {
            r.server == server
                && (r.cell.conns, r.cell.size, r.cell.depth) == (cell.conns, cell.size, cell.depth)
        })
        .max_by(|a, b| a.outcome.rate().total_cmp(&b.outcome.rate()))
}

fn report(o: &Opts, runs: &[Run], mems: &[Mem], notes: &[String]) -> String {
    let mut s = String::new();
    let push = |s: &mut String, line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    let peers: Vec<&String> = o.servers.iter().filter(|n| !is_wscore(n)).collect();
    let ours: Vec<&String> = o.servers.iter().filter(|n| is_wscore(n)).collect();
    if !runs.is_empty() {
        push(
            &mut s,
            "## Echo: messages/s (ratio = wscore server's msg/s ÷ best peer's in the cell)\n"
                .into(),
        );
        let mut header = "| conns | size | depth |".to_string();
        for n in &o.servers {
            header += &format!(" {n} |");
        }
        for n in &ours {
            header += &format!(" {n} ÷ best peer |");
        }
        push(&mut s, header);
        push(
            &mut s,
            format!("|{}", "---|".repeat(3 + o.servers.len() + ours.len())),
        );
        for &conns in &o.conns {
            for &size in &o.sizes {
                for &depth in &o.depths {
                    let cell = CellSpec {
                        conns,
                        size,
                        depth,
                        warmup: o.warmup,
                        duration: o.duration,
                    };
                    let mut line = format!("| {conns} | {} | {depth} |", size_name(size));
                    for n in &o.servers {
                        let r = best(runs, &cell, n).map(|r| r.outcome.rate());
                        line += &format!(" {} |", r.map_or("-".into(), fmt_rate));
                    }
                    let best_peer = peers
                        .iter()
                        .filter_map(|p| best(runs, &cell, p).map(|r| r.outcome.rate()))
                        .fold(f64::NAN, f64::max);
                    for n in &ours {
                        let r = best(runs, &cell, n).map(|r| r.outcome.rate() / best_peer);
                        line += &format!(" {} |", opt(r, 2));
                    }
                    push(&mut s, line);
                }
            }
        }
        push(&mut s, String::new());
        push(&mut s, "## Echo: every server in every cell\n".into());
        push(&mut s, "msg/s ÷ best peer: above 1 is faster than every peer. CPU ÷ best peer: server CPU µs per message over the lowest peer's; below 1 is cheaper. gen CPU: the load generator's own CPU use over the window (100% = it was the bottleneck).\n".into());
        push(&mut s, "| conns | size | depth | server | msg/s | p50 µs | p99 µs | server CPU µs/msg | server CPU % | gen CPU % | msg/s ÷ best peer | CPU ÷ best peer |".into());
        push(
            &mut s,
            "|---|---|---|---|---|---|---|---|---|---|---|---|".into(),
        );
        for &conns in &o.conns {
            for &size in &o.sizes {
                for &depth in &o.depths {
                    let cell = CellSpec {
                        conns,
                        size,
                        depth,
                        warmup: o.warmup,
                        duration: o.duration,
                    };
                    let peer_runs: Vec<&Run> =
                        peers.iter().filter_map(|p| best(runs, &cell, p)).collect();
                    let best_rate = peer_runs
                        .iter()
                        .map(|r| r.outcome.rate())
                        .fold(f64::NAN, f64::max);
                    let best_cpu = peer_runs
                        .iter()
                        .filter_map(|r| r.outcome.server_cpu_per_msg())
                        .fold(f64::NAN, f64::min);
                    for n in &o.servers {
                        let Some(r) = best(runs, &cell, n) else {
                            continue;
                        };
                        let out = &r.outcome;
                        let pct = |c: Option<f64>| c.map(|c| c / (out.seconds * 1e6) * 100.0);
                        let (ratio, cpu_ratio) = if is_wscore(n) {
                            (
                                opt(Some(out.rate() / best_rate), 2),
                                opt(out.server_cpu_per_msg().map(|c| c / best_cpu), 2),
                            )
                        } else {
                            ("".into(), "".into())
                        };
                        push(&mut s, format!(
                            "| {conns} | {} | {depth} | {n} | {} | {:.1} | {:.1} | {} | {} | {} | {ratio} | {cpu_ratio} |",
                            size_name(size),
                            fmt_rate(out.rate()),
                            out.p50_us,
                            out.p99_us,
                            opt(out.server_cpu_per_msg(), 2),
                            opt(pct(out.server_cpu_us), 0),
                            opt(pct(out.client_cpu_us), 0),
                        ));
                    }
                }
            }
        }
        push(&mut s, String::new());
    }
    if !mems.is_empty() {
        let conns = mems[0].conns;
        push(&mut s, format!("## Memory: VmRSS growth of the server process per connection, {conns} connections\n"));
        push(&mut s, "Idle: after the upgrade, before any message. After echo: after one 64 KiB echo on each connection (one connection at a time), what stays allocated. Ratio: over the lowest peer's (below 1 is smaller).\n".into());
        push(&mut s, "| server | RSS before, MiB | KiB per idle conn | KiB per conn after 64 KiB echo | idle ÷ best peer | after echo ÷ best peer |".into());
        push(&mut s, "|---|---|---|---|---|---|".into());
        let peer_mems: Vec<&Mem> = mems.iter().filter(|m| !is_wscore(&m.server)).collect();
        let best_idle = peer_mems
            .iter()
            .map(|m| m.per_idle())
            .fold(f64::NAN, f64::min);
        let best_echo = peer_mems
            .iter()
            .map(|m| m.per_echoed())
            .fold(f64::NAN, f64::min);
        for m in mems {
            let (a, b) = if is_wscore(&m.server) {
                (
                    opt(Some(m.per_idle() / best_idle), 2),
                    opt(Some(m.per_echoed() / best_echo), 2),
                )
            } else {
                (String::new(), String::new())
            };
            push(
                &mut s,
                format!(
                    "| {} | {:.1} | {:.1} | {:.1} | {a} | {b} |",
                    m.server,
                    m.base_kib as f64 / 1024.0,
                    m.per_idle(),
                    m.per_echoed()
                ),
            );
        }
        push(&mut s, String::new());
    }
    for n in notes {
        push(&mut s, format!("- {n}"));
    }
    s
}

fn write_results(
    o: &Opts,
    runs: &[Run],
    mems: &[Mem],
    notes: &[String],
    report: &str,
) -> Result<(), BoxError> {
    std::fs::create_dir_all(&o.out)?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let base = o.out.join(format!("echo-{stamp}"));
    let json_runs: Vec<_> = runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "server": r.server, "conns": r.cell.conns, "size": r.cell.size,
                "depth": r.cell.depth, "round": r.round, "messages": r.outcome.messages,
                "seconds": r.outcome.seconds, "msgs_per_s": r.outcome.rate(),
                "p50_us": r.outcome.p50_us, "p99_us": r.outcome.p99_us,
                "server_cpu_us": r.outcome.server_cpu_us,
                "server_utime_stime_us": r.outcome.server_ticks_us,
                "client_cpu_us": r.outcome.client_cpu_us,
                "server_cpu_us_per_msg": r.outcome.server_cpu_per_msg(),
            })
        })
        .collect();
    let json_mems: Vec<_> = mems
        .iter()
        .map(|m| {
            serde_json::json!({
                "server": m.server, "conns": m.conns, "rss_base_kib": m.base_kib,
                "rss_idle_kib": m.idle_kib, "rss_after_echo_kib": m.echoed_kib,
                "kib_per_idle_conn": m.per_idle(), "kib_per_conn_after_echo": m.per_echoed(),
            })
        })
        .collect();
    let json = serde_json::json!({
        "cpu_ticks_per_second": proc::ticks_per_second(),
        "notes": notes, "runs": json_runs, "memory": json_mems,
    });
    std::fs::write(
        base.with_extension("json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    let mut csv = String::from("server,conns,size,depth,round,messages,seconds,msgs_per_s,p50_us,p99_us,server_cpu_us,server_utime_stime_us,client_cpu_us\n");
    for r in runs {
        let o = &r.outcome;
        csv += &format!(
            "{},{},{},{},{},{},{:.4},{:.1},{:.2},{:.2},{},{},{}\n",
            r.server,
            r.cell.conns,
            r.cell.size,
            r.cell.depth,
            r.round,
            o.messages,
            o.seconds,
            o.rate(),
            o.p50_us,
            o.p99_us,
            o.server_cpu_us.map_or(String::new(), |c| format!("{c:.0}")),
            o.server_ticks_us
                .map_or(String::new(), |c| format!("{c:.0}")),
            o.client_cpu_us.map_or(String::new(), |c| format!("{c:.0}")),
        );
    }
    std::fs::write(base.with_extension("csv"), csv)?;
    std::fs::write(base.with_extension("md"), report)?;
    eprintln!("raw results: {}.{{json,csv,md}}", base.display());
    Ok(())
}
