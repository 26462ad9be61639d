//! The gate's webhook receiver on arbitrary deliveries (headers and body):
//! signature checks and event parsing never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    mltest::fuzz::webhook(bytes);
});
