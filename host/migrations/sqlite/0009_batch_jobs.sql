-- A batch decision (the school placement) runs as a background job: the item decides in the
-- request, the decisions are applied afterwards with their progress here, for its department
-- to follow. At most one job of an item runs at a time, so two placements never hand out the
-- same seats: the partial unique index refuses the second.
CREATE TABLE batch_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_code   TEXT NOT NULL,
    department  TEXT NOT NULL,
    state       TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    status      TEXT NOT NULL,
    cases       INTEGER NOT NULL DEFAULT 0,
    decisions   INTEGER NOT NULL DEFAULT 0,
    processed   INTEGER NOT NULL DEFAULT 0,
    applied     INTEGER NOT NULL DEFAULT 0,
    refused     TEXT NOT NULL DEFAULT '[]',
    error       TEXT,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX batch_jobs_one_running ON batch_jobs (item_code, department) WHERE status = 'running';
