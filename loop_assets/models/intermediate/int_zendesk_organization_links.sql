{{ config(materialized='table') }}

with organizations as (
    select * from {{ ref('stg_zendesk__organizations') }}
),

organization_domains as (
    select * from {{ ref('stg_zendesk__organization_domains') }}
),

customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
),

by_external_id as (
    select
        organizations.organization_id,
        customers.customer_id as account_id
    from organizations
    join customers on customers.customer_id = organizations.external_id
),

domain_matches as (
    select
        organization_domains.organization_id,
        organization_domains.domain,
        organization_domains.domain in {{ free_mail_domains() }} as is_free_mail,
        account_domains.account_id,
        coalesce(account_domains.accounts_claiming, 0) as accounts_claiming
    from organization_domains
    left join account_domains on account_domains.domain = organization_domains.domain
),

by_domain as (
    select
        organization_id,
        count(distinct account_id) filter (where accounts_claiming = 1) as matched_accounts,
        min(account_id) filter (where accounts_claiming = 1) as account_id,
        min(domain) filter (where accounts_claiming = 1) as matched_domain,
        bool_or(accounts_claiming > 1) as has_shared_domain,
        bool_and(is_free_mail) as only_free_mail,
        string_agg(distinct domain, ', ' order by domain) as domains
    from domain_matches
    group by organization_id
),

final as (
    select
        organizations.organization_id,
        organizations.organization_name,
        organizations.external_id,
        coalesce(by_external_id.account_id, case when by_domain.matched_accounts = 1 then by_domain.account_id end)
            as account_id,
        case
            when by_external_id.account_id is not null then 'external_id'
            when by_domain.matched_accounts = 1 then 'domain'
        end as match_method,
        case
            when by_external_id.account_id is not null then organizations.external_id
            when by_domain.matched_accounts = 1 then by_domain.matched_domain
        end as matched_on,
        concat_ws('; ',
            case
                when organizations.external_id is null then 'no external_id'
                else 'external_id ' || organizations.external_id || ' is no Stripe customer'
            end,
            case
                when by_domain.organization_id is null then 'no domain_names'
                when by_domain.matched_accounts > 1 then 'domains ' || by_domain.domains || ' point to several accounts'
                when by_domain.has_shared_domain then 'domain ' || by_domain.domains || ' is shared by several accounts'
                when by_domain.only_free_mail then 'only free-mail domains (' || by_domain.domains || ')'
                else 'no account has domain ' || by_domain.domains
            end
        ) as unmatched_reason
    from organizations
    left join by_external_id on by_external_id.organization_id = organizations.organization_id
    left join by_domain on by_domain.organization_id = organizations.organization_id
)

select * from final
