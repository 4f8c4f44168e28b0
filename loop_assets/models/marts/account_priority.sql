{{ config(materialized='table') }}

with accounts as (
    select * from {{ ref('accounts') }}
),

spend as (
    select * from {{ ref('int_customer_spend') }}
),

activity as (
    select * from {{ ref('int_account_activity_7d') }}
),

signals as (
    select
        accounts.account_id,
        accounts.account_name,
        spend.plan,
        spend.seats,
        spend.mrr,
        spend.spend_90d,
        spend.lifetime_spend,
        spend.churn_state,
        coalesce(activity.activity_score, 0) as activity_score,
        coalesce(activity.active_days_7d, 0) as active_days_7d,
        coalesce(activity.logins_7d, 0) as logins_7d,
        coalesce(activity.features_used_7d, 0) as features_used_7d,
        -- What the account is worth a month: its MRR, or its recent average spend when that is larger
        -- (one-off purchases, usage billed by charge).
        greatest(spend.mrr, spend.spend_90d / 3, 0) as monthly_value
    from accounts
    join spend on spend.customer_id = accounts.account_id
    left join activity on activity.account_id = accounts.account_id
),

components as (
    select
        *,
        -- Spend is heavy-tailed: a log scale separates $50 from $500 as much as $5,000 from $50,000.
        least(log10(1 + monthly_value) / log10(1 + 20000), 1) as spend_component,
        case churn_state
            when 'active' then 1.0
            when 'trialing' then 0.7
            when 'past_due' then 0.6
            when 'canceling' then 0.5
            when 'paused' then 0.3
            when 'none' then 0.2
            else 0.0
        end as subscription_component
    from signals
),

scored as (
    select
        *,
        cast(round(100 * (0.5 * spend_component + 0.3 * activity_score + 0.2 * subscription_component)) as integer)
            as score
    from components
),

tiered as (
    select
        *,
        case
            when monthly_value >= 5000 and churn_state <> 'churned' then 'strategic'
            when score >= 85 then 'strategic'
            when score >= 60 then 'high'
            when score >= 35 then 'normal'
            else 'low'
        end as tier
    from scored
),

final as (
    select
        account_id,
        account_name,
        tier,
        score,
        plan,
        seats,
        round(mrr, 2) as mrr,
        round(spend_90d, 2) as spend_90d,
        round(lifetime_spend, 2) as lifetime_spend,
        round(monthly_value, 2) as monthly_value,
        churn_state,
        activity_score,
        active_days_7d,
        logins_7d,
        features_used_7d,
        round(spend_component, 3) as spend_component,
        subscription_component,
        case
            when monthly_value >= 5000 and churn_state <> 'churned'
                then format('strategic: worth ${:,.0f} a month (at least $5,000)', monthly_value)
            else format(
                '{}: score {} = 50 x spend {:.2f} + 30 x activity {:.2f} + 20 x subscription {:.2f}',
                tier, score, spend_component, activity_score, subscription_component
            )
        end
        || format(
            '; MRR ${:,.0f}, 90-day spend ${:,.0f}, subscription {}, active {} of last 7 days, {} logins, {} features',
            mrr, spend_90d, churn_state, active_days_7d, logins_7d, features_used_7d
        ) as tier_reason
    from tiered
)

select * from final
