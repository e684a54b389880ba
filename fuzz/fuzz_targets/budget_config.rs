//! A model's `config.json` → the parameter budget, with a vocabulary sweep, a fixed total and
//! attention costs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokstat_fuzz::budget_config(data));
