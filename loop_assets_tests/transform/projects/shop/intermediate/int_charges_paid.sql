{{ config(materialized='view', tags=['finance']) }}

{% set paid_statuses = ['succeeded', 'refunded'] %}

select *
from {{ ref('stg_stripe__charges') }}
where status in (
    {%- for status in paid_statuses %}'{{ status }}'{% if not loop.last %}, {% endif %}{% endfor -%}
)
and amount >= {{ var('min_amount', 0) }}
