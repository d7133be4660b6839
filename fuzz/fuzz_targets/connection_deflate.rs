#![no_main]
#[path = "../../tests/fuzz_checks/connection_deflate.rs"]
mod check;
libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
