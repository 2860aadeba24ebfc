use clap::Parser;
use server::cli::{Cli, Command};
use server::config::Config;
use std::io::BufRead;
use std::process::ExitCode;

// Page rendering allocates many small strings on every worker thread: glibc's allocator took about a sixth
// of the server's CPU in the portal benchmark, and with mimalloc the device page went from 729 to 1,145
// requests/s (SQLite, release build).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::CreateReviewer { email } => create_reviewer(config, &email).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    app::tasks::abort_on_essential_panic();
    let running = server::startup::start(config).await.map_err(|e| e.to_string())?;
    running.server.await.map_err(|e| e.to_string())
}

async fn migrate(config: Config) -> Result<(), String> {
    let db = server::db::connect(config.database_url.expose(), config.database_max_connections)
        .await
        .map_err(|e| e.to_string())?;
    server::db::migrate(&db).await.map_err(|e| e.to_string())?;
    println!("migrations applied");
    Ok(())
}

async fn create_reviewer(config: Config, email: &str) -> Result<(), String> {
    eprintln!("password for {email} (one line on standard input):");
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).map_err(|e| e.to_string())?;
    let password = password.trim_end_matches(['\r', '\n']);
    let db = server::db::connect(config.database_url.expose(), config.database_max_connections)
        .await
        .map_err(|e| e.to_string())?;
    server::db::migrate(&db).await.map_err(|e| e.to_string())?;
    app::services::accounts::create_reviewer(&db, email, password).await.map_err(|error| match error {
        app::error::AppError::Validation(fields) => fields
            .messages
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })?;
    println!("reviewer {email} is ready");
    Ok(())
}
