//! The JUnit, JSON and terminal writers fed arbitrary findings: text split
//! at NUL bytes becomes names, messages, details and properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: (Vec<u8>, Vec<f64>)| {
    let (bytes, numbers) = data;
    let texts: Vec<String> = bytes
        .split(|b| *b == 0xfe)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect();
    mltest::fuzz::reports(&texts, &numbers);
});
