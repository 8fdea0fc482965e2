-- The SLA figures of each completed case (previews left out): the working days from submission to
-- completion and whether the days counted against the promise (the pauses while the case waited on
-- the applicant taken off) kept the promised time limit of the item version it was pinned to.
-- Computed once by the host, the first time a report covers the case, so that the statistics are
-- grouped queries; a completed case's figures never change. on_time is 0 or 1.
CREATE TABLE case_sla (
    case_id        BIGINT PRIMARY KEY REFERENCES cases (id),
    handling_days  BIGINT NOT NULL,
    on_time        BIGINT NOT NULL
);

-- A report reads the cases of its range from this index alone (what it groups by, whether each is
-- completed), not from the table's rows with their forms. It begins as cases_submitted_at did,
-- which it replaces.
CREATE INDEX cases_stats ON cases (submitted_at, preview, department, item_code, channel, completed_at);
DROP INDEX cases_submitted_at;
