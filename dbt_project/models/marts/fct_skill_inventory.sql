{#- Who knows what: the skills of candidates (ATS free text) and employees (HRIS records) in one
    table, mapped to the one taxonomy. One row per person and skill mention; a mention a person
    repeats counts once, and for employees the latest assessment of it holds. Incremental: a build
    recomputes the people whose records were loaded since the last one. -#}
{{ config(
    materialized='incremental', unique_key='skill_inventory_id', on_schema_change='fail',
    pre_hook="{% if is_incremental() %}
        delete from {{ this }}
        where (person_type = 'candidate' and person_id in ({{ skill_holders_loaded_since_last_build('candidate') }}))
            or (person_type = 'employee' and person_id in ({{ skill_holders_loaded_since_last_build('employee') }}))
    {% endif %}"
) }}
-- depends_on: {{ ref('stg_hris__employee_skills') }}

with candidate_mentions as (
    -- the taxonomy maps a spelling one way, so a repeated mention is a repeated row
    select distinct candidate_id, skill_mention, canonical_skill, skill_category, is_mapped
    from {{ ref('int_candidate_skills') }}
    {%- if is_incremental() %}
    where candidate_id in ({{ skill_holders_loaded_since_last_build('candidate') }})
    {%- endif %}
),

employee_mentions as (
    select
        *,
        row_number() over (
            partition by employee_id, skill_mention
            order by assessed_at desc, employee_skill_id desc
        ) as recency
    from {{ ref('int_employee_skills') }}
    {%- if is_incremental() %}
    where employee_id in ({{ skill_holders_loaded_since_last_build('employee') }})
    {%- endif %}
),

inventory as (
    select
        'candidate' as person_type,
        mentions.candidate_id as person_id,
        candidates.person_key,
        'ats' as source_system,
        mentions.skill_mention,
        mentions.canonical_skill,
        mentions.skill_category,
        mentions.is_mapped,
        cast(null as {{ dbt.type_int() }}) as proficiency,
        candidates._loaded_at
    from candidate_mentions as mentions
    left join {{ ref('stg_ats__candidates') }} as candidates
        on candidates.candidate_id = mentions.candidate_id

    union all

    select
        'employee' as person_type,
        mentions.employee_id as person_id,
        employees.person_key,
        'hris' as source_system,
        mentions.skill_mention,
        mentions.canonical_skill,
        mentions.skill_category,
        mentions.is_mapped,
        mentions.proficiency,
        greatest(mentions._loaded_at, employees._loaded_at) as _loaded_at
    from employee_mentions as mentions
    left join {{ ref('stg_hris__employees') }} as employees
        on employees.employee_id = mentions.employee_id
    where mentions.recency = 1
)

select
    {{ dbt.hash(dbt.concat(['person_type', "'|'", 'person_id', "'|'", 'skill_mention'])) }} as skill_inventory_id,
    *
from inventory
