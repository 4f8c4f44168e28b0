{{ config(materialized='table') }}

-- What zendesk__organizations_sync pushes into organization_fields: one row per linked organization.
with identity_links as (
    select * from {{ ref('identity_links') }}
    where record_type = 'zendesk_organization'
),

account_priority as (
    select * from {{ ref('account_priority') }}
),

final as (
    select
        cast(identity_links.record_id as bigint) as organization_id,
        account_priority.tier as loop_tier,
        account_priority.score as loop_score,
        cast(account_priority.spend_90d as double) as loop_spend_90d,
        cast(round(account_priority.activity_score, 3) as double) as loop_activity
    from identity_links
    join account_priority on account_priority.account_id = identity_links.account_id
)

select * from final
