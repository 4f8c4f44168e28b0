{#- The day "today" is for every window (last 7 / 90 days): var `as_of` (YYYY-MM-DD) pins it, e.g. in tests. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        cast(current_timestamp at time zone 'UTC' as date)
    {%- endif -%}
{%- endmacro %}

{#- The UTC calendar day of a timestamptz, whatever the session's TimeZone setting is. -#}
{% macro utc_day(column) -%}
    cast({{ column }} at time zone 'UTC' as date)
{%- endmacro %}
