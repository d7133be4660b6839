#![no_main]
#[path = "../../tests/fuzz_checks/deflate_inflate.rs"]
mod check;
libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
