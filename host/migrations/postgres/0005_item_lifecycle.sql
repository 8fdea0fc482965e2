-- Departments ship their own items: signing keys, uploaded versions kept in the database,
-- publication history for rollback, per-item grants and limits set by admins, preview cases.

-- The department's Ed25519 public key (SPKI PEM) that its uploads must be signed with.
ALTER TABLE departments ADD COLUMN public_key TEXT;

-- The signature an uploaded version came with (base64); none for versions from plugins.toml.
ALTER TABLE item_versions ADD COLUMN signature TEXT;

-- Component bytes by sha256: every host of a deployment reads them from here.
CREATE TABLE components (
    sha256      TEXT PRIMARY KEY,
    bytes       BYTEA NOT NULL,
    created_at  TEXT NOT NULL
);

-- An item is registered for a department before its first version is uploaded, so the current
-- version may be absent. Grants and limits are the admin's, as JSON; `file_entry` is the hash of
-- the plugins.toml entry last applied (none for an item managed only over the API).
ALTER TABLE items ALTER COLUMN current_sha256 DROP NOT NULL;
ALTER TABLE items ADD COLUMN grants TEXT NOT NULL DEFAULT '{}';
ALTER TABLE items ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
ALTER TABLE items ADD COLUMN file_entry TEXT;

-- Every publication of a version, newest last; a rollback withdraws the newest.
CREATE TABLE item_publications (
    id            BIGSERIAL PRIMARY KEY,
    item_code     TEXT NOT NULL,
    sha256        TEXT NOT NULL REFERENCES item_versions (sha256),
    published_by  TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    withdrawn_at  TEXT
);
CREATE INDEX item_publications_item ON item_publications (item_code, id);

-- Cases a department submits to try a staged version: never shown to citizens or counted.
ALTER TABLE cases ADD COLUMN preview BIGINT NOT NULL DEFAULT 0;
