//! Training throughput of the bundled encoder on fixed-shape synthetic batches, for comparison
//! with the same model in PyTorch (`benches/retrieval_train_torch.py`).
//!
//! `cargo bench --bench retrieval_train [-- STEPS]`: d = 64, 2 layers, 4 heads, batch 32, query
//! 32 and code 64 tokens (no padding), a 50,265-row vocabulary; prints steps/s and tokens/s.
//! Training runs on one thread unless `RAYON_NUM_THREADS` is set (with 2, the two 16-pair shards
//! of each batch run in parallel); results are identical for any thread count.

use std::time::Instant;

use indicatif::ProgressBar;
use tokstat::encoder::optim::AdamWConfig;
use tokstat::encoder::rng::SeededRng;
use tokstat::encoder::{Encoder, EncoderConfig};
use tokstat::retrieval::train::{TrainExample, TrainSettings, train};

const VOCAB: usize = 50_265;
const BATCH: usize = 32;
const QUERY: usize = 32;
const CODE: usize = 64;

fn main() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: single-threaded at this point.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // As in the `tokstat` binary: parallelism comes from the training shards, not from a
        // second worker pool inside candle's element-wise ops.
        // SAFETY: single-threaded at this point.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    let steps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let mut rng = SeededRng::new(1);
    let examples: Vec<TrainExample> = (0..steps * BATCH)
        .map(|_| TrainExample {
            group: 0,
            query: (0..QUERY).map(|_| rng.below(VOCAB) as u32).collect(),
            code: (0..CODE).map(|_| rng.below(VOCAB) as u32).collect(),
        })
        .collect();
    let settings = TrainSettings {
        batch_size: BATCH,
        epochs: 1,
        steps: Some(steps),
        max_query_tokens: QUERY,
        max_code_tokens: CODE,
        temperature: 0.05,
        optimizer: AdamWConfig {
            lr: 2e-3,
            beta1: 0.9,
            beta2: 0.98,
            eps: 1e-6,
            weight_decay: 0.01,
            warmup_steps: 0,
            total_steps: 0,
            clip_norm: 1.0,
        },
        warmup_share: 0.1,
        seed: 1,
    };
    let mut enc = Encoder::new(EncoderConfig::with_shape(VOCAB, 64, 2, 4), 1).expect("encoder");
    let t = Instant::now();
    let out = train(&mut enc, &examples, &settings, &ProgressBar::hidden()).expect("training");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "candle: {} steps in {secs:.2} s = {:.2} steps/s, {:.0} tokens/s (threads: {}), loss {:.3} → {:.3}",
        out.steps,
        out.steps as f64 / secs,
        out.tokens as f64 / secs,
        rayon::current_num_threads(),
        out.first_loss,
        out.last_loss
    );
}
