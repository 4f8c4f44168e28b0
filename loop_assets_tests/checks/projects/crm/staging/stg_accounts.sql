with source as (
    select * from {{ source('crm', 'accounts') }}
)

select * from source
