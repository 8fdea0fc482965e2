//! Writes that need no answer, gathered and sent together. sqlx runs each SQLite connection on a
//! worker thread of its own, and every statement is a hand-off to that thread and back; a case's
//! events, ledger rows, deliveries and notifications are a dozen. On SQLite they go as one
//! multi-statement execution, one hand-off; on PostgreSQL one after another, as its extended
//! protocol takes one statement per query (and there the round trip is the network's anyway).
//! A batch of the group commit that holds only such writes runs them on SQLite's direct
//! writer instead (`direct.rs`), one statement at a time, with no hand-off at all.
//!
//! Each statement is written with its own `$1 … $N`; they are numbered on when joined. A new
//! case's rows name it by its number ([`Arg::CaseOf`]), so that the case and everything of it go
//! together in one execution, without a round trip for its id first.

use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments};

use super::is_postgres;

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub(super) enum Arg {
    Text(Option<String>),
    Int(i64),
    /// The id of the case with this number (inserted by a statement before).
    CaseOf(String),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(Some(text.to_owned()))
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Arg {
        Arg::Text(Some(text.clone()))
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(Some(text))
    }
}

impl From<Option<&str>> for Arg {
    fn from(text: Option<&str>) -> Arg {
        Arg::Text(text.map(str::to_owned))
    }
}

impl From<&Option<String>> for Arg {
    fn from(text: &Option<String>) -> Arg {
        Arg::Text(text.clone())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Int(n)
    }
}

/// The most arguments one execution binds (SQLite allows 32,766).
const MAX_ARGUMENTS: usize = 30_000;

/// Statements to run in order, inside the caller's transaction.
#[derive(Clone, Default)]
pub(super) struct Statements {
    parts: Vec<(&'static str, Vec<Arg>)>,
}

impl Statements {
    /// Adds `sql` (placeholders `$1 … $N`, no string literal holding a `$`) with its `args`.
    pub(super) fn push(&mut self, sql: &'static str, args: Vec<Arg>) {
        debug_assert_eq!(placeholders_in(sql), args.len(), "{sql}");
        self.parts.push((sql, args));
    }

    /// Runs them all; the first that fails stops the rest and is the error (the caller's
    /// transaction or savepoint then rolls back what ran before it).
    pub(super) async fn execute(self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        if is_postgres(conn) {
            for (part, args) in self.parts {
                let mut sql = String::new();
                renumber_into(&mut sql, part, &args, 0);
                sqlx::query_with(&sql, arguments(args)?)
                    .execute(&mut *conn)
                    .await?;
            }
            return Ok(());
        }
        // As few executions as the argument limit allows. The joined text is kept in the
        // connection's statement cache: a kind of write (a submission to one item, say) sends
        // the same text each time.
        let mut parts = self.parts.into_iter().peekable();
        while parts.peek().is_some() {
            let mut sql = String::new();
            let mut all = Vec::new();
            while let Some((part, args)) =
                parts.next_if(|(_, args)| all.is_empty() || all.len() + args.len() <= MAX_ARGUMENTS)
            {
                renumber_into(&mut sql, part, &args, all.len());
                sql.push_str(";\n");
                all.extend(args);
            }
            sqlx::query_with(&sql, arguments(all)?)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Runs them all on one of SQLite's direct connections (`direct.rs`), one statement after
    /// another: there is no thread to hand them to, and each statement's text is prepared once
    /// and kept in the connection's cache. The first that fails stops the rest and is the error.
    pub(super) fn execute_direct(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        let mut sql = String::new();
        for (part, args) in &self.parts {
            // Parameters are bound by their `$N`, so only a case named by its number needs
            // the text rewritten.
            let text = if args.iter().any(|arg| matches!(arg, Arg::CaseOf(_))) {
                sql.clear();
                renumber_into(&mut sql, part, args, 0);
                sql.as_str()
            } else {
                part
            };
            let mut statement = conn.prepare_cached(text)?;
            // SQLite numbers the parameters in their order of appearance; `$N` names its
            // argument.
            for index in 1..=statement.parameter_count() {
                let arg = statement
                    .parameter_name(index)
                    .and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok())
                    .and_then(|n| args.get(n - 1))
                    .ok_or(rusqlite::Error::InvalidParameterCount(index, args.len()))?;
                statement.raw_bind_parameter(index, arg)?;
            }
            statement.raw_execute()?;
        }
        Ok(())
    }
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Text(text) => text.to_sql(),
            Arg::Int(n) => n.to_sql(),
            Arg::CaseOf(number) => number.to_sql(),
        }
    }
}

fn arguments(args: Vec<Arg>) -> anyhow::Result<AnyArguments<'static>> {
    let mut arguments = AnyArguments::default();
    for arg in args {
        match arg {
            Arg::Text(text) => arguments.add(text),
            Arg::Int(n) => arguments.add(n),
            Arg::CaseOf(number) => arguments.add(number),
        }
        .map_err(|e| anyhow::anyhow!("binding a statement argument: {e}"))?;
    }
    Ok(arguments)
}

