{{ config(materialized='table') }}

with organization_links as (
    select * from {{ ref('int_zendesk_organization_links') }}
),

zendesk_user_links as (
    select * from {{ ref('int_zendesk_user_links') }}
),

segment_user_links as (
    select * from {{ ref('int_segment_user_links') }}
),

unmatched as (
    select
        'zendesk_organization' as record_type,
        cast(organization_id as varchar) as record_id,
        organization_name as record_label,
        unmatched_reason as reason
    from organization_links
    where account_id is null

    union all

    select
        'zendesk_user',
        cast(user_id as varchar),
        coalesce(email, user_name),
        unmatched_reason
    from zendesk_user_links
    where account_id is null

    union all

    select
        'segment_user',
        user_id,
        email,
        unmatched_reason
    from segment_user_links
    where account_id is null
),

final as (
    select * from unmatched
)

select * from final
