{#- A nested list (e.g. a candidate's skills from the ATS's JSON) as one row per element, with its
    position from 1. Used in a select list next to the row's other columns. DuckDB and Postgres
    share this syntax; another warehouse adds its own `<adapter>__` version. -#}
{% macro unnest_list(list_column) -%}
    {{ return(adapter.dispatch('unnest_list')(list_column)) }}
{%- endmacro %}

{% macro default__unnest_list(list_column) -%}
    unnest({{ list_column }})
{%- endmacro %}

{% macro list_positions(list_column) -%}
    {{ return(adapter.dispatch('list_positions')(list_column)) }}
{%- endmacro %}

{% macro default__list_positions(list_column) -%}
    generate_subscripts({{ list_column }}, 1)
{%- endmacro %}