/// Appends `sql` to `out` with each `$N` written as `$N+offset`, or as the lookup of a case's id
/// where its argument is [`Arg::CaseOf`].
fn renumber_into(out: &mut String, sql: &str, args: &[Arg], offset: usize) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) if matches!(args.get(n - 1), Some(Arg::CaseOf(_))) => {
                out.push_str(&format!(
                    "(SELECT id FROM cases WHERE number = ${})",
                    n + offset
                ));
            }
            Ok(n) => out.push_str(&format!("${}", n + offset)),
            Err(_) => {
                out.push('$');
                out.push_str(&rest[..digits]);
            }
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

/// The highest `$N` of `sql`.
fn placeholders_in(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|after| {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            after[..digits].parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, Row};

    use super::*;

    #[test]
    fn placeholders_are_numbered_on_past_the_statements_before() {
        let mut out = String::new();
        let two: Vec<Arg> = vec![1.into(), 2.into()];
        renumber_into(&mut out, "INSERT INTO t (a, b) VALUES ($1, $2)", &two, 3);
        assert_eq!(out, "INSERT INTO t (a, b) VALUES ($4, $5)");
        let mut out = String::new();
        let ten: Vec<Arg> = (0..10).map(Arg::Int).collect();
        renumber_into(
            &mut out,
            "UPDATE t SET a = $2, b = $1 WHERE c = $10",
            &ten,
            10,
        );
        assert_eq!(out, "UPDATE t SET a = $12, b = $11 WHERE c = $20");
        let mut out = String::new();
        let case = vec![Arg::CaseOf("YW-1".into()), "x".into()];
        renumber_into(
            &mut out,
            "INSERT INTO e (case_id, a) VALUES ($1, $2)",
            &case,
            2,
        );
        assert_eq!(
            out,
            "INSERT INTO e (case_id, a) VALUES ((SELECT id FROM cases WHERE number = $3), $4)"
        );
        assert_eq!(placeholders_in("VALUES ($1, $2, $11, $3)"), 11);
        assert_eq!(placeholders_in("DELETE FROM t"), 0);
    }

    async fn table() -> (tempfile::TempDir, AnyConnection) {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        (dir, conn)
    }

    async fn rows(conn: &mut AnyConnection) -> Vec<(i64, String, Option<String>)> {
        sqlx::query("SELECT id, name, note FROM t ORDER BY id")
            .fetch_all(conn)
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect()
    }

    #[tokio::test]
    async fn every_statement_runs_with_its_own_arguments() {
        // Arrange
        let (_dir, mut conn) = table().await;
        let mut statements = Statements::default();
        let insert = "INSERT INTO t (id, name, note) VALUES ($1, $2, $3)";
        statements.push(insert, vec![1.into(), "一".into(), Arg::Text(None)]);
        statements.push(insert, vec![2.into(), "二".into(), "note".into()]);
        statements.push(
            "UPDATE t SET note = $2 WHERE id = $1",
            vec![1.into(), "changed".into()],
        );

        // Act
        statements.execute(&mut conn).await.unwrap();

        // Assert
        assert_eq!(
            rows(&mut conn).await,
            vec![
                (1, "一".into(), Some("changed".into())),
                (2, "二".into(), Some("note".into()))
            ]
        );
    }

    #[tokio::test]
    async fn a_case_inserted_before_is_named_by_its_number() {
        // Arrange
        let (_dir, mut conn) = table().await;
        sqlx::query("CREATE TABLE cases (id INTEGER PRIMARY KEY, number TEXT UNIQUE NOT NULL)")
            .execute(&mut conn)
            .await
            .unwrap();
        let mut statements = Statements::default();
        statements.push(
            "INSERT INTO cases (id, number) VALUES ($1, $2)",
            vec![41.into(), "YW-1".into()],
        );
        statements.push(
            "INSERT INTO t (id, name) VALUES ($1, $2)",
            vec![Arg::CaseOf("YW-1".into()), "of the case".into()],
        );

        // Act
        statements.execute(&mut conn).await.unwrap();

        // Assert
        assert_eq!(
            rows(&mut conn).await,
            vec![(41, "of the case".into(), None)]
        );
    }

    #[tokio::test]
    async fn a_failing_statement_is_the_error_and_the_transaction_keeps_nothing() {
        // Arrange: the second insert breaks the primary key
        let (_dir, mut conn) = table().await;
        let mut statements = Statements::default();
        let insert = "INSERT INTO t (id, name) VALUES ($1, $2)";
        statements.push(insert, vec![1.into(), "一".into()]);
        statements.push(insert, vec![1.into(), "again".into()]);
        statements.push(insert, vec![3.into(), "三".into()]);

        // Act
        let mut tx = conn.begin().await.unwrap();
        let result = statements.execute(&mut tx).await;
        tx.rollback().await.unwrap();

        // Assert
        let error = result.unwrap_err().to_string();
        assert!(error.contains("UNIQUE"), "{error}");
        assert!(rows(&mut conn).await.is_empty());
    }
}
