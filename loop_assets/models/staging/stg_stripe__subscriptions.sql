with source as (
    select * from {{ source('stripe', 'subscriptions') }}
),

items as (
    select
        id as subscription_id,
        unnest(cast(items as json[])) as item
    from source
),

priced_items as (
    select
        subscription_id,
        item ->> '$.price.id' as price_id,
        coalesce(item ->> '$.price.nickname', item ->> '$.price.lookup_key', item ->> '$.price.id') as plan,
        item ->> '$.price.recurring.interval' as billing_interval,
        coalesce(cast(item ->> '$.price.recurring.interval_count' as integer), 1) as interval_count,
        coalesce(cast(item ->> '$.quantity' as integer), 1) as quantity,
        {{ minor_to_major("coalesce(cast(item ->> '$.price.unit_amount_decimal' as double), cast(item ->> '$.price.unit_amount' as double))") }} as unit_amount
    from items
),

monthly_items as (
    select
        *,
        -- A price billed every N intervals, spread evenly over the months it covers.
        quantity * unit_amount / interval_count * case billing_interval
            when 'month' then 1.0
            when 'year' then 1.0 / 12
            when 'week' then 52.0 / 12
            when 'day' then 365.0 / 12
        end as item_mrr
    from priced_items
),

per_subscription as (
    select
        subscription_id,
        sum(quantity) as seats,
        sum(item_mrr) as mrr,
        -- The plan is the item that brings in the most; ties go to the first price id.
        arg_max(plan, (item_mrr, price_id)) as plan,
        arg_max(billing_interval, (item_mrr, price_id)) as billing_interval
    from monthly_items
    group by subscription_id
),

final as (
    select
        source.id as subscription_id,
        source.customer as customer_id,
        source.status,
        coalesce(source.cancel_at_period_end, false) as cancel_at_period_end,
        per_subscription.plan,
        per_subscription.billing_interval,
        coalesce(per_subscription.seats, 0) as seats,
        coalesce(per_subscription.mrr, 0) as mrr,
        source.start_date as started_at,
        source.current_period_start,
        source.current_period_end,
        source.canceled_at,
        source.ended_at,
        source.created as created_at
    from source
    left join per_subscription on per_subscription.subscription_id = source.id
)

select * from final
