//! Regenerates `reports/multilingual.md`, `reports/multilingual-premium.svg` and
//! `reports/data/parity.json`: tokenization parity of modernbert, xlm-roberta and roberta on the
//! bundled corpus. Run from the repository root:
//!
//! ```sh
//! cargo run --release --example parity_report
//! ```

use std::path::Path;

use tokstat::parity::{ParityOptions, write_report};

fn main() {
    let command = "cargo run --release --example parity_report\n\
                   # or: tokstat parity -t modernbert,xlm-roberta,roberta --format markdown --plot reports/multilingual-premium.svg";
    match write_report(Path::new("reports"), &ParityOptions::default(), command) {
        Ok(report) => {
            for t in &report.tokenizers {
                println!(
                    "{}: mean premium {:.2}, max {:.2} ({}), parity score {:.3}",
                    t.name,
                    t.summary.mean_premium,
                    t.summary.max_premium,
                    t.summary.max_premium_language,
                    t.summary.parity_score
                );
            }
        }
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
