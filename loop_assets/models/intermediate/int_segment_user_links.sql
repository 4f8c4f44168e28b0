{{ config(materialized='table') }}

with events as (
    select * from {{ ref('stg_segment__events') }}
    where user_id is not null
),

customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
    where accounts_claiming = 1
),

-- Zendesk users that carry the product user id as external_id, through their matched organization.
zendesk_people as (
    select
        zendesk_users.external_id as user_id,
        min(organization_links.account_id) as account_id
    from {{ ref('stg_zendesk__users') }} as zendesk_users
    join {{ ref('int_zendesk_organization_links') }} as organization_links
        on organization_links.organization_id = zendesk_users.organization_id
    where zendesk_users.external_id is not null
        and organization_links.account_id is not null
    group by zendesk_users.external_id
    having count(distinct organization_links.account_id) = 1
),

users as (
    select
        user_id,
        -- The latest group and identify calls win: people change companies and addresses.
        arg_max(group_id, event_at) filter (where call_type = 'group' and group_id is not null) as group_id,
        arg_max(trait_email, event_at) filter (where call_type = 'identify' and trait_email is not null) as email,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from events
    group by user_id
),

matched as (
    select
        users.*,
        {{ email_domain('users.email') }} as email_domain,
        group_customers.customer_id as group_customer_id,
        group_domains.account_id as group_domain_account_id,
        email_domains.account_id as email_domain_account_id,
        zendesk_people.account_id as zendesk_account_id
    from users
    left join customers as group_customers on group_customers.customer_id = users.group_id
    left join account_domains as group_domains on group_domains.domain = lower(users.group_id)
    left join account_domains as email_domains on email_domains.domain = {{ email_domain('users.email') }}
    left join zendesk_people on zendesk_people.user_id = users.user_id
),

final as (
    select
        user_id,
        email,
        group_id,
        coalesce(group_customer_id, group_domain_account_id, email_domain_account_id, zendesk_account_id)
            as account_id,
        case
            when group_customer_id is not null then 'group_customer_id'
            when group_domain_account_id is not null then 'group_domain'
            when email_domain_account_id is not null then 'identify_email_domain'
            when zendesk_account_id is not null then 'zendesk_external_id'
        end as match_method,
        case
            when group_customer_id is not null or group_domain_account_id is not null then group_id
            when email_domain_account_id is not null then email_domain
            when zendesk_account_id is not null then user_id
        end as matched_on,
        concat_ws('; ',
            case
                when group_id is null then 'no group call'
                else 'group ' || group_id || ' is no Stripe customer or account domain'
            end,
            {{ email_domain_miss('email', 'email_domain', 'identify email') }},
            'no Zendesk user of a matched organization has it as external_id'
        ) as unmatched_reason,
        first_seen_at,
        last_seen_at
    from matched
)

select * from final
