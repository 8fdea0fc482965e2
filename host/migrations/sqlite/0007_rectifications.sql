-- 好差评 (GB/T 39734): the service-evaluation indicators of a rating, and the rectification a
-- bad rating opens for the department (整改), due in 15 working days, closed with the measures
-- taken and the callback to the applicant (回访) recorded.
ALTER TABLE ratings ADD COLUMN indicators TEXT NOT NULL DEFAULT '{}';

CREATE TABLE rectifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    rating_id   INTEGER NOT NULL UNIQUE REFERENCES ratings (id),
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    department  TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    measures    TEXT,
    callback    TEXT,
    closed_by   INTEGER REFERENCES users (id),
    closed_at   TEXT
);
CREATE INDEX rectifications_department ON rectifications (department, closed_at);
