{{ config(materialized='table') }}

with tickets as (
    select * from {{ ref('stg_zendesk__tickets') }}
    where is_open
),

user_links as (
    select * from {{ ref('int_zendesk_user_links') }}
),

organization_links as (
    select * from {{ ref('int_zendesk_organization_links') }}
),

account_priority as (
    select * from {{ ref('account_priority') }}
),

-- The requester's own link first: a person can file from an organization that is not their company's.
ticket_accounts as (
    select
        tickets.*,
        coalesce(user_links.account_id, organization_links.account_id) as account_id,
        case
            when user_links.account_id is not null then 'requester'
            when organization_links.account_id is not null then 'organization'
        end as linked_through
    from tickets
    left join user_links on user_links.user_id = tickets.requester_id
    left join organization_links on organization_links.organization_id = tickets.organization_id
),

-- A ticket nobody can tie to an account is treated as normal: it may well be a customer on a private address.
tiered as (
    select
        ticket_accounts.*,
        coalesce(account_priority.tier, 'normal') as tier,
        account_priority.score,
        account_priority.tier_reason,
        case coalesce(account_priority.tier, 'normal')
            when 'strategic' then 'urgent'
            when 'high' then 'high'
            when 'normal' then 'normal'
            else 'low'
        end as tier_priority
    from ticket_accounts
    left join account_priority on account_priority.account_id = ticket_accounts.account_id
),

ranked as (
    select
        *,
        case priority when 'urgent' then 4 when 'high' then 3 when 'normal' then 2 when 'low' then 1 else 0 end
            as current_rank,
        case tier_priority when 'urgent' then 4 when 'high' then 3 when 'normal' then 2 else 1 end as tier_rank
    from tiered
),

targeted as (
    select
        *,
        -- The loop raises priorities and never lowers one: an agent's urgent stays urgent.
        case when current_rank > tier_rank then priority else tier_priority end as target_priority,
        list_sort(list_distinct(list_concat(
            list_filter(tags, lambda tag: not starts_with(tag, 'loop_tier_')), ['loop_tier_' || tier]
        ))) as target_tags
    from ranked
),

final as (
    select
        ticket_id,
        account_id,
        tier,
        score,
        priority as current_priority,
        target_priority,
        tags as current_tags,
        target_tags,
        target_priority is distinct from priority or target_tags <> list_sort(tags) as needs_update,
        case
            when account_id is null then
                format('requester {} and organization {} match no account: tier normal',
                    requester_id, coalesce(cast(organization_id as varchar), 'none'))
            else format('account {} via {}: {}', account_id, linked_through, tier_reason)
        end
        || case
            when current_rank > tier_rank then format('; keeps {} (tier gives {})', priority, tier_priority)
            else ''
        end as reason
    from targeted
)

select * from final
