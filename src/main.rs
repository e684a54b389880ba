use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() {
    // tokstat runs its own parallelism (data-parallel training shards, parallel tokenization and
    // scoring on the rayon pool); candle's element-wise ops would otherwise start a second,
    // spinning worker pool sized from RAYON_NUM_THREADS and fight it for the same cores.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: first statement of `main`; no other thread exists yet that could read the
        // environment concurrently.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    tokstat::tokenizer::quiet_guarded_panics();
    if let Err(e) = tokstat::cli::run() {
        eprintln!("Error: {e:#}");
        let interrupted = matches!(
            e.downcast_ref::<tokstat::Error>(),
            Some(tokstat::Error::Interrupted)
        );
        // 130 = 128 + SIGINT, as shells report a command stopped by Ctrl-C.
        std::process::exit(if interrupted { 130 } else { 1 });
    }
}
