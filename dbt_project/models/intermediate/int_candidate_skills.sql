{#- One row per skill mention: each candidate's list of free-text skills, unnested, trimmed,
    lower-cased and looked up in the taxonomy. -#}
with mentions as (
    select
        candidate_id,
        {{ list_positions('skills') }} as mention_position,
        {{ unnest_list('skills') }} as written
    from {{ ref('stg_ats__candidates') }}
    where skills is not null
),

cleaned as (
    select
        candidate_id,
        mention_position,
        lower(trim(written)) as skill_mention
    from mentions
)

select
    cleaned.candidate_id,
    cleaned.mention_position,
    cleaned.skill_mention,
    taxonomy.canonical_skill,
    taxonomy.category as skill_category,
    taxonomy.canonical_skill is not null as is_mapped
from cleaned
left join {{ ref('skill_taxonomy') }} as taxonomy
    on taxonomy.alias = cleaned.skill_mention
where cleaned.skill_mention <> ''
