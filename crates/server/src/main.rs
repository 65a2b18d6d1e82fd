//! `botwire`: the command line of the Botwire server.

use botwire_server::config::Settings;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "botwire",
    version,
    about = "Botwire: inbound webhooks for chatbots"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the receiver, the REST API and the admin app.
    Serve(Settings),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "botwire_server=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(settings) => botwire_server::serve(settings).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("botwire: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
