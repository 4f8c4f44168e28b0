{#- Stripe amounts are integers in the minor unit; the models report major units (two-decimal currencies). -#}
{% macro minor_to_major(column) -%}
    ({{ column }} / 100.0)
{%- endmacro %}
