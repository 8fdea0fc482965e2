-- Satisfaction (满意度评价): the applicant rates a finished case once, 1 to 5.
CREATE TABLE ratings (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    score    INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment  TEXT,
    at       TEXT NOT NULL
);
-- The statistics select cases by submission time.
CREATE INDEX cases_submitted_at ON cases (submitted_at);
