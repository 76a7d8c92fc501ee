{#- A number inside a JSON column, by JSONPath (`$.a.b`), as a double; null when absent. -#}
{% macro json_double(column, path) -%}
    {{ return(adapter.dispatch('json_double')(column, path)) }}
{%- endmacro %}

{% macro default__json_double(column, path) -%}
    cast(json_extract_string({{ column }}, '{{ path }}') as {{ type_double() }})
{%- endmacro %}
