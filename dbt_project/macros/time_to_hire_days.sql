{#- time_to_hire_days, the DESIGN's KPI with one meaning everywhere: calendar days from the
    application to the accepted offer (dbt's portable datediff counts day boundaries). -#}
{% macro time_to_hire_days(applied_at, offer_accepted_at) -%}
    {{ dbt.datediff(applied_at, offer_accepted_at, 'day') }}
{%- endmacro %}
