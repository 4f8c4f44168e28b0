{{ config(materialized='table') }}

with customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

organizations as (
    select * from {{ ref('stg_zendesk__organizations') }}
),

organization_domains as (
    select * from {{ ref('stg_zendesk__organization_domains') }}
),

billing_domains as (
    select
        customer_id as account_id,
        email_domain as domain,
        'stripe billing email' as claimed_by
    from customers
    where email_domain is not null
),

linked_organization_domains as (
    select
        customers.customer_id as account_id,
        organization_domains.domain,
        'zendesk organization ' || organizations.organization_id as claimed_by
    from organizations
    join customers on customers.customer_id = organizations.external_id
    join organization_domains on organization_domains.organization_id = organizations.organization_id
),

claims as (
    select * from billing_domains
    union all
    select * from linked_organization_domains
),

company_claims as (
    select
        account_id,
        domain,
        string_agg(distinct claimed_by, ', ' order by claimed_by) as claimed_by
    from claims
    where domain not in {{ free_mail_domains() }}
    group by account_id, domain
),

final as (
    select
        domain,
        account_id,
        claimed_by,
        -- A domain two accounts claim identifies neither: matching skips it and reports why.
        count(*) over (partition by domain) as accounts_claiming
    from company_claims
)

select * from final
