{{ config(materialized='table') }}

with accounts as (
    select * from {{ ref('stg_accounts') }}
)

select * from accounts
