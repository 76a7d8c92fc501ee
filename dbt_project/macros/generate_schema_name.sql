{#- Use a model's custom schema as is (staging, intermediate, marts, quality), not prefixed with
    the target schema; models without one land in the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
