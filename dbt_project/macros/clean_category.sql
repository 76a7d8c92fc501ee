{#- A category as comparable text: trimmed, lower-case, and null when blank. -#}
{% macro clean_category(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
