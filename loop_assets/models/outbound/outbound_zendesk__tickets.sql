{{ config(materialized='table') }}

-- What zendesk__tickets_sync pushes: one row per open ticket, exactly the fields the loop writes.
with ticket_priority as (
    select * from {{ ref('ticket_priority') }}
),

final as (
    select
        ticket_id,
        target_priority as priority,
        target_tags as tags,
        tier as loop_tier
    from ticket_priority
)

select * from final
