{{ config(materialized='table') }}

-- What segment__traits_sync sends as identify traits: one row per product user tied to an account.
with identity_links as (
    select * from {{ ref('identity_links') }}
    where record_type = 'segment_user'
),

account_priority as (
    select * from {{ ref('account_priority') }}
),

final as (
    select
        identity_links.record_id as user_id,
        account_priority.account_id,
        account_priority.tier as loop_tier,
        account_priority.score as loop_score
    from identity_links
    join account_priority on account_priority.account_id = identity_links.account_id
)

select * from final
