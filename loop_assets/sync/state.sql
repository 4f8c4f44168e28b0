-- The reverse syncs' state, kept in the warehouse beside the models they push (loop_assets/sync/README.md).
create schema if not exists loop;

-- What each sync last pushed and the app confirmed, per destination object: the diff's baseline.
create table if not exists loop.sync_delivered (
    sync varchar not null,
    key varchar not null,
    payload json not null,          -- {destination field path: value}
    payload_hash varchar not null,  -- md5 of payload: part of the idempotency key / messageId
    confirmed_at timestamptz not null,
    run_id varchar not null,
    primary key (sync, key)
);

-- Rows the app refused, with its error; retried next run until max_attempts.
create table if not exists loop.sync_failures (
    sync varchar not null,
    key varchar not null,
    payload_hash varchar,           -- attempts count per payload: a new payload starts again at 1
    error varchar not null,
    attempts integer not null,
    first_failed_at timestamptz not null,
    last_failed_at timestamptz not null,
    run_id varchar not null,
    primary key (sync, key)
);

-- Payloads refused max_attempts times: no longer sent until the model's payload for the row changes.
create table if not exists loop.sync_dead_letters (
    sync varchar not null,
    key varchar not null,
    payload json,
    payload_hash varchar,
    error varchar not null,
    attempts integer not null,
    dead_at timestamptz not null,
    run_id varchar not null,
    primary key (sync, key)
);

-- Values an agent changed in the app after the loop pushed them; kept or overwritten per the spec's policy.
create table if not exists loop.sync_conflicts (
    sync varchar not null,
    key varchar not null,
    field varchar not null,
    pushed_value json,              -- what the loop last pushed
    app_value json,                 -- what the app holds (latest raw extract)
    model_value json,               -- what the model wants now
    policy varchar not null,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    run_id varchar not null,
    primary key (sync, key, field)
);

-- Every value pushed and confirmed, for `python -m loop_assets.sync why ...`.
create table if not exists loop.sync_audit (
    run_id varchar not null,
    sync varchar not null,
    key varchar not null,
    field varchar not null,
    old_value json,
    new_value json,
    pushed_at timestamptz not null
);

-- How far each sync's journal (journal.sql) has been recorded here: the answers after `answer_id` are not
-- yet. A journal recorded again after a crash adds nothing twice.
create table if not exists loop.sync_journal (
    sync varchar primary key,
    plan_id varchar not null,
    answer_id bigint not null
);
