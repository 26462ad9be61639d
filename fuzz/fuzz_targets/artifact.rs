//! The loaders as mltest wraps them: the first byte picks the format
//! (Parquet, Arrow IPC, CSV, JSON, MLmodel, profile), the rest is the file. Every
//! column of a table is read; an error must name the file.
#![no_main]

const FORMATS: [&str; 6] = ["parquet", "arrow", "csv", "json", "mlmodel", "profile"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((first, bytes)) = data.split_first() {
        mltest::fuzz::artifact(bytes, FORMATS[usize::from(*first) % FORMATS.len()]);
    }
});
