//! The suite parser and validator on arbitrary text: never a panic, and
//! every diagnostic renders (spans stay inside the text).
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    mltest::fuzz::suite(text);
});
