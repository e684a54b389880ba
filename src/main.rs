use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() {
    if let Err(e) = tokstat::cli::run() {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}
