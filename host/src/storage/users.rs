//! Departments, users and bearer tokens.

use super::statements::Statements;
use super::{Storage, now_text, placeholders};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub password_hash: String,
    pub role: String,
    pub department: Option<String>,
    pub name: String,
    pub id_number: Option<String>,
}

pub struct NewUserRow<'a> {
    pub login: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub department: Option<&'a str>,
    pub name: &'a str,
    pub id_number: Option<&'a str>,
}

macro_rules! user_columns {
    () => {
        "u.id, u.login, u.password_hash, u.role, u.department, u.name, u.id_number"
    };
}
const USER_COLUMNS: &str = user_columns!();

/// The user a token belongs to: `$1` the token's hash, `$2` now.
const USER_BY_TOKEN: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)"
);

impl UserRow {
    /// A row of [`USER_COLUMNS`] read by a point read.
    fn from_point(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
        Ok(UserRow {
            id: row.get(0)?,
            login: row.get(1)?,
            password_hash: row.get(2)?,
            role: row.get(3)?,
            department: row.get(4)?,
            name: row.get(5)?,
            id_number: row.get(6)?,
        })
    }
}

impl Storage {
    /// Creates the department or renames it.
    pub async fn put_department(&self, code: &str, name: &str) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO departments (code, name, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
        )
        .bind(code)
        .bind(name)
        .bind(now_text())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn department_exists(&self, code: &str) -> anyhow::Result<bool> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT code FROM departments WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
        Ok(found.is_some())
    }

    /// Inserts a user; a duplicate login is a unique violation (see [`super::is_unique_violation`]).
    pub async fn insert_user(&self, user: &NewUserRow<'_>) -> Result<i64, sqlx::Error> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (login, password_hash, role, department, name, id_number, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user.login)
        .bind(user.password_hash)
        .bind(user.role)
        .bind(user.department)
        .bind(user.name)
        .bind(user.id_number)
        .bind(now_text())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// Inserts accounts in one transaction; a login already taken is left as it is. Returns
    /// how many were added.
    pub async fn insert_users(&self, users: &[NewUserRow<'_>]) -> anyhow::Result<u64> {
        let now = now_text();
        let mut tx = self.write.begin().await?;
        let mut added = 0;
        for user in users {
            added += sqlx::query(
                "INSERT INTO users (login, password_hash, role, department, name, id_number, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (login) DO NOTHING",
            )
            .bind(user.login)
            .bind(user.password_hash)
            .bind(user.role)
            .bind(user.department)
            .bind(user.name)
            .bind(user.id_number)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn user_by_login(&self, login: &str) -> anyhow::Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.login = $1");
        Ok(sqlx::query_as(&sql)
            .bind(login)
            .fetch_optional(&mut *self.reader().await?)
            .await?)
    }

    pub async fn user_by_id(&self, id: i64) -> anyhow::Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.reader().await?)
            .await?)
    }

    /// The users of these ids, in chunks of one query each (a batch's applicants).
    pub async fn users_by_ids(&self, ids: &[i64]) -> anyhow::Result<Vec<UserRow>> {
        let mut users = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.id IN ({})",
                placeholders(chunk.len(), 1)
            );
            let mut query = sqlx::query_as(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            users.extend(query.fetch_all(&mut *self.reader().await?).await?);
        }
        Ok(users)
    }

    pub async fn insert_token(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: Option<&str>,
    ) -> anyhow::Result<()> {
        // A login's token joins the group commit of the requests around it.
        let mut statements = Statements::default();
        statements.push(
            "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (token_hash) DO NOTHING",
            vec![token_hash.into(), user_id.into(), now_text().into(), expires_at.into()],
        );
        self.commits.write(statements).await
    }

    /// The user a token belongs to, if it is neither expired nor revoked.
    pub async fn user_by_token(&self, token_hash: &str) -> anyhow::Result<Option<UserRow>> {
        let now = now_text();
        if let Some(points) = &self.points {
            return points.row(USER_BY_TOKEN, (token_hash, &now), UserRow::from_point);
        }
        Ok(sqlx::query_as(USER_BY_TOKEN)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *self.reader().await?)
            .await?)
    }

    pub async fn revoke_token(&self, token_hash: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(now_text())
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
