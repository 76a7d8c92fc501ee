{#- One row per skill mention: each candidate's list of free-text skills, unnested, trimmed,
    lower-cased and looked up in the taxonomy. Incremental: a build recomputes the candidates loaded
    since the last one, whose rows it deletes first (a version may list fewer skills, or none). -#}
{{ config(
    materialized='incremental', unique_key='candidate_id', on_schema_change='fail',
    pre_hook="{% if is_incremental() %}
        delete from {{ this }} where candidate_id in ({{ skill_holders_loaded_since_last_build('candidate') }})
    {% endif %}"
) }}

with mentions as (
    select
        candidate_id,
        {{ list_positions('skills') }} as mention_position,
        {{ unnest_list('skills') }} as written,
        _loaded_at
    from {{ ref('stg_ats__candidates') }}
    where skills is not null
    {%- if is_incremental() %}
        and candidate_id in ({{ skill_holders_loaded_since_last_build('candidate') }})
    {%- endif %}
),

cleaned as (
    select
        candidate_id,
        mention_position,
        lower(trim(written)) as skill_mention,
        _loaded_at
    from mentions
)

select
    cleaned.candidate_id,
    cleaned.mention_position,
    cleaned.skill_mention,
    taxonomy.canonical_skill,
    taxonomy.category as skill_category,
    taxonomy.canonical_skill is not null as is_mapped,
    cleaned._loaded_at
from cleaned
left join {{ ref('skill_taxonomy') }} as taxonomy
    on taxonomy.alias = cleaned.skill_mention
where cleaned.skill_mention <> ''
