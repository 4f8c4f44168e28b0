-- One sync's delivery in progress, in a DuckDB file of its own attached as `journal`: the step that talks
-- to the app writes here, never to the warehouse, so it runs outside the `warehouse` pool
-- (loop_assets/sync/README.md).

-- The plan being delivered: at most one row.
create table if not exists journal.plan (
    plan_id varchar primary key,
    run_id varchar not null,         -- the run that planned it: recorded as the run of every confirmation
    root_run_id varchar not null,    -- its retries share this: the plan is in use while one of them runs
    planned_at timestamptz not null,
    requests bigint not null         -- write requests sent so far
);

-- The rows to send, as the plan decided them.
create table if not exists journal.outbox (
    key varchar primary key,
    change varchar not null,
    payload json,
    payload_hash varchar,
    delivered json,
    attempts integer not null
);

-- The app's answer per row, in the order recorded: error null means confirmed.
create sequence if not exists journal.answer_id;
create table if not exists journal.answers (
    id bigint primary key default nextval('journal.answer_id'),
    key varchar not null,
    error varchar,
    answered_at timestamptz not null
);
