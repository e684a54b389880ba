use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() {
    // candle sizes the parallelism of every matrix product from RAYON_NUM_THREADS. For the small
    // encoders of `tokstat retrieval`, splitting a product across threads costs more than it
    // saves (several times slower on a busy 2-core machine), so candle gets one thread unless
    // the user sets the variable; rayon's own pool (tokenization, analyses) still uses every
    // core. Done first, before any other thread exists.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // SAFETY: no other thread has been started yet, so nothing reads the environment
        // concurrently.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .build_global();
    }
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
