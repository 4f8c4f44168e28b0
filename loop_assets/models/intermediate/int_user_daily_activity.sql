{{ config(materialized='incremental', unique_key=['user_id', 'activity_day']) }}

-- Product use only: identify and group calls describe people, they are not use of the product.
with events as (
    select * from {{ ref('stg_segment__events') }}
    where user_id is not null
        and call_type in ('track', 'page', 'screen')
),

{% if is_incremental() %}
-- A run reads only the calls landed since the last one, then recomputes in full the user-days they fall
-- on: a late call (received days after it happened) rebuilds the day it belongs to. The watermark is the
-- landing time, not receivedAt, so a backfilled older Segment partition is picked up too.
changed_days as (
    select distinct user_id, event_day
    from events
    where loaded_at > (select coalesce(max(last_loaded_at), '-infinity'::timestamptz) from {{ this }})
),

day_events as (
    select events.*
    from events
    join changed_days on changed_days.user_id = events.user_id and changed_days.event_day = events.event_day
),
{% else %}
day_events as (
    select * from events
),
{% endif %}

final as (
    select
        user_id,
        event_day as activity_day,
        count(*) as events,
        count(*) filter (where event_name = 'Signed In') as sign_ins,
        count(*) filter (where event_name = 'Feature Used') as feature_uses,
        coalesce(
            list_sort(list_distinct(list(feature) filter (where event_name = 'Feature Used'))), []
        ) as features,
        max(loaded_at) as last_loaded_at
    from day_events
    group by user_id, event_day
)

select * from final
