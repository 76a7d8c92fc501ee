{#- A KPI as three columns: its value, its target (from the kpi_targets seed, the one owner of
    KPI targets) and its status. `n` is the number of observations behind the value: below the
    seed's min_n, or with no value, or in a partial period (`partial`, a boolean expression), the
    status is not_enough_data. -#}
{% macro kpi_columns(name, n, partial='false') -%}
    {%- set target -%}(select target from {{ ref('kpi_targets') }} where kpi = '{{ name }}'){%- endset -%}
    {%- set direction -%}(select direction from {{ ref('kpi_targets') }} where kpi = '{{ name }}'){%- endset -%}
    {%- set min_n -%}(select min_n from {{ ref('kpi_targets') }} where kpi = '{{ name }}'){%- endset -%}
    {{ name }},
    {{ target }} as {{ name }}_target,
    case
        when {{ partial }} or {{ name }} is null or coalesce({{ n }}, 0) < {{ min_n }} then 'not_enough_data'
        when {{ direction }} = 'at_least' and {{ name }} >= {{ target }} then 'on_target'
        when {{ direction }} = 'at_most' and {{ name }} <= {{ target }} then 'on_target'
        else 'off_target'
    end as {{ name }}_status
{%- endmacro %}
