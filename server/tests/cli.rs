//! The `replenish` binary's command line, run as a real process.

mod support;

use app::services::accounts::find_user_by_email;
use sea_orm::Database;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::{TestDatabase, PASSWORD};

fn replenish(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_replenish"))
        .args(args)
        .env_clear()
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start replenish");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("replenish output")
}

#[test]
fn help_lists_serve_migrate_and_create_reviewer() {
    let output = replenish(&["--help"], &[], "");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "create-reviewer"] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}

#[test]
fn a_bad_configuration_value_stops_start_up_and_names_the_variable() {
    let output = replenish(&["migrate"], &[("PUBLIC_URL", "ftp://example.com")], "");
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("PUBLIC_URL") && error.contains("expected"), "{error}");
}

#[tokio::test]
async fn migrate_then_create_reviewer_makes_a_verified_reviewer() {
    let database = TestDatabase::fresh().await;
    let env = [("DATABASE_URL", database.url.as_str())];
    let migrated = replenish(&["migrate"], &env, "");
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("migrations applied"));

    let weak = replenish(&["create-reviewer", "--email", "rita@replenish.test"], &env, "short\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password: Use at least 12 characters"));

    let created =
        replenish(&["create-reviewer", "--email", "rita@replenish.test"], &env, &format!("{PASSWORD}\n"));
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let db = Database::connect(&database.url).await.expect("connect");
    let reviewer =
        find_user_by_email(&db, "rita@replenish.test").await.expect("query").expect("reviewer exists");
    assert!(reviewer.is_reviewer);
    assert!(reviewer.email_verified_at.is_some());
    assert!(reviewer.password_hash.starts_with("$argon2id$"));
    db.close().await.ok();
}

/// The admin command writes to the database while a server is writing to it: on SQLite, its transaction must
/// wait for the server's write lock rather than fail because the server held or took it between the
/// command's read and its write. The server's side holds the lock two thirds of the time, so a command
/// whose transaction read before taking the lock would fail in most of the rounds.
#[tokio::test]
async fn create_reviewer_succeeds_beside_a_server_that_keeps_writing() {
    let database = TestDatabase::fresh().await;
    let migrated = replenish(&["migrate"], &[("DATABASE_URL", database.url.as_str())], "");
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));

    let server_db = server::db::connect(&database.url, 2).await.expect("connect");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (locked, first_lock) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn({
        let (db, stop) = (server_db.clone(), stop.clone());
        async move {
            let mut commits = 0u32;
            let mut locked = Some(locked);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let txn = app::services::transactions::begin(&db).await?;
                if let Some(locked) = locked.take() {
                    let _ = locked.send(());
                }
                app::services::audit::record(&txn, None, None, "test.write", "server", "").await?;
                tokio::time::sleep(std::time::Duration::from_millis(40)).await;
                txn.commit().await?;
                commits += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Ok::<_, sea_orm::DbErr>(commits)
        }
    });

    first_lock.await.expect("the writer holds the lock");
    for round in 0..5 {
        let url = database.url.clone();
        let created = tokio::task::spawn_blocking(move || {
            let env = [("DATABASE_URL", url.as_str())];
            replenish(&["create-reviewer", "--email", "rita@replenish.test"], &env, &format!("{PASSWORD}\n"))
        })
        .await
        .expect("command");
        assert!(created.status.success(), "round {round}: {}", String::from_utf8_lossy(&created.stderr));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let commits = writer.await.expect("writer").expect("the server's writes all succeed");
    assert!(commits >= 2, "the server wrote only {commits} times while the commands ran");

    let reviewer =
        find_user_by_email(&server_db, "rita@replenish.test").await.expect("query").expect("reviewer exists");
    assert!(reviewer.is_reviewer);
    server_db.close().await.ok();
}
