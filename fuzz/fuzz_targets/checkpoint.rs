//! A retrieval checkpoint: its JSON config and its safetensors bytes (`Encoder::load`).
//!
//! Input layout: a little-endian u32 n, then n bytes of JSON, then the safetensors bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokstat::encoder::Encoder;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let n = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let rest = &data[4..];
    let (json, tensors) = rest.split_at(n.min(rest.len()));
    let Ok(json) = std::str::from_utf8(json) else {
        return;
    };
    let _ = Encoder::from_bytes(std::path::Path::new("fuzz.safetensors"), json, tensors);
});
