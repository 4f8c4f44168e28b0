{{ config(materialized='table') }}

-- One row per account with product use in the window; account_priority gives the others zeros.
with daily_activity as (
    select * from {{ ref('int_user_daily_activity') }}
    where activity_day between {{ as_of_date() }} - 6 and {{ as_of_date() }}
),

user_links as (
    select * from {{ ref('int_segment_user_links') }}
    where account_id is not null
),

account_days as (
    select
        user_links.account_id,
        daily_activity.*
    from daily_activity
    join user_links on user_links.user_id = daily_activity.user_id
),

usage_totals as (
    select
        account_id,
        count(distinct activity_day) as active_days_7d,
        count(distinct user_id) as active_users_7d,
        sum(sign_ins) as logins_7d,
        sum(feature_uses) as feature_uses_7d
    from account_days
    group by account_id
),

features_used as (
    select account_id, unnest(features) as feature
    from account_days
),

feature_breadth as (
    select account_id, count(distinct feature) as features_used_7d
    from features_used
    group by account_id
),

counted as (
    select
        usage_totals.*,
        coalesce(feature_breadth.features_used_7d, 0) as features_used_7d
    from usage_totals
    left join feature_breadth on feature_breadth.account_id = usage_totals.account_id
),

final as (
    select
        *,
        -- Each part saturates at a healthy week: 5 active days, 10 logins, 8 distinct features.
        round(
            0.4 * least(active_days_7d / 5.0, 1)
            + 0.3 * least(logins_7d / 10.0, 1)
            + 0.3 * least(features_used_7d / 8.0, 1),
            3
        ) as activity_score
    from counted
)

select * from final
