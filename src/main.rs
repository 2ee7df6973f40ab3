use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = liveact::cli::Cli::parse();
    let code = liveact::cli::run(
        &cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(code)
}
