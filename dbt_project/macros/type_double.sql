{#- The standard SQL double-precision float. Used instead of dbt.type_float(), which is a 4-byte
    REAL on DuckDB and would round scores and hours. -#}
{% macro type_double() -%}
    double precision
{%- endmacro %}
