{{ config(materialized='table') }}

-- An account is a Stripe customer: the one system where every paying company exists exactly once.
with customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

organization_links as (
    select * from {{ ref('int_zendesk_organization_links') }}
    where account_id is not null
),

zendesk_user_links as (
    select * from {{ ref('int_zendesk_user_links') }}
    where account_id is not null
),

segment_user_links as (
    select * from {{ ref('int_segment_user_links') }}
    where account_id is not null
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
    where accounts_claiming = 1
),

organizations_per_account as (
    select account_id, list_sort(list(organization_id)) as zendesk_organization_ids
    from organization_links
    group by account_id
),

zendesk_users_per_account as (
    select account_id, count(*) as zendesk_users
    from zendesk_user_links
    group by account_id
),

segment_users_per_account as (
    select account_id, count(*) as product_users
    from segment_user_links
    group by account_id
),

domains_per_account as (
    select account_id, list_sort(list(domain)) as domains
    from account_domains
    group by account_id
),

final as (
    select
        customers.customer_id as account_id,
        customers.customer_name as account_name,
        customers.email as billing_email,
        coalesce(domains_per_account.domains, []) as domains,
        coalesce(organizations_per_account.zendesk_organization_ids, []) as zendesk_organization_ids,
        coalesce(zendesk_users_per_account.zendesk_users, 0) as zendesk_users,
        coalesce(segment_users_per_account.product_users, 0) as product_users,
        customers.created_at
    from customers
    left join domains_per_account on domains_per_account.account_id = customers.customer_id
    left join organizations_per_account on organizations_per_account.account_id = customers.customer_id
    left join zendesk_users_per_account on zendesk_users_per_account.account_id = customers.customer_id
    left join segment_users_per_account on segment_users_per_account.account_id = customers.customer_id
)

select * from final
