#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::account_session_form(data));
