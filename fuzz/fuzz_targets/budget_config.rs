//! A model's `config.json` → the parameter budget, with a vocabulary sweep, a fixed total and
//! attention costs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokstat::render::Render;
use tokstat::budget::{BudgetOptions, budget};

fuzz_target!(|data: &[u8]| {
    let path =
        std::env::temp_dir().join(format!("tokstat-fuzz-{}-config.json", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let opts = BudgetOptions {
        models: vec![path.display().to_string()],
        vocab_sizes: vec![1, 32_000, 250_002],
        fixed_total: Some(400_000_000),
        attention_seqs: vec![512, 8192],
        ..BudgetOptions::default()
    };
    if let Ok(report) = budget(&opts) {
        let _ = report.tables();
        let _ = serde_json::to_string(&report);
    }
});
