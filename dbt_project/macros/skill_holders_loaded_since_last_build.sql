{#- The skill tables' incremental builds (int_candidate_skills, fct_skill_inventory): the people ('candidate' or
    'employee') whose skills or person record had a version loaded since the table's last build. Their rows are
    deleted first (a skill dropped from a list must go) and computed again. -#}
{% macro skill_holders_loaded_since_last_build(person_type) %}
    {%- if person_type == 'candidate' %}
    select candidate_id from {{ ref('stg_ats__candidates') }} where {{ loaded_since_last_build('_loaded_at') }}
    {%- elif person_type == 'employee' %}
    select employee_id from {{ ref('stg_hris__employee_skills') }} where {{ loaded_since_last_build('_loaded_at') }}
    union all
    select employee_id from {{ ref('stg_hris__employees') }} where {{ loaded_since_last_build('_loaded_at') }}
    {%- else %}
    {{ exceptions.raise_compiler_error("skill holders are 'candidate' or 'employee', not " ~ person_type) }}
    {%- endif %}
{% endmacro %}
