-- Record a journal's answers in the warehouse's ledger: confirmed rows as delivered, with the audit of
-- every value pushed; refused ones (by the app, or by the plan before sending) as failures, dead-lettered
-- after max_attempts. Run in one transaction after `recorded` was filled with the answers not yet
-- recorded, each with its outbox row and the run's settings (journal.py). Set-based: a weekday's 150k
-- Segment answers in one pass.
delete from loop.sync_failures as f using recorded as r
where f.sync = r.sync and f.key = r.key and r.error is null;

delete from loop.sync_dead_letters as d using recorded as r
where d.sync = r.sync and d.key = r.key and r.error is null;

delete from loop.sync_delivered as d using recorded as r
where d.sync = r.sync and d.key = r.key and r.error is null and r.change = 'removed';

insert or replace into loop.sync_delivered
select sync, key, payload, payload_hash, recorded_at, run_id
from recorded
where error is null and change <> 'removed';

-- Every pushed field that changed (every field of an added row), old and new as JSON: null for none.
insert into loop.sync_audit
select run_id, sync, key, path, old_value, new_value, recorded_at
from (
    select
        r.*,
        f.path,
        coalesce(json_extract(r.delivered, '$."' || f.path || '"'), 'null'::json) as old_value,
        coalesce(json_extract(r.payload, '$."' || f.path || '"'), 'null'::json) as new_value
    from recorded as r, unnest(r.paths) as f(path)
    where r.error is null
)
where change = 'added' or old_value::varchar <> new_value::varchar;

insert into loop.sync_failures
select sync, key, payload_hash, error, attempts + 1, recorded_at, recorded_at, run_id
from recorded
where error is not null
on conflict (sync, key) do update set
    payload_hash = excluded.payload_hash, error = excluded.error, attempts = excluded.attempts,
    last_failed_at = excluded.last_failed_at, run_id = excluded.run_id;

insert or replace into loop.sync_dead_letters
select sync, key, payload, payload_hash, error, attempts + 1, recorded_at, run_id
from recorded
where error is not null and attempts + 1 >= max_attempts;

insert or replace into loop.sync_journal
select sync, plan_id, max(id) from recorded group by sync, plan_id;
