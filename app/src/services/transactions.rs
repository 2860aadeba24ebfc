//! Starting transactions that write.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use std::future::Future;
use std::pin::Pin;

/// Begins a transaction that may write. SQLite's default deferred transaction that has read fails at once
/// when it then writes, busy timeout or not, if another process (an admin command beside the server)
/// holds the write lock (SQLITE_BUSY) or committed since the read (SQLITE_BUSY_SNAPSHOT). Taking the
/// write lock at BEGIN makes it wait its turn instead. PostgreSQL ignores the mode.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Runs `work` in a transaction begun by [`begin`]: commits when it succeeds, rolls back when it fails.
pub async fn run<T, E, F>(db: &DatabaseConnection, work: F) -> Result<T, E>
where
    E: From<DbErr>,
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>,
{
    let txn = begin(db).await?;
    match work(&txn).await {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(error) => {
            txn.rollback().await?;
            Err(error)
        }
    }
}
