-- One object stream's changes from the landed Stripe event log (extract/event_log.py): the events of its
-- types created since its cursor, oldest first, with the object each one carries. Events of one second follow
-- their ids, as Stripe lists them: the landing lets the last one replayed win a tie of `created`.
select
    id,
    epoch(created)::bigint as created,
    data -> '$.object' as object
from raw.stripe__events
where type in (select unnest($types::varchar[]))
    and created >= to_timestamp($since)
order by created, id
