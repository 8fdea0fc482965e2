-- Failed logins per login name, to slow down and then lock out password guessing.
CREATE TABLE login_attempts (
    login         TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    locked_until  TEXT,
    updated_at    TEXT NOT NULL
);
