-- The change set of one sync: the model (temp view sync_source(key, payload)) against what was last
-- confirmed delivered, with the row's failure count and whether its payload is dead-lettered.
create or replace temp table sync_changes as
with model as (
    select key, payload, md5(cast(payload as varchar)) as payload_hash
    from sync_source
),

delivered as (
    select key, payload, payload_hash from loop.sync_delivered where sync = $sync
),

failures as (
    select key, payload_hash, attempts from loop.sync_failures where sync = $sync
),

dead as (
    select key, payload_hash from loop.sync_dead_letters where sync = $sync
),

compared as (
    select
        coalesce(model.key, delivered.key) as key,
        case
            when delivered.key is null then 'added'
            when model.key is null then 'removed'
            when model.payload_hash <> delivered.payload_hash then 'changed'
            else 'unchanged'
        end as change,
        model.payload,
        model.payload_hash,
        delivered.payload as delivered_payload
    from model
    full join delivered on delivered.key = model.key
),

final as (
    select
        compared.*,
        coalesce(failures.attempts, 0) as attempts,
        dead.key is not null as dead_lettered
    from compared
    left join failures
        on failures.key = compared.key and failures.payload_hash is not distinct from compared.payload_hash
    left join dead
        on dead.key = compared.key and dead.payload_hash is not distinct from compared.payload_hash
)

select * from final
