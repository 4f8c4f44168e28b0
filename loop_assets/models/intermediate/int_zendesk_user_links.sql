{{ config(materialized='table') }}

-- Agents and admins work for us, not for a customer: only end users are resolved.
with users as (
    select * from {{ ref('stg_zendesk__users') }}
    where is_end_user
),

customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

organization_links as (
    select * from {{ ref('int_zendesk_organization_links') }}
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

billing_emails as (
    -- An address two customers bill to identifies neither.
    select email, min(customer_id) as account_id
    from customers
    where email is not null
    group by email
    having count(*) = 1
),

matched as (
    select
        users.*,
        organization_links.account_id as organization_account_id,
        billing_emails.account_id as billing_email_account_id,
        segment_user_links.account_id as product_user_account_id,
        account_domains.account_id as email_domain_account_id
    from users
    left join organization_links on organization_links.organization_id = users.organization_id
    left join billing_emails on billing_emails.email = users.email
    left join segment_user_links on segment_user_links.user_id = users.external_id
    left join account_domains on account_domains.domain = users.email_domain
),

final as (
    select
        user_id,
        user_name,
        email,
        organization_id,
        external_id,
        coalesce(organization_account_id, billing_email_account_id, product_user_account_id, email_domain_account_id)
            as account_id,
        case
            when organization_account_id is not null then 'organization'
            when billing_email_account_id is not null then 'billing_email'
            when product_user_account_id is not null then 'product_user_id'
            when email_domain_account_id is not null then 'email_domain'
        end as match_method,
        case
            when organization_account_id is not null then cast(organization_id as varchar)
            when billing_email_account_id is not null then email
            when product_user_account_id is not null then external_id
            when email_domain_account_id is not null then email_domain
        end as matched_on,
        concat_ws('; ',
            case
                when organization_id is null then 'no organization'
                else 'organization ' || organization_id || ' matches no account'
            end,
            case
                when external_id is null then 'no external_id'
                else 'external_id ' || external_id || ' is no linked product user'
            end,
            {{ email_domain_miss('email', 'email_domain', 'email') }}
        ) as unmatched_reason
    from matched
)

select * from final
