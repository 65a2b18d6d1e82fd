//! `botwire`: the command line of the Botwire server.

use botwire_server::config::Settings;
use clap::{Parser, Subcommand};

// The receiver allocates on the request's thread and frees on SQLite's writer thread (and
// back); mimalloc handles that hand-over far cheaper than glibc's arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with a password (read from standard input, or BOTWIRE_PASSWORD).
    Create {
        #[arg(long)]
        email: String,
        /// Workspace to join; created when none has this name.
        #[arg(long, default_value = "My workspace")]
        workspace: String,
        /// owner, editor or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
        #[arg(
            long,
            env = "BOTWIRE_DATABASE_URL",
            default_value = "sqlite://botwire.db"
        )]
        database_url: String,
    },
}

async fn create_user(
    email: &str,
    workspace: &str,
    role: &str,
    database_url: &str,
) -> Result<(), String> {
    let role = botwire_core::access::Role::parse(role)?;
    let password = match std::env::var("BOTWIRE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = botwire_server::db::Db::connect(database_url).await?;
    let done = botwire_server::setup::create_user(&db, email, &password, workspace, role).await?;
    println!("{done}");
    Ok(())
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
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    workspace,
                    role,
                    database_url,
                },
        } => create_user(&email, &workspace, &role, &database_url).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("botwire: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
