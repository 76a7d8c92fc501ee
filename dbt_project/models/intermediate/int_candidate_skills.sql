{#- Split each candidate's free-text skills on commas, portably: split_part over a series of
    positions as long as the longest list (read from the warehouse when the model compiles),
    then map every mention to the taxonomy. -#}
{%- set n_parts -%}
    {{ dbt.length('skills') }} - {{ dbt.length(dbt.replace('skills', "','", "''")) }} + 1
{%- endset -%}
{%- set longest_list -%}
    select max({{ n_parts }}) from {{ ref('stg_ats__candidates') }}
{%- endset -%}
{%- set max_parts = (run_query(longest_list).columns[0].values()[0] or 1) | int if execute else 1 -%}

with candidates as (
    select
        candidate_id,
        skills,
        {{ n_parts }} as n_parts
    from {{ ref('stg_ats__candidates') }}
    where skills is not null
),

positions as (
    {{ dbt.generate_series(max_parts) }}
),

mentions as (
    select
        candidates.candidate_id,
        positions.generated_number as mention_position,
        lower(trim({{ dbt.split_part('candidates.skills', "','", 'positions.generated_number') }})) as skill_mention
    from candidates
    inner join positions
        on positions.generated_number <= candidates.n_parts
)

select
    mentions.candidate_id,
    mentions.mention_position,
    mentions.skill_mention,
    taxonomy.canonical_skill,
    taxonomy.category as skill_category,
    taxonomy.canonical_skill is not null as is_mapped
from mentions
left join {{ ref('skill_taxonomy') }} as taxonomy
    on taxonomy.alias = mentions.skill_mention
where mentions.skill_mention <> ''
