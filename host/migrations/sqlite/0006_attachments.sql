-- Application materials (申请材料) uploaded by the applicant. The bytes are kept once per sha256
-- in `attachment_blobs`, in the database, so that every host of a deployment serves them; each
-- upload is a row of `attachments` naming the case, the material and the file as uploaded.

CREATE TABLE attachment_blobs (
    sha256      TEXT PRIMARY KEY,
    bytes       BLOB NOT NULL,
    size_bytes  INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    material      TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT NOT NULL REFERENCES attachment_blobs (sha256),
    uploaded_by   INTEGER NOT NULL REFERENCES users (id),
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, id);
