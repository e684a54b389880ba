//! A retrieval checkpoint: its JSON config and its safetensors bytes (`Encoder::load`).
//!
//! Input layout: a little-endian u32 n, then n bytes of JSON, then the safetensors bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokstat_fuzz::checkpoint(data));
