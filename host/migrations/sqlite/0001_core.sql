-- Core schema, SQLite. Timestamps are RFC 3339 UTC text, dates YYYY-MM-DD, JSON is text: the
-- PostgreSQL schema keeps the same shapes so that the same queries serve both.

CREATE TABLE departments (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('citizen', 'reviewer', 'developer', 'admin', 'courier')),
    department    TEXT REFERENCES departments (code),
    name          TEXT NOT NULL,
    id_number     TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX users_id_number ON users (id_number);

-- Bearer tokens, stored as SHA-256 of the token: a leaked table does not leak sessions.
CREATE TABLE tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);

-- Immutable, content-addressed item versions.
CREATE TABLE item_versions (
    sha256      TEXT PRIMARY KEY,
    item_code   TEXT NOT NULL,
    version     TEXT NOT NULL,
    department  TEXT NOT NULL,
    info        TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (item_code, version)
);

CREATE TABLE items (
    code           TEXT PRIMARY KEY,
    department     TEXT NOT NULL,
    current_sha256 TEXT NOT NULL REFERENCES item_versions (sha256),
    enabled        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL
);

-- Application numbers are handed out in blocks per day, so numbering is one write per block.
CREATE TABLE number_blocks (
    day   TEXT PRIMARY KEY,
    next  INTEGER NOT NULL
);

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    number        TEXT NOT NULL UNIQUE,
    item_code     TEXT NOT NULL,
    item_sha256   TEXT NOT NULL REFERENCES item_versions (sha256),
    item_version  TEXT NOT NULL,
    department    TEXT NOT NULL,
    applicant_id  INTEGER NOT NULL REFERENCES users (id),
    state         TEXT NOT NULL,
    form          TEXT NOT NULL,
    derived       TEXT NOT NULL,
    channel       TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    completed_at  TEXT,
    revision      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cases_applicant ON cases (applicant_id);
CREATE INDEX cases_department_state ON cases (department, state);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    seq         INTEGER NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    comment     TEXT,
    note        TEXT,
    at          TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_number  TEXT NOT NULL UNIQUE,
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL CHECK (kind IN ('pickup', 'shipment')),
    status           TEXT NOT NULL,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    address          TEXT NOT NULL,
    contents         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX deliveries_case ON deliveries (case_id);

-- The electronic licence library (电子证照库).
CREATE TABLE certificates (
    serial       TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    holder       TEXT NOT NULL,
    data         TEXT NOT NULL,
    issued_on    TEXT NOT NULL,
    valid_until  TEXT,
    case_id      INTEGER REFERENCES cases (id),
    item_code    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (case_id, kind)
);
CREATE INDEX certificates_holder ON certificates (holder, kind);

-- Datasets shared by other departments; subject_id is whom a record is about.
CREATE TABLE registry_records (
    dataset      TEXT NOT NULL,
    key          TEXT NOT NULL,
    subject_id   TEXT,
    data         TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (dataset, key)
);
CREATE INDEX registry_records_subject ON registry_records (subject_id);

-- Every registry read, shown to the person the record is about.
CREATE TABLE data_use_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id    TEXT,
    dataset       TEXT NOT NULL,
    record_key    TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    item_version  TEXT NOT NULL,
    case_number   TEXT,
    actor_id      TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    found         INTEGER NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX data_use_log_subject ON data_use_log (subject_id, at);

-- Notifications waiting for (or done with) delivery; written in the same transaction as the case.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key  TEXT NOT NULL UNIQUE,
    case_id          INTEGER REFERENCES cases (id),
    recipient_id     INTEGER NOT NULL REFERENCES users (id),
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_recipient ON outbox (recipient_id);

CREATE TABLE item_records (
    item_code   TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (item_code, key)
);

-- Hash-chained: each row's hash covers its fields and the previous row's hash.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
