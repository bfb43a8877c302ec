//! The `cartsim` command: parse arguments, run, set the exit code.

fn main() -> std::process::ExitCode {
    cartsim::cli::main()
}
