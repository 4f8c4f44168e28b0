{{ config(materialized='table') }}

with customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

organization_links as (
    select * from {{ ref('int_zendesk_organization_links') }}
),

zendesk_user_links as (
    select * from {{ ref('int_zendesk_user_links') }}
),

segment_user_links as (
    select * from {{ ref('int_segment_user_links') }}
),

links as (
    select
        'stripe_customer' as record_type,
        customer_id as record_id,
        customer_name as record_label,
        customer_id as account_id,
        'stripe_customer' as match_method,
        customer_id as matched_on
    from customers

    union all

    select
        'zendesk_organization',
        cast(organization_id as varchar),
        organization_name,
        account_id,
        match_method,
        matched_on
    from organization_links
    where account_id is not null

    union all

    select
        'zendesk_user',
        cast(user_id as varchar),
        coalesce(email, user_name),
        account_id,
        match_method,
        matched_on
    from zendesk_user_links
    where account_id is not null

    union all

    select
        'segment_user',
        user_id,
        email,
        account_id,
        match_method,
        matched_on
    from segment_user_links
    where account_id is not null
),

final as (
    select * from links
)

select * from final
