{{ config(materialized='table') }}

with customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

charges as (
    select * from {{ ref('stg_stripe__charges') }}
    where {{ utc_day('created_at') }} <= {{ as_of_date() }}
),

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
),

charge_totals as (
    select
        customer_id,
        sum(net_amount) as lifetime_spend,
        coalesce(sum(net_amount) filter (where {{ utc_day('created_at') }} > {{ as_of_date() }} - 90), 0)
            as spend_90d,
        count(*) filter (where status = 'failed' and {{ utc_day('created_at') }} > {{ as_of_date() }} - 90)
            as failed_charges_90d
    from charges
    group by customer_id
),

subscription_states as (
    select
        *,
        case
            when status = 'active' and cancel_at_period_end then 'canceling'
            when status = 'active' then 'active'
            when status in ('past_due', 'unpaid', 'incomplete') then 'past_due'
            when status = 'trialing' then 'trialing'
            when status = 'paused' then 'paused'
            else 'churned'
        end as subscription_state,
        -- Still billed: past_due invoices are retried, so the revenue is at risk, not gone.
        status in ('active', 'past_due') as counts_toward_mrr
    from subscriptions
),

ranked_states as (
    select
        *,
        case subscription_state
            when 'active' then 1
            when 'canceling' then 2
            when 'past_due' then 3
            when 'trialing' then 4
            when 'paused' then 5
            else 6
        end as state_rank
    from subscription_states
),

subscription_totals as (
    select
        customer_id,
        coalesce(sum(mrr) filter (where counts_toward_mrr), 0) as mrr,
        coalesce(sum(seats) filter (where subscription_state <> 'churned'), 0) as seats,
        -- The account stands as well as its best subscription; its plan is that one's (the larger on a tie).
        arg_min(subscription_state, state_rank) as churn_state,
        arg_min(plan, (state_rank, -mrr, subscription_id)) as plan,
        max(coalesce(ended_at, canceled_at)) filter (where subscription_state = 'churned') as last_churned_at
    from ranked_states
    group by customer_id
),

final as (
    select
        customers.customer_id,
        coalesce(charge_totals.lifetime_spend, 0) as lifetime_spend,
        coalesce(charge_totals.spend_90d, 0) as spend_90d,
        coalesce(charge_totals.failed_charges_90d, 0) as failed_charges_90d,
        coalesce(subscription_totals.mrr, 0) as mrr,
        coalesce(subscription_totals.seats, 0) as seats,
        subscription_totals.plan,
        coalesce(subscription_totals.churn_state, 'none') as churn_state,
        case when subscription_totals.churn_state = 'churned' then subscription_totals.last_churned_at end
            as churned_at
    from customers
    left join charge_totals on charge_totals.customer_id = customers.customer_id
    left join subscription_totals on subscription_totals.customer_id = customers.customer_id
)

select * from final
