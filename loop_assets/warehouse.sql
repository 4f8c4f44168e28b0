-- The loop's own state, kept in the warehouse next to the data it describes.
create schema if not exists raw;
create schema if not exists loop;

-- One row per extract stream: where the next run resumes. Changed in the same transaction as the rows
-- it covers, so a crash between pages neither loses nor repeats a page.
create table if not exists loop.extract_state (
    stream varchar primary key,
    state json not null,
    updated_at timestamptz not null
);

-- Records that could not be landed, with where they came from and why. Never silently dropped.
create table if not exists loop.quarantine (
    stream varchar not null,
    record_hash varchar not null,   -- md5 of the raw text: the same bad record is kept once
    source varchar not null,        -- the URL path or landing file it came from
    position varchar not null,      -- page and index, or file line
    record_key varchar,             -- the primary key, when it could be read
    reason varchar not null,
    raw varchar not null,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    run_id varchar,
    primary key (stream, record_hash)
);
