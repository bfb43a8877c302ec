//! `cartsim completions SHELL` and `cartsim man`: a shell completion script and the man page,
//! both generated from the same clap definitions as the command line itself.

use super::{Cli, Failure};
use crate::diag::Diagnostic;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script of `shell` for the `cartsim` command.
pub fn write_completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), "cartsim", out);
}

/// Writes the man page (section 1, roff).
pub fn write_man_page(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

pub fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut text = Vec::new();
    write_completions(args.shell, &mut text);
    print(&text)
}

pub fn man() -> Result<(), Failure> {
    let mut text = Vec::new();
    write_man_page(&mut text)
        .map_err(|e| Diagnostic::new(format!("cannot write the man page: {e}")))?;
    print(&text)
}

/// Prints generated text to stdout (a closed pipe ends the command quietly, as elsewhere).
fn print(text: &[u8]) -> Result<(), Failure> {
    print!("{}", String::from_utf8_lossy(text));
    Ok(())
}
